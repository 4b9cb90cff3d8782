"""Core commands through the stand-in: /about, /config and its runtime permission checks, command sync."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin.driver import Reply, message_text
from bot.standin.server import Perm, Role

from .conftest import ROOT

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


async def test_manage_server_from_a_role_counts_as_moderator(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    """The check reads the permissions Discord sends with the interaction: a role's Manage Server counts."""
    guild = driver.guild
    managers = Role(standin.world.ids.seeded(), "Managers", Perm.MANAGE_GUILD, 1)
    guild.roles[managers.id] = managers
    await standin.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": managers.payload()})
    member = guild.member("member2")
    refused = await driver.command("config show", member="member2", force=True)
    assert NOT_MOD in refused.content
    member.roles.append(managers.id)
    try:
        allowed = await driver.command("config show", member="member2", force=True)
        assert NOT_MOD not in allowed.content and "Server settings" in allowed.text()
    finally:
        member.roles.remove(managers.id)
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


async def test_sync_command_forces_a_sync_and_exits(standin: StandIn, tmp_path: Path) -> None:
    before = [r for r in standin.requests if r.method == "PUT" and r.path.endswith("/commands")]
    env = {**os.environ, **standin.env(database_path=str(tmp_path / "sync.db"), dev_guild=True)}
    env["PYTHONPATH"] = str(ROOT)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sync", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    after = [r for r in standin.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(after) == len(before) + 1
    assert standin.token not in err.decode()


async def test_sandbox_answers_about_from_a_pipe(tmp_path: Path) -> None:
    """`printf '/about\\n' | python -m bot sandbox` prints the reply and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(b"/about\n"), 90)
    assert process.returncode == 0, err.decode()
    text = out.decode()
    assert "> /about" in text and "Film club bot" in text and "Traceback" not in text + err.decode()


async def test_film_and_zone_names_ignore_case_with_autocomplete(driver: Driver, bot: BotProcess) -> None:
    film = await driver.command("config film", {"film": "Rush"}, member="mod")
    assert "now discussing **Rush**" in film.content
    zone = await driver.command("config timezone", {"zone": "europe/paris"}, member="mod")
    try:
        assert "Time zone set to **Europe/Paris**" in zone.content
        films = await driver.autocomplete("config film", {"film": "RU"}, focused="film", member="mod")
        assert [choice["value"] for choice in films] == ["rush"]
        zones = await driver.autocomplete(
            "config timezone", {"zone": "europe/pa"}, focused="zone", member="mod"
        )
        assert zones[0]["value"] == "Europe/Paris"
        words = await driver.command("config timezone", {"zone": "new york"}, member="mod")
        assert "Time zone set to **America/New_York**" in words.content
    finally:
        await driver.command("config timezone", {"zone": "UTC"}, member="mod")


async def test_change_log_shows_real_values_and_pages_through_history(
    driver: Driver, bot: BotProcess
) -> None:
    daily = {"channel": "general", "time": "noon"}
    first = await driver.command("config trivia daily", daily, member="mod")
    assert "every day at 12:00 (UTC time)" in first.content  # noon is a time; the reply names the zone
    await driver.command("config trivia daily", {**daily, "time": "7pm", "days": "weekdays"}, member="mod")
    await driver.command("config trivia daily-off", member="mod")
    await driver.command("config watchparty reminders", {"minutes": "off"}, member="mod")
    bad = await driver.command("config watchparty reminders", {"minutes": "-5"}, member="mod")
    assert "\\" not in bad.content and "`-5`" in bad.content
    await driver.command("config watchparty reminders", {"minutes": "default"}, member="mod")
    for seconds in (10, 20, 30, 40, 50, 30):
        await driver.command("config trivia timeout", {"seconds": seconds}, member="mod")
    log = await driver.command("config log", member="mod")
    page = message_text_of(log)
    assert "(1/" in page and "updated" not in page and "`[]`" not in page
    assert "trivia daily: #general on weekdays at 19:00, answers open for 1h → off" in _unmention(page)
    assert "watchparty reminders: off → 60 and 10 minutes before the start" in page
    assert "trivia timeout: 50 s per question → 30 s per question" in page
    older = await driver.click(log.message, "Next", member="mod")
    assert "(2/" in message_text_of(older)
    show = await driver.command("config show", member="mod")
    assert "/config log" in show.text()


def message_text_of(reply: Reply) -> str:
    return message_text(reply.original or reply.message)


def _unmention(text: str) -> str:
    return re.sub(r"<#\d+>", "#general", text)
