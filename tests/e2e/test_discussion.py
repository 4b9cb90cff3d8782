"""Discussion through the stand-in: stage rooms, members added by progress, Join, prompts, ratings, film change.

This module runs its own stand-in and bot, with a second small film pack beside Rush, so it can change the
server's film and remove the bot's permissions without touching the shared session. The bot runs on the
real clock; a scheduled slot is made due by stopping the bot and moving its job in the SQLite file.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.spoilers import unescape, unescaped_marks
from bot.standin import BotProcess, Driver, Message, StandIn
from bot.standin.driver import message_text
from bot.standin.server import Perm, Thread
from bot.standin.world import Overwrite
from tests.films.test_loader import TINY

from .conftest import ROOT
from .test_spoiler_audit import SETUP, Seen, leaks, seen_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT = 20.0
STAGE_NAMES = [
    "Rush · stage 1 of 3 (beats 1–6)",
    "Rush · stage 2 of 3 (beats 7–12)",
    "Rush · stage 3 of 3 (beats 13–17)",
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def standin() -> AsyncIterator[StandIn]:
    async with StandIn() as server:
        await server.add_channel("film-talk")
        await server.add_channel("quiet-talk")
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(standin: StandIn, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    work = tmp_path_factory.mktemp("discussion")
    films = work / "films"
    films.mkdir()
    shutil.copy(ROOT / "data" / "films" / "rush.toml", films / "rush.toml")
    (films / "tiny.toml").write_text(TINY, encoding="utf-8")
    process = await start_bot_with(standin, work, films)
    yield process
    await process.stop()


async def start_bot_with(standin: StandIn, work: Path, films: Path) -> BotProcess:
    process = BotProcess(standin, workdir=work, env={"FILMS_DIR": str(films)})
    await process.start()
    await process.wait_ready(60)
    return process


@pytest.fixture
def driver(standin: StandIn) -> Driver:
    return Driver(standin)


def rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.database_path) as conn:
        return conn.execute(sql, params).fetchall()


def threads(standin: StandIn, channel: str = "film-talk") -> list[Thread]:
    return standin.threads_of(standin.guild.channel(channel))


def open_threads(standin: StandIn, channel: str = "film-talk") -> list[Thread]:
    return [t for t in threads(standin, channel) if not t.archived]


def pinned(driver: Driver, channel: str = "film-talk") -> list[int]:
    return [m.id for m in driver.channel_messages(channel) if m.pinned]


def index_message(driver: Driver, channel: str = "film-talk") -> Message:
    found = [m for m in driver.channel_messages(channel) if m.pinned]
    assert len(found) == 1, [message_text(m) for m in found]
    return found[0]


async def rooms_open(driver: Driver, standin: StandIn) -> list[Thread]:
    if len(open_threads(standin)) < 3:
        reply = await driver.command("config discussion channel", {"channel": "film-talk"}, member="mod")
        assert "are open under" in reply.text(), reply.text()
    return open_threads(standin)


async def test_rooms_open_and_members_are_added_by_progress(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    early = await driver.command("progress set", {"beat": 14}, member="member2")
    assert early.ephemeral and not early.followups  # no rooms yet
    reply = await driver.command("config discussion channel", {"channel": "film-talk"}, member="mod")
    assert reply.ephemeral and "are open under" in reply.text(), reply.text()
    first, second, third = open_threads(standin)
    assert [t.name for t in (first, second, third)] == STAGE_NAMES
    assert not first.private and second.private and third.private
    member, member2, mod = (driver.member(name) for name in ("member", "member2", "mod"))
    assert standin.can_see(member, first) and not standin.can_see(member, second)
    assert standin.can_see(member2, second) and standin.can_see(member2, third)  # progress saved before
    assert all(standin.can_see(mod, t) for t in (first, second, third))  # moderators see every stage
    index = index_message(driver)
    labels = [b["label"] for row in index.components for b in row["components"]]
    assert labels == ["Join stage 1", "Join stage 2", "Join stage 3"]

    saved = await driver.command("progress set", {"beat": 7}, followups=1)
    note = saved.followups[0]
    assert note.ephemeral and f"<#{second.id}>" in note.content and "\n" not in note.content
    assert standin.can_see(member, second) and not standin.can_see(member, third)
    again = await driver.command("progress set", {"beat": 8})
    assert not again.followups  # already in: no second note


async def test_join_past_progress_warns_and_confirming_moves_progress(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    _, _, third = await rooms_open(driver, standin)
    fan = (await standin.add_members(1, prefix="joiner"))[0]
    index = index_message(driver)
    warning = await driver.click(index, 3, member=fan)
    assert warning.ephemeral and "spoil" in warning.text() and "beat 13" in warning.text()
    assert not standin.can_see(fan, third)
    confirmed = await driver.click(warning, "Join anyway", member=fan)
    assert f"<#{third.id}>" in confirmed.text() and "progress is now beat 13" in confirmed.text()
    assert standin.can_see(fan, third)
    assert rows(bot, "SELECT beat FROM progress WHERE user_id = ?", (fan.user.id,)) == [(13,)]
    boss = await driver.click(index, 3, member="mod")  # moderators go straight in
    assert "You're in" in boss.text() and "progress" not in boss.text()


async def test_buttons_and_rooms_survive_a_restart(driver: Driver, standin: StandIn, bot: BotProcess) -> None:
    _, second, _ = await rooms_open(driver, standin)
    index = index_message(driver)
    await bot.restart()
    fan = (await standin.add_members(1, prefix="late"))[0]
    warning = await driver.click(index, 2, member=fan)
    assert "Join anyway" in str(warning)
    assert open_threads(standin)[1] is second and len(open_threads(standin)) == 3


async def test_prompts_go_to_their_stage_room_once_per_slot_across_a_restart(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    rooms = await rooms_open(driver, standin)
    posted = await driver.command("discuss prompt", member="mod")
    assert posted.ephemeral and "Posted a prompt for stage 1" in posted.text(), posted.text()
    nxt = await driver.command("discuss prompt", member="mod")
    assert "stage 2" in nxt.text()
    refused = await driver.command("discuss prompt", force=True)
    assert refused.ephemeral and "Only moderators" in refused.text()

    zone = "Europe/London"
    await driver.command("config timezone", {"zone": zone}, member="mod")
    now = datetime.now(UTC)
    local = now.astimezone(__import__("zoneinfo").ZoneInfo(zone))
    day = local.strftime("%A").lower()
    reply = await driver.command(
        "config discussion prompts", {"day": day, "time": f"{local:%H:%M}"}, member="mod"
    )
    assert reply.ephemeral and "Next one" in reply.text(), reply.text()
    [(key, due)] = rows(
        bot, "SELECT key, due_at FROM jobs WHERE kind = 'discussion.prompt' AND state = 'pending'"
    )
    assert due > now.timestamp()  # this minute's slot has begun, so the next is a week on
    counts = {t.id: len(driver.channel_messages(t)) for t in rooms}
    await bot.stop()
    slot = now.replace(second=0, microsecond=0)
    this_week = f"prompt:{standin.guild.id}:{slot:%Y-%m-%dT%H:%M:%S}Z"
    with sqlite3.connect(bot.database_path) as conn:
        conn.execute("UPDATE jobs SET key = ?, due_at = ? WHERE key = ?", (this_week, slot.timestamp(), key))
    await bot.start()
    await bot.wait_ready(60)

    def new_posts() -> list[Message]:
        return [m for t in rooms for m in driver.channel_messages(t)[counts[t.id] :]]

    await standin.wait_until(lambda: new_posts() or None, WAIT, what="the scheduled prompt")
    await bot.restart()
    assert len(new_posts()) == 1 and new_posts()[0].content.startswith("**Discussion prompt** for stage 3")
    assert rows(bot, "SELECT state FROM jobs WHERE key = ?", (this_week,)) == [("done",)]
    pending = rows(bot, "SELECT key, due_at FROM jobs WHERE kind = 'discussion.prompt' AND state = 'pending'")
    assert pending == [(key, due)]
    assert rows(bot, "SELECT COUNT(*) FROM discussion_prompts WHERE slot = ?", (this_week,)) == [(1,)]
    await driver.command("config discussion prompts", {"day": "off"}, member="mod")


async def test_ratings_change_and_reviews_stay_hidden_from_unfinished_readers(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    _, _, last_room = await rooms_open(driver, standin)
    first = await driver.command("rate", {"stars": "★★★★ 4"})
    assert first.ephemeral and "★★★★ 4" in first.text()
    changed = await driver.command("rate", {"stars": "★★★★½ 4½"})
    assert "(was 4)" in changed.text()
    opened = await driver.command("rate", {"stars": "★★★★½ 4½", "review": True}, member="member2")
    review = "The ending at the trial wrecked me @everyone <@1> [link](https://x.example)"
    saved = await driver.submit_modal(opened, {"disc:review:text": review})
    assert "with your review" in saved.text()
    await driver.command("rate", {"stars": "★★ 2"}, member="mod")
    member = driver.member("member")
    assert rows(bot, "SELECT halves FROM ratings WHERE user_id = ?", (member.user.id,)) == [(9,)]

    public = await driver.command("ratings")
    embed = public.embeds[0]
    assert "trial" not in embed["title"] and "3.7 ★ from 3 ratings" in embed["description"]
    field = embed["fields"][0]["value"]
    assert "||" in field and "@everyone" not in field
    assert unescaped_marks(field, "<@1>") == [] and unescaped_marks(field, "](") == []  # shown, inert
    assert not re.search(r"(?<!\|\|)The ending", field.split("||", 1)[0])
    finished = await driver.command("ratings", {"private": True}, member="member2")  # progress 14 of 17
    assert "||" in finished.embeds[0]["fields"][0]["value"]
    await driver.command("progress set", {"beat": 17}, member="member2")
    finished = await driver.command("ratings", {"private": True}, member="member2")
    assert "||" not in finished.embeds[0]["fields"][0]["value"] and "wrecked" in message_text(
        finished.message
    )
    in_room = await driver.command("ratings", channel=last_room, member="member2")
    assert "||" not in in_room.embeds[0]["fields"][0]["value"]
    history = await driver.command("ratings", {"history": True})
    assert "**Rush**: 3.7 ★ from 3 ratings" in history.embeds[0]["description"]
    film = await driver.command("film", {"private": True})
    assert "Club rating: 3.7 ★ from 3 ratings; yours: ★★★★½ 4½" in message_text(film.message)


def look(audit: list[str], seen: Seen, beat: int | None) -> None:
    """Record every leak the whole-bot audit's two oracles find in what one reader saw."""
    audit += leaks(seen, beat)


