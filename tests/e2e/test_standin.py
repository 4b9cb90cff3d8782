"""The stand-in against a bare discord.py bot (tests/e2e/minibot.py): what real Discord would do, it does."""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
import sys
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.standin import BotProcess, Driver, DriverError, StandIn
from bot.standin.gateway import shard_of
from bot.standin.server import Perm

from .conftest import MINIBOT_ARGV, ROOT, start_bot

pytestmark = pytest.mark.asyncio(loop_scope="session")

MINIBOT_COMMANDS = {"mini", "ping", "cast", "panel", "feedback", "slow", "double", "secret", "post", "think"}
MINIBOT_COMMANDS |= {"poster", "modonly"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    """A stand-in of this module's own, so the minibot never shares a world with the real bot."""
    async with StandIn() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def minibot(standin: StandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    process = await start_bot(standin, tmp_path_factory.mktemp("minibot"), MINIBOT_ARGV, name="minibot")
    yield process
    await process.stop()


async def raw(standin: StandIn, method: str, path: str, body: object = None) -> tuple[int, str, object]:
    """A REST call as the bot would make it: (status, content type, json body)."""
    headers = {"Authorization": f"Bot {standin.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, standin.api_base + path, json=body, headers=headers) as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.json()


async def test_login_syncs_commands(standin: StandIn, minibot: BotProcess) -> None:
    seen = {(r.method, r.path) for r in standin.requests}
    assert ("GET", "/users/@me") in seen
    assert ("GET", "/oauth2/applications/@me") in seen
    assert ("PUT", f"/applications/{standin.app_id}/guilds/{standin.guild.id}/commands") in seen
    stored = standin.commands[standin.guild.id]
    assert {c["name"] for c in stored.values()} == MINIBOT_COMMANDS
    assert all(c["application_id"] == str(standin.app_id) for c in stored.values())
    session = standin.active_session
    assert session is not None and session.connection is not None
    assert session.connection.compress == "zlib-stream"


async def test_json_errors_and_unhandled_routes(standin: StandIn, minibot: BotProcess) -> None:
    status, content_type, body = await raw(standin, "GET", "/guilds/1/audit-logs")
    assert (status, content_type) == (404, "application/json")
    assert body == {"message": "404: Not Found", "code": 0}
    problems = standin.take_problems("unhandled route")
    assert [p.where for p in problems] == ["GET /guilds/1/audit-logs"]


async def test_slash_commands_and_subcommands(driver: Driver, minibot: BotProcess) -> None:
    assert (await driver.command("ping")).content == "pong"
    assert (await driver.command("mini add", {"a": 2, "b": "40"})).content == "2 + 40 = 42"
    assert (await driver.command("/mini tools roll", {"sides": 20})).content == "rolled 20 on a d20"
    assert (await driver.command("mini tools roll")).content == "rolled 6 on a d6"
    with pytest.raises(DriverError, match="between 2 and 100"):
        await driver.command("mini tools roll", {"sides": 500})
    with pytest.raises(DriverError, match="required"):
        await driver.command("mini add", {"a": 1})
    with pytest.raises(DriverError, match="needs a subcommand"):
        await driver.command("mini")


async def test_default_member_permissions_hide_commands(driver: Driver, minibot: BotProcess) -> None:
    with pytest.raises(DriverError, match="cannot see /modonly"):
        await driver.command("modonly")
    assert (await driver.command("modonly", member="mod")).content == "welcome, moderator"
    assert (await driver.command("modonly", force=True)).content == "moderators only"


async def test_autocomplete(driver: Driver, minibot: BotProcess) -> None:
    choices = await driver.autocomplete("cast", {"name": "sam"})
    assert choices == [{"name": "Sam Elliott: A Life", "value": "Sam Elliott: A Life"}]
    reply = await driver.command("cast", {"name": choices[0]["value"]})
    assert reply.embeds[0]["title"] == "Sam Elliott: A Life"


async def test_persistent_view_buttons_and_select(driver: Driver, minibot: BotProcess) -> None:
    panel = await driver.command("panel")
    assert "[1 One] [2 Two]" in panel.text()
    pressed = await driver.click(panel, 1)
    assert pressed.ephemeral and pressed.content == "button 1 pressed by member"
    updated = await driver.click(panel, "Two", member="member2")
    assert updated.callback_type == 7
    assert panel.content == "Panel (two pressed by member2)"
    picked = await driver.select(panel, "mini:sel", ["red", "Blue"])
    assert picked.content == "picked red, blue"
    with pytest.raises(DriverError, match="no option"):
        await driver.select(panel, 1, ["purple"])


async def test_modal_submit(driver: Driver, minibot: BotProcess) -> None:
    opened = await driver.command("feedback")
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    with pytest.raises(DriverError, match="required"):
        await driver.submit_modal(opened, {})
    submitted = await driver.submit_modal(opened, {"mini:fb:text": "loved the finale"})
    assert submitted.content == "thanks: loved the finale"


async def test_deferred_reply_is_completed(driver: Driver, minibot: BotProcess) -> None:
    reply = await driver.command("think")
    assert reply.callback_type == 5
    assert reply.content == "done thinking" and not reply.message.loading


async def test_late_answer_is_unknown_interaction(
    standin: StandIn, driver: Driver, minibot: BotProcess
) -> None:
    reply = await driver.command("slow")
    assert reply.error_code == 10062 and reply.callback_type is None
    assert [p.kind for p in standin.take_problems()] == ["interaction error"]


async def test_second_acknowledgement_is_rejected(
    standin: StandIn, driver: Driver, minibot: BotProcess
) -> None:
    reply = await driver.command("double", followups=1)
    assert reply.content == "first"
    assert reply.followups[0].content == "second ack rejected: 40060"
    assert "40060" in str(standin.take_problems("interaction error")[0])


async def test_ephemeral_replies_stay_out_of_the_channel(driver: Driver, minibot: BotProcess) -> None:
    reply = await driver.command("secret")
    assert reply.ephemeral and reply.content == "for your eyes only"
    assert reply.message not in driver.channel_messages("general")
    assert reply.message in driver.standin.channel_messages(driver.channel().id, include_ephemeral=True)


async def test_forced_disconnect_resumes(standin: StandIn, driver: Driver, minibot: BotProcess) -> None:
    identifies, resumes = standin.identify_count, standin.resume_count
    await standin.drop_gateway(4000)
    reply = await driver.command("ping")  # sent while disconnected: replayed on RESUME
    assert reply.content == "pong"
    await standin.wait_until(lambda: standin.resume_count == resumes + 1, 10, what="a resume")
    assert standin.identify_count == identifies
    await standin.drop_gateway(None)  # a dead TCP link, no close frame
    await standin.wait_until(lambda: standin.resume_count == resumes + 2, 10, what="a second resume")
    assert (await driver.command("ping")).content == "pong"
    assert standin.identify_count == identifies


async def test_injected_429_is_retried(standin: StandIn, driver: Driver, minibot: BotProcess) -> None:
    channel = driver.channel("spoilers")
    standin.inject_429(1, path_prefix=f"/channels/{channel.id}/messages", retry_after=0.3)
    reply = await driver.command("post", {"text": "rate limited hello"}, channel="spoilers")
    assert reply.content == "posted" and reply.ephemeral
    posts = [r.status for r in standin.requests if r.path == f"/channels/{channel.id}/messages"]
    assert posts[-2:] == [429, 200]
    assert driver.channel_messages("spoilers")[-1].content == "rate limited hello"


async def test_the_bot_cannot_post_in_announcements(
    standin: StandIn, driver: Driver, minibot: BotProcess
) -> None:
    announcements = driver.channel("announcements")
    status, _, body = await raw(standin, "POST", f"/channels/{announcements.id}/messages", {"content": "hi"})
    assert status == 403 and isinstance(body, dict) and body["code"] == 50001
    reply = await driver.command("ping", channel="announcements")  # interaction replies need no permission
    assert reply.content == "pong"
    app_permissions = int(reply.interaction.payload["app_permissions"])
    assert not app_permissions & Perm.SEND_MESSAGES
    assert int(reply.interaction.payload["member"]["permissions"]) & Perm.SEND_MESSAGES


async def test_payload_over_limits_is_rejected_and_recorded(standin: StandIn, minibot: BotProcess) -> None:
    general = standin.guild.channel("general")
    status, _, body = await raw(standin, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001})
    assert status == 400 and isinstance(body, dict) and body["code"] == 50035
    problems = standin.take_problems("payload violation")
    assert len(problems) == 1 and "content" in problems[0].detail


async def test_guild_joined_after_ready_is_dispatched(standin: StandIn, minibot: BotProcess) -> None:
    guild = await standin.add_guild("Second Club")
    session = standin.active_session
    assert session is not None
    creates = [p for _, p in session.sent if p["t"] == "GUILD_CREATE" and p["d"]["id"] == str(guild.id)]
    assert len(creates) == 1 and "unavailable" not in creates[0]["d"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_persistent_button_survives_restart(
    standin: StandIn, driver: Driver, minibot: BotProcess, sig: signal.Signals
) -> None:
    panel = await driver.command("panel")
    identifies = standin.identify_count
    await minibot.restart(sig)
    assert standin.identify_count == identifies + 1
    pressed = await driver.click(panel.message, "mini:btn:1", member="mod")
    assert pressed.content == "button 1 pressed by mod"


async def test_multipart_messages_carry_attachments(
    standin: StandIn, driver: Driver, minibot: BotProcess
) -> None:
    reply = await driver.command("poster")
    assert reply.content == "the poster"
    assert [(a["filename"], a["size"]) for a in reply.message.attachments] == [("SPOILER_poster.txt", 12)]
    assert "||[attachment: SPOILER_poster.txt]||" in reply.text()
    general = standin.guild.channel("general")
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps({"content": "with a file"}), content_type="application/json")
    form.add_field("files[0]", b"poster bytes", filename="SPOILER_poster.png", content_type="image/png")
    headers = {"Authorization": f"Bot {standin.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{standin.api_base}/channels/{general.id}/messages", data=form, headers=headers
        ) as response,
    ):
        assert response.status == 200
        body = await response.json()
    assert body["content"] == "with a file"
    assert [(a["filename"], a["size"]) for a in body["attachments"]] == [("SPOILER_poster.png", 12)]


async def test_sandbox_runs_a_script(minibot: BotProcess) -> None:
    """`python -m bot sandbox` reads commands from a pipe and prints replies; the end of input exits 0."""
    script = "/ping\n/mini add a:2 b:3\n/panel\nclick 1\n/feedback\nmodal lovely\n/nope\n"
    code = "import sys; from bot.sandbox import main; sys.exit(main(sys.argv[1:]))"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, "--bot", shlex.join(MINIBOT_ARGV), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(script.encode()), 60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "> /ping\nFilmClubBot:\npong" in text and "2 + 3 = 5" in text
    assert "[1 One] [2 Two]" in text
    assert "FilmClubBot (only you can see this):\nbutton 1 pressed by member" in text
    assert "Modal: Feedback" in text and "thanks: lovely" in text
    assert "! no slash command /nope" in text


class RawGateway:
    """A minimal gateway client speaking zlib-stream, to check the protocol without discord.py."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inflate = zlib.decompressobj()
        self.sequence: int | None = None

    async def receive(self) -> dict[str, Any]:
        message = await self.ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.BINARY, message
        assert message.data.endswith(b"\x00\x00\xff\xff")
        payload: dict[str, Any] = json.loads(self.inflate.decompress(message.data))
        self.sequence = payload["s"] if payload["s"] is not None else self.sequence
        return payload

    async def until(self, event: str) -> dict[str, Any]:
        while (payload := await self.receive())["t"] != event:
            pass
        return payload


async def test_gateway_protocol(standin: StandIn, minibot: BotProcess) -> None:
    url = f"{standin.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            raw_gateway = RawGateway(ws)
            assert (await raw_gateway.receive())["op"] == 10
            await ws.send_json(
                {
                    "op": 2,
                    "d": {
                        "token": standin.token,
                        "intents": 1 | 2,
                        "large_threshold": 250,
                        # The minibot holds [0, 1]; one session per shard, so this one is the guild's of two.
                        "shard": [shard_of(standin.guild.id, 2), 2],
                    },
                }
            )
            ready = await raw_gateway.until("READY")
            assert ready["d"]["resume_gateway_url"] == standin.gateway_url
            assert ready["d"]["application"]["id"] == str(standin.app_id)
            guild = (await raw_gateway.until("GUILD_CREATE"))["d"]
            assert {m["user"]["username"] for m in guild["members"]} >= {
                "mod",
                "member",
                "member2",
                "FilmClubBot",
            }
            await ws.send_json(
                {"op": 8, "d": {"guild_id": guild["id"], "query": "mem", "limit": 0, "nonce": "n1"}}
            )
            chunk = (await raw_gateway.until("GUILD_MEMBERS_CHUNK"))["d"]
            assert chunk["nonce"] == "n1" and {m["user"]["username"] for m in chunk["members"]} == {
                "member",
                "member2",
            }
            await ws.send_json({"op": 1, "d": raw_gateway.sequence})
            assert (await raw_gateway.receive())["op"] == 11
            session_id, seen = ready["d"]["session_id"], raw_gateway.sequence
            await ws.close(code=4000)
        await standin.add_members(1, prefix="latecomer")  # dispatched while the client is away
        async with session.ws_connect(url) as ws:
            raw_gateway = RawGateway(ws)
            await raw_gateway.receive()
            await ws.send_json(
                {"op": 6, "d": {"token": standin.token, "session_id": session_id, "seq": seen}}
            )
            replayed = await raw_gateway.receive()
            assert replayed["t"] == "GUILD_MEMBER_ADD" and replayed["s"] == seen + 1
            assert (await raw_gateway.receive())["t"] == "RESUMED"
            await ws.close(code=1000)  # ends the session: interactions go back to the minibot
    await standin.wait_until(lambda: not standin.sessions[session_id].valid, 5, what="the raw session to end")
    assert (await Driver(standin).command("ping")).content == "pong"


async def test_enforced_nonce_posts_once(standin: StandIn, minibot: BotProcess) -> None:
    channel = standin.guild.channel("general")
    path = f"/channels/{channel.id}/messages"
    body = {"content": "scheduled post", "nonce": "job42", "enforce_nonce": True}
    status1, _, first = await raw(standin, "POST", path, body)
    status2, _, second = await raw(standin, "POST", path, body)
    assert status1 == status2 == 200
    assert isinstance(first, dict) and isinstance(second, dict) and first["id"] == second["id"]
    status3, _, third = await raw(standin, "POST", path, {**body, "nonce": "job43"})
    assert status3 == 200 and isinstance(third, dict) and third["id"] != first["id"]
    posts = [m for m in standin.channel_messages(channel.id) if m.content == "scheduled post"]
    assert len(posts) == 2


async def test_sandbox_lets_a_newcomer_try_everything() -> None:
    """The real bot in the sandbox: autocomplete, a forced hidden command, label prefixes, #spoilers marked."""
    script = "\n".join(
        [
            "help",
            "complete /plot beat: dea",
            "/config show",
            "as member --force",
            "/config show",
            "/film",
            "click Next",
            "channel spoilers",
            "complete /plot beat: dea",
            "/plot beat:13",
        ]
    )
    code = "import sys; from bot.sandbox import main; sys.exit(main(sys.argv[1:]))"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(script.encode()), 120)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "#spoilers starts marked as a spoiler channel" in text
    general, spoilers = text.split("> channel spoilers", 1)
    # With no progress saved, autocomplete in #general offers nothing past the setup; #spoilers shows all.
    assert "6 · Playing the couple = 6" in general and "The night before the trial" not in general
    assert "13 · The night before the trial = 13" in spoilers
    assert "Type `as member --force` to run it anyway" in text
    assert "Only moderators can do that" in text
    assert "**Rush (2/2)**" in text and text.count("(edited)") == 1
    beat = text.split("> /plot beat:13", 1)[1]
    assert "In a gunfight" in beat and "||In a gunfight" not in beat  # untagged in the spoiler channel
