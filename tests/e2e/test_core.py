"""Core commands through the stand-in: /about, /config and its runtime permission checks, command sync."""

from __future__ import annotations

import sqlite3

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin.server import Role

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOT_MOD = "Only moderators"


def _audit_rows(bot: BotProcess) -> int:
    with sqlite3.connect(bot.environment()["DATABASE_PATH"]) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM config_audit").fetchone()[0])


async def test_about_lists_commands_and_sources(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("about")
    assert reply.ephemeral
    text = reply.text()
    for command in ("/synopsis", "/plot", "/cast", "/trivia", "/watchparty", "/config", "/progress"):
        assert f"`{command}`" in text
    for subcommand in ("start", "poll", "show", "timezone"):
        assert subcommand in text
    assert "…" not in text.split("Sources")[0].split("Commands")[1]
    assert "Sources" in text and "not stated" in text


async def test_member_cannot_change_config_even_if_the_command_is_shown(
    driver: Driver, bot: BotProcess
) -> None:
    before = _audit_rows(bot)
    reply = await driver.command("config timezone", {"zone": "Europe/Paris"}, member="member", force=True)
    assert reply.ephemeral and NOT_MOD in reply.content
    reply = await driver.command("config show", member="member", force=True)
    assert reply.ephemeral and NOT_MOD in reply.content
    assert _audit_rows(bot) == before


async def test_moderator_changes_are_recorded_and_shown(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("config timezone", {"zone": "America/New_York"}, member="mod")
    assert reply.ephemeral and "America/New_York" in reply.content
    reply = await driver.command("config show", member="mod")
    assert reply.ephemeral
    text = reply.text()
    assert "America/New_York" in text
    assert "timezone" in text and "→" in text
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")


async def test_bad_timezone_is_refused_and_nothing_saved(driver: Driver, bot: BotProcess) -> None:
    before = _audit_rows(bot)
    reply = await driver.command("config timezone", {"zone": "Mars/Olympus_Mons"}, member="mod")
    assert reply.ephemeral and "isn't a time zone" in reply.content
    assert _audit_rows(bot) == before


async def test_timezone_autocomplete(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.autocomplete("config timezone", {"zone": "lond"}, focused="zone", member="mod")
    names = [choice["value"] for choice in reply]
    assert "Europe/London" in names and len(names) <= 25


async def test_mod_role_grants_config_at_runtime(driver: Driver, standin: StandIn, bot: BotProcess) -> None:
    guild = driver.guild
    crew = Role(standin.world.ids.seeded(), "Film Crew", 0, 1)
    guild.roles[crew.id] = crew
    await standin.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": crew.payload()})
    guild.member("member2").roles.append(crew.id)

    refused = await driver.command("config show", member="member2", force=True)
    assert NOT_MOD in refused.content
    reply = await driver.command("config modrole", {"role": crew.id}, member="mod")
    assert "Film Crew" in reply.content or str(crew.id) in reply.content
    allowed = await driver.command("config show", member="member2", force=True)
    assert NOT_MOD not in allowed.content and "Server settings" in allowed.text()

    await driver.command("config modrole", {}, member="mod")
    again = await driver.command("config show", member="member2", force=True)
    assert NOT_MOD in again.content


async def test_spoiler_channel_marking(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("config spoilers", {"channel": "spoilers", "marked": True}, member="mod")
    assert "now a spoiler channel" in reply.content
    reply = await driver.command("config spoilers", {"channel": "spoilers", "marked": False}, member="mod")
    assert "no longer" in reply.content


async def test_unknown_film_is_refused(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("config film", {"film": "jaws"}, member="mod")
    assert reply.ephemeral and "Available" in reply.content and "`rush`" in reply.content
    reply = await driver.command("config film", {"film": "rush"}, member="mod")
    assert "Rush" in reply.content


async def test_restart_does_not_resync_unchanged_commands(standin: StandIn, bot: BotProcess) -> None:
    def command_writes() -> int:
        return sum(
            1 for r in standin.requests if r.method in ("PUT", "POST") and r.path.endswith("/commands")
        )

    before = command_writes()
    await bot.restart()
    assert command_writes() == before
    assert "Commands unchanged since the last sync" in bot.log_tail(200)