async def test_spoiler_audit_of_thread_names_index_prompts_and_reviews(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    """The whole-bot audit's oracles (pack reveal points and hand-written late events) on the rooms' surfaces."""
    audit: list[str] = []
    rooms = await rooms_open(driver, standin)
    name = re.compile(r"Rush · stage (\d) of 3 \(beats? \d+(–\d+)?\)")
    for thread in threads(standin):
        # A thread's name shows wherever it is mentioned, to everyone: an untaggable place at beat 0.
        assert name.fullmatch(thread.name), thread.name
        look(audit, Seen(f"thread name {thread.name!r}", "", thread.name), 0)
    look(audit, seen_in(index_message(driver), "the index, public"), SETUP)
    total = rows(bot, "SELECT COUNT(*) FROM discussion_prompts")[0][0]
    for _ in range(17):
        await driver.command("discuss prompt", member="mod")
    assert rows(bot, "SELECT COUNT(DISTINCT prompt_key) FROM discussion_prompts")[0][0] == 17
    assert rows(bot, "SELECT COUNT(*) FROM discussion_prompts")[0][0] == total + 17
    for thread in rooms:
        first, last = (int(n) for n in re.findall(r"\d+", thread.name)[2:4] or [1, 6])
        assert first == 1 or thread.private  # only members who reached a later stage read its room
        for post in driver.channel_messages(thread):
            # Everyone in a room has reached its first beat; the room discusses up to its last.
            look(audit, seen_in(post, f"prompt in {thread.name}"), last)
    fan = (await standin.add_members(1, prefix="auditor"))[0]
    critic = (await standin.add_members(1, prefix="critic"))[0]
    opened = await driver.command("rate", {"stars": "★★★ 3", "review": True}, member=critic)
    await driver.submit_modal(
        opened, {"disc:review:text": "Before the grand jury she holds firm; then the shotgun."}
    )
    for who, private, beat in (
        ("member", False, SETUP),
        ("member2", False, SETUP),
        (fan.user.username, True, 0),
    ):
        reply = await driver.command("ratings", {"private": private}, member=who)
        look(audit, seen_in(reply.message, f"/ratings by {who}, private={private}"), beat)
    warning = await driver.click(index_message(driver), 3, member=fan)
    look(audit, seen_in(warning.message, "Join warning at no progress"), 0)
    note = await driver.command("progress set", {"beat": 7}, member=fan, followups=1)
    for message in note.messages:
        look(audit, seen_in(message, "progress note at beat 7"), 7)
    assert audit == [], "\n".join(audit)
    # The oracles are live here too: the last room's prompts show the ending untagged, and they find it.
    last_room = "\n".join(seen_in(m, "").visible for m in driver.channel_messages(rooms[-1]))
    assert leaks(Seen("last room", last_room, ""), SETUP)


async def test_missing_permissions_are_named(driver: Driver, standin: StandIn, bot: BotProcess) -> None:
    quiet = standin.guild.channel("quiet-talk")
    denied = Perm.CREATE_PRIVATE_THREADS | Perm.MANAGE_THREADS
    quiet.overwrites.append(Overwrite(standin.bot_user.id, 1, deny=denied))
    await standin.update_channel(quiet)
    reply = await driver.command("config discussion channel", {"channel": "quiet-talk"}, member="mod")
    assert reply.ephemeral and "Create Private Threads, Manage Threads" in reply.text(), reply.text()
    assert threads(standin, "quiet-talk") == []
    quiet.overwrites.clear()
    await standin.update_channel(quiet)


async def test_moderators_move_the_stage_boundaries(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    old = await rooms_open(driver, standin)
    bad = await driver.command("config discussion stages", {"starts": "7, x"}, member="mod")
    assert bad.ephemeral and "List the first beat" in bad.text()
    moved = await driver.command("config discussion stages", {"starts": "5, 10"}, member="mod")
    assert "stage 1: beats 1–4; stage 2: beats 5–9; stage 3: beats 10–17" in moved.text(), moved.text()
    assert [t.name for t in open_threads(standin)] == [
        "Rush · stage 1 of 3 (beats 1–4)",
        "Rush · stage 2 of 3 (beats 5–9)",
        "Rush · stage 3 of 3 (beats 10–17)",
    ]
    assert all(t.archived and t.locked for t in old)
    member = driver.member("member")  # saved progress 8: reaches the new stage 2, not stage 3
    second, third = open_threads(standin)[1:]
    assert standin.can_see(member, second) and not standin.can_see(member, third)
    back = await driver.command("config discussion stages", {"starts": "default"}, member="mod")
    assert "stage 2: beats 7–12" in back.text()
    assert [t.name for t in open_threads(standin)] == STAGE_NAMES


async def test_a_film_change_archives_and_locks_the_rooms_and_opens_new_ones(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    old = await rooms_open(driver, standin)
    old_index = index_message(driver)
    await driver.command("config film", {"film": "tiny"}, member="mod")
    tiny = ["Tiny · stage 1 of 2 (beat 1)", "Tiny · stage 2 of 2 (beat 2)"]
    await standin.wait_until(
        lambda: (
            (
                [t.name for t in open_threads(standin)] == tiny
                and len(pinned(driver)) == 1
                and pinned(driver) != [old_index.id]
            )
            or None
        ),
        WAIT,
        what="the new film's rooms and index",
    )
    assert all(t.archived and t.locked for t in old), [(t.name, t.archived, t.locked) for t in old]
    assert [t.name for t in open_threads(standin)] == [
        "Tiny · stage 1 of 2 (beat 1)",
        "Tiny · stage 2 of 2 (beat 2)",
    ]
    assert not old_index.pinned and "rooms closed" in message_text(old_index)
    closed = await driver.click(old_index.id, 1) if old_index.components else None
    assert closed is None or "closed" in closed.text()
    new_index = index_message(driver)
    assert "Tiny" in message_text(new_index)
    await driver.command("config film", {"film": "rush"}, member="mod")
    await standin.wait_until(
        lambda: [t.name for t in open_threads(standin)] == STAGE_NAMES or None,
        WAIT,
        what="Rush's rooms again",
    )
    assert [t.name for t in open_threads(standin)] == STAGE_NAMES
    assert all(t.archived for t in old)  # never deleted, never reopened
    await standin.wait_until(
        lambda: (len(pinned(driver)) == 1 and pinned(driver) != [new_index.id]) or None,
        WAIT,
        what="Rush's index",
    )


async def test_the_sandbox_shows_the_whole_flow() -> None:
    """A moderator sets the channel, a member's progress adds them to a room, a prompt is posted, ratings show."""
    script = "\n".join(
        [
            "new-channel film-talk",
            "as mod",
            "/config discussion channel channel:film-talk",
            "as member",
            "/progress set beat:7",
            "threads film-talk",
            "as mod",
            "/discuss prompt",
            "/discuss prompt",
            "read stage 2",
            "as member",
            "/rate stars:9 review:true",
            "modal The trial stayed with me.",
            "/ratings",
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
    assert "I added you to #Rush · stage 2 of 3 (beats 7–12)" in text
    assert "Rush · stage 2 of 3 (beats 7–12)  [private]  members: FilmClubBot, member" in text
    room = text.split("> read stage 2", 1)[1].split(">", 1)[0]
    assert "**Discussion prompt** for stage 2 (beats 7–12)" in room
    assert "4.5 ★ from 1 rating" in text and "||The trial stayed with me.||" in text


async def test_a_review_with_a_mention_a_masked_link_and_pipes_stays_inert_in_ratings(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    await rooms_open(driver, standin)
    review = "Loved it <@1> @everyone [x](https://evil.example) || shown early ||"
    opened = await driver.command("rate", {"stars": "★★★★ 4", "review": True}, member="member2")
    await driver.submit_modal(opened, {"disc:review:text": review})
    for who in ("member", "member2"):  # neither has finished the film: the review is tagged
        reply = await driver.command("ratings", member=who)
        field = reply.embeds[0]["fields"][0]["value"]
        body = field.split(" ", 1)[1]  # after the reviewer's own mention
        assert unescaped_marks(body, "||") == [0, len(body) - 2], body
        for live in ("<@1>", "[x]", "@everyone", "https://"):
            assert unescaped_marks(body, live) == [], (live, body)
        assert unescape(body[2:-2]).replace("\u200b", "") == review  # reads as typed, escaped once
    await driver.command("progress set", {"beat": 17}, member="member2")
    reply = await driver.command("ratings", {"private": True}, member="member2")
    body = reply.embeds[0]["fields"][0]["value"].split(" ", 1)[1]
    assert unescaped_marks(body, "||") == [] and unescape(body).replace("\u200b", "") == review
    assert unescaped_marks(body, "<@1>") == [] and unescaped_marks(body, "](") == []
