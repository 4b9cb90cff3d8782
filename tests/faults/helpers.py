"""Shared helpers for the fault tests: database reads, fire-and-forget clicks, outgoing payload checks."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.standin import BotProcess, Driver, InteractionRecord, Message, Reply, StandIn
from bot.standin import render as standin_render
from bot.standin.server import MESSAGE_COMPONENT, Member, RecordedRequest

WAIT = 20.0
APOLOGY = "something went wrong on my side"
TRACEBACK_MARKS = ("Traceback", 'File "', "Error:", "sqlite3.", "database is locked")


def db_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows from the bot's SQLite file, read by a second connection (as an operator would)."""
    with sqlite3.connect(path, timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


def integrity(path: Path) -> str:
    return str(db_rows(path, "PRAGMA integrity_check")[0][0])


def slot_text(hours: float) -> str:
    """A UTC wall-clock time some hours ahead, as a member would type it."""
    return f"{(datetime.now(UTC) + timedelta(hours=hours)):%Y-%m-%d %H:%M}"


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: any((e.get("title") or "").startswith(prefix) for e in m.embeds)


def custom_ids(message: Message) -> list[str]:
    return [str(b.get("custom_id", "")) for b in standin_render.buttons(message.components)]


def asked_id(message: Message) -> int:
    for custom_id in custom_ids(message):
        if match := re.fullmatch(r"trivia:(?:answer|typed):(\d+)(?::\d)?", custom_id):
            return int(match.group(1))
    raise AssertionError(f"no trivia buttons on message {message.id}")


def poll_id(message: Message) -> int:
    for custom_id in custom_ids(message):
        if match := re.fullmatch(r"wp:voters:(\d+)", custom_id):
            return int(match.group(1))
    raise AssertionError(f"no watch-party buttons on message {message.id}")


async def cancel_poll(driver: Driver, pid: int, member: str | Member | None = None) -> Reply:
    """`/watchparty cancel` and a press of its confirmation button: the press's reply (and public note)."""
    asked = await driver.command("watchparty cancel", {"poll": pid}, member=member)
    assert asked.ephemeral and "Press the button to confirm" in asked.text(), asked.text()
    return await driver.click(asked.message, f"Cancel #{pid}", member=member, followups=1)


async def fire_click(
    standin: StandIn, driver: Driver, message: Message, custom_id: str, member: Member
) -> InteractionRecord:
    """Press a button without waiting for the answer (for bursts, and for clicks a crash may swallow)."""
    found = standin.world.find_channel(message.channel_id)
    assert found is not None
    data = {"custom_id": custom_id, "component_type": 2}
    return await standin.send_interaction(
        MESSAGE_COMPONENT, data, guild=driver.guild, channel=found[1], member=member, message=message
    )


def acknowledged(record: InteractionRecord) -> bool:
    """The stand-in accepted a callback for this interaction: the member saw an answer."""
    return record.callback_type is not None and not record.errors


def callback_text(record: InteractionRecord) -> str:
    data = record.callback_data or {}
    parts = [str(data.get("content") or "")]
    parts += [str(e.get("description") or "") for e in data.get("embeds") or ()]
    return "\n".join(parts)


async def set_trivia_timeout(driver: Driver, seconds: int) -> None:
    reply = await driver.command("config trivia timeout", {"seconds": seconds}, member="mod")
    assert reply.ephemeral and f"{seconds} s" in reply.text(), reply.text()


async def start_round(driver: Driver, channel: str = "general", **options: Any) -> Message:
    """Start a trivia round and return its first question message."""
    reply = await driver.command("trivia start", options, channel=channel)
    assert "Scoring" in reply.text(), reply.text()
    return await driver.wait_for_message(channel, titled("Question 1 of"), WAIT, after=reply.message)


def assert_clean_reply(text: str) -> None:
    """No traceback, no raw exception and no generic apology reached the member."""
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{mark!r} reached the member: {text}"
    assert APOLOGY not in text, f"an unexpected error reached the member: {text}"


# --- outgoing message payloads ---------------------------------------------------------------------------

_MESSAGE_PATH = re.compile(r"^/(channels/\d+/messages(/\d+)?|webhooks/\d+/[^/]+(/messages/[^/]+)?)$")
_CALLBACK_PATH = re.compile(r"^/interactions/\d+/[^/]+/callback$")


def sent_messages(requests: list[RecordedRequest]) -> Iterator[tuple[RecordedRequest, dict[str, Any]]]:
    """Every message payload the bot sent: posts, edits, followups, and callbacks carrying a message."""
    for request in requests:
        body = request.json
        if not isinstance(body, dict) or request.method not in ("POST", "PATCH"):
            continue
        if _CALLBACK_PATH.match(request.path):
            if body.get("type") in (4, 7) and isinstance(body.get("data"), dict):
                yield request, body["data"]
        elif _MESSAGE_PATH.match(request.path):
            yield request, body


def message_strings(payload: dict[str, Any]) -> Iterator[str]:
    """Every piece of markdown text a message payload shows."""
    yield str(payload.get("content") or "")
    for embed in payload.get("embeds") or ():
        yield str(embed.get("title") or "")
        yield str(embed.get("description") or "")
        for item in embed.get("fields") or ():
            yield str(item.get("name") or "")
            yield str(item.get("value") or "")
        yield str((embed.get("footer") or {}).get("text") or "")
        yield str((embed.get("author") or {}).get("name") or "")


def mention_problems(payload: dict[str, Any], opted_in: set[int]) -> list[str]:
    """Why this payload could ping someone it should not (an empty list when it cannot)."""
    allowed = payload.get("allowed_mentions")
    if allowed is None:
        text = "\n".join(message_strings(payload))
        return (
            ["no allowed_mentions on a message with content"]
            if payload.get("content")
            else (["no allowed_mentions"] if "@" in text else [])
        )
    problems = []
    parse = set(allowed.get("parse") or ())
    if parse:
        problems.append(f"allowed_mentions.parse is {sorted(parse)}")
    if allowed.get("roles"):
        problems.append(f"allowed_mentions.roles is {allowed['roles']}")
    users = {int(u) for u in allowed.get("users") or ()}
    if users - opted_in:
        problems.append(f"allowed_mentions.users {sorted(users - opted_in)} did not opt in")
    return problems


def bot_log(bot: BotProcess) -> str:
    return bot.log_path.read_text(errors="replace") if bot.log_path.exists() else ""
