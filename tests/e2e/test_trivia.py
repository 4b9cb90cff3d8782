"""Trivia through the stand-in: rounds, answers, restarts, the daily question and 200 simultaneous clicks.

Question deadlines are scheduler jobs; the round timeout is set to its 5-second minimum so rounds end fast.
Due times are moved without waiting by stopping the bot and editing the job in the SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.standin import BotProcess, Driver, Message, StandIn
from bot.standin import render as standin_render
from bot.standin.driver import message_text

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT = 20.0


def titled(prefix: str) -> Any:
    return lambda m: any((e.get("title") or "").startswith(prefix) for e in m.embeds)


def asked_id(message: Message) -> int:
    for button in standin_render.buttons(message.components):
        if match := re.fullmatch(r"trivia:(?:answer|typed):(\d+)(?::\d)?", button.get("custom_id", "")):
            return int(match.group(1))
    raise AssertionError(f"no trivia buttons on message {message.id}")


def db_rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.database_path) as conn:
        return conn.execute(sql, params).fetchall()


def payload(bot: BotProcess, asked: int) -> dict[str, Any]:
    rows = db_rows(bot, "SELECT payload FROM trivia_asked WHERE id = ?", (asked,))
    return dict(json.loads(rows[0][0]))


async def set_timeout(driver: Driver, seconds: int) -> None:
    reply = await driver.command("config trivia timeout", {"seconds": seconds}, member="mod")
    assert reply.ephemeral and f"{seconds} s" in reply.text()


async def start(driver: Driver, channel: str, **options: Any) -> Message:
    reply = await driver.command("trivia start", options, channel=channel)
    assert "Scoring" in reply.text(), reply.text()
    return await driver.wait_for_message(channel, titled("Question 1 of"), WAIT, after=reply.message)


async def test_buttons_round_double_click_reveal_and_scoreboard(driver: Driver, bot: BotProcess) -> None:
    await set_timeout(driver, 5)
    first = await start(driver, "general", questions=2)
    first_id = asked_id(first)
    question = payload(bot, first_id)
    right = min(question["correct"])
    wrong = next(i for i in range(4) if i not in question["correct"])
    reply = await driver.click(first, right + 1)
    assert reply.ephemeral and "is in" in reply.text()
    again = await driver.click(first, wrong + 1)
    assert again.ephemeral and "already answered" in again.text()
    other = await driver.click(first, wrong + 1, member="member2")
    assert other.ephemeral and "is in" in other.text()

    reveal = await driver.wait_for_message("general", titled("Answer:"), WAIT, after=first)
    member = driver.member("member").user.id
    assert f"<@{member}>" in message_text(reveal) and "Right: 1 of 2" in message_text(reveal)
    assert "Source" in message_text(reveal)
    second = await driver.wait_for_message("general", titled("Question 2 of"), WAIT, after=reveal)
    board = await driver.wait_for_message("general", titled("Round over"), WAIT, after=second)
    assert f"<@{member}>" in message_text(board)
    points = dict(db_rows(bot, "SELECT user_id, points FROM trivia_answers WHERE asked_id = ?", (first_id,)))
    assert 10 <= points[member] <= 15 and points[driver.member("member2").user.id] == 0


async def test_typed_round_via_modal(driver: Driver, bot: BotProcess) -> None:
    await set_timeout(driver, 5)
    first = await start(driver, "general", questions=1, mode="typed")
    first_id = asked_id(first)
    question = payload(bot, first_id)
    reply = await driver.click(first, "Answer")
    assert reply.modal is not None
    field = standin_render.text_inputs(reply.modal)[0][0]["custom_id"]
    typed = question["aliases"][0].upper() + "!"  # case and punctuation don't matter
    done = await driver.submit_modal(reply, {field: typed})
    assert done.ephemeral and "is in" in done.text()
    again = await driver.click(first, "Answer")
    assert again.modal is None and "already answered" in again.text()
    await driver.wait_for_message("general", titled("Answer:"), WAIT, after=first)
    await driver.wait_for_message("general", titled("Round over"), WAIT, after=first)
    rows = db_rows(bot, "SELECT correct FROM trivia_answers WHERE asked_id = ?", (first_id,))
    assert rows == [(1,)]


async def test_a_form_opened_before_a_restart_is_answered_after_it(driver: Driver, bot: BotProcess) -> None:
    """The typed-answer form carries its question and member in its custom_id: the bot keeps nothing of
    an open form, so one the member was still typing into when the bot restarted is answered after."""
    await set_timeout(driver, 120)
    first = await start(driver, "general", questions=1, mode="typed")
    question = payload(bot, asked_id(first))
    form = await driver.click(first, "Answer")
    assert form.modal is not None
    field = standin_render.text_inputs(form.modal)[0][0]["custom_id"]
    await bot.restart(signal.SIGKILL)
    done = await driver.submit_modal(form, {field: question["aliases"][0]})
    assert done.ephemeral and "is in" in done.text()
    rows = db_rows(bot, "SELECT correct FROM trivia_answers WHERE asked_id = ?", (asked_id(first),))
    assert rows == [(1,)]
    stopped = await driver.command("trivia stop", channel="general")  # the channel is free for the next
    assert "Stopping" in stopped.text()


async def test_a_typed_answer_is_refused_a_second_form_even_after_a_restart(
    driver: Driver, bot: BotProcess
) -> None:
    """Who has answered is known without a query per click, and is read again after a restart."""
    await set_timeout(driver, 120)
    first = await start(driver, "general", questions=1, mode="typed")
    reply = await driver.click(first, "Answer")
    assert reply.modal is not None
    field = standin_render.text_inputs(reply.modal)[0][0]["custom_id"]
    done = await driver.submit_modal(reply, {field: "a guess"})
    assert done.ephemeral and "is in" in done.text()
    await bot.restart(signal.SIGKILL)
    again = await driver.click(first, "Answer")  # a button from before the restart
    assert again.modal is None and "already answered" in again.text()
    other = await driver.click(first, "Answer", member="member2")
    assert other.modal is not None  # someone who hasn't answered still gets the form
    stopped = await driver.command("trivia stop", channel="general")
    assert stopped.ephemeral
    await driver.wait_for_message("general", titled("Round stopped"), WAIT, after=first)
    await set_timeout(driver, 5)


async def test_stop_by_starter_only_and_one_round_per_channel(driver: Driver, bot: BotProcess) -> None:
    await set_timeout(driver, 60)
    first = await start(driver, "spoilers", questions=5)
    busy = await driver.command("trivia start", channel="spoilers", member="member2")
    assert busy.ephemeral and "already running" in busy.text()
    refused = await driver.command("trivia stop", channel="spoilers", member="member2")
    assert refused.ephemeral and "Only the member who started" in refused.text()
    stopped = await driver.command("trivia stop", channel="spoilers", member="mod")
    assert stopped.ephemeral
    await driver.wait_for_message("spoilers", titled("Round stopped"), WAIT, after=first)
    log = await driver.command("config log", member="mod")
    assert "trivia stop:" in message_text(log.message)  # a moderator stopping someone's round is logged
    nothing = await driver.command("trivia stop", channel="spoilers")
    assert "no trivia round" in nothing.text()
    await set_timeout(driver, 5)


async def test_leaderboard_stats_and_new_season(driver: Driver, bot: BotProcess) -> None:
    board = await driver.command("trivia leaderboard")
    assert "season 1" in message_text(board.message)
    stats = await driver.command("trivia stats")
    assert stats.ephemeral and "36 questions" in stats.text() and "19 setup" in stats.text()
    other = await driver.command("trivia stats", {"member": "member2"})
    assert f"<@{driver.member('member2').user.id}>" in other.text()
    refused = await driver.command("config trivia new-season", member="member", force=True)
    assert refused.ephemeral and "moderators" in refused.text().lower()
    future = await driver.command("trivia leaderboard", {"season": 99})
    assert future.ephemeral and "no season 99" in future.text()


async def test_config_refuses_a_channel_the_bot_cannot_post_in(driver: Driver, bot: BotProcess) -> None:
    refused = await driver.command(
        "config trivia daily", {"channel": "announcements", "time": "19:00"}, member="mod"
    )
    assert refused.ephemeral and "can't post" in refused.text()
    bad_time = await driver.command(
        "config trivia daily", {"channel": "general", "time": "25:99"}, member="mod"
    )
    assert bad_time.ephemeral and "isn't a time" in bad_time.text()
    bad_days = await driver.command(
        "config trivia daily", {"channel": "general", "time": "19:00", "days": "funday"}, member="mod"
    )
    assert bad_days.ephemeral and "isn't a day" in bad_days.text()
    assert db_rows(bot, "SELECT 1 FROM guild_config WHERE key = 'trivia_daily'") == []
    assert db_rows(bot, "SELECT 1 FROM jobs WHERE kind = 'trivia.daily'") == []
    low = await driver.command("config trivia timeout", {"seconds": 2}, member="mod")
    assert low.ephemeral and "between 5 and 300" in low.text()


async def test_a_round_is_refused_where_the_bot_cannot_post(driver: Driver, bot: BotProcess) -> None:
    """The permissions Discord sends with the command (the bot's own in that channel) decide, before
    anything is stored."""
    refused = await driver.command("trivia start", channel="announcements", member="mod")
    assert refused.ephemeral and "can't post there" in refused.text(), refused.text()
    assert db_rows(bot, "SELECT 1 FROM trivia_rounds WHERE state = 'running'") == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_restart_mid_round_keeps_buttons_and_the_reveal(
    driver: Driver, bot: BotProcess, sig: int
) -> None:
    await set_timeout(driver, 120)
    first = await start(driver, "general", questions=1)
    asked = asked_id(first)
    await bot.restart(sig)
    reply = await driver.click(first, 1)  # a button from before the restart
    assert reply.ephemeral and "is in" in reply.text()
    again = await driver.click(first, 2)
    assert "already answered" in again.text()
    await bot.stop()
    with sqlite3.connect(bot.database_path) as conn:
        conn.execute("UPDATE jobs SET due_at = ? WHERE key = ?", (time.time() + 1, f"q:{asked}"))
    await bot.start()
    await bot.wait_ready(60)
    reveal = await driver.wait_for_message("general", titled("Answer:"), WAIT, after=first)
    assert "of 1" in message_text(reveal)
    await driver.wait_for_message("general", titled("Round over"), WAIT, after=reveal)
    assert db_rows(bot, "SELECT COUNT(*) FROM trivia_answers WHERE asked_id = ?", (asked,)) == [(1,)]
    assert db_rows(bot, "SELECT state FROM trivia_asked WHERE id = ?", (asked,)) == [("revealed",)]
    await set_timeout(driver, 5)


async def test_daily_question_due_while_down_posts_once_then_grades(driver: Driver, bot: BotProcess) -> None:
    missed = (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    reply = await driver.command(
        "config trivia daily",
        {"channel": "spoilers", "time": f"{missed:%H:%M}", "window": "10s"},
        member="mod",
    )
    assert reply.ephemeral and "Next one" in reply.text(), reply.text()  # tomorrow: today's slot just passed
    show = await driver.command("config show", member="mod")
    assert "Daily question" in show.text()
    [(key, due)] = db_rows(
        bot, "SELECT key, due_at FROM jobs WHERE kind = 'trivia.daily' AND state = 'pending'"
    )
    assert due == (missed + timedelta(days=1)).timestamp()
    before = max((m.id for m in driver.channel_messages("spoilers")), default=0)
    await bot.stop()
    # Pretend the bot went down before today's slot: the pending job is today's, and it is now overdue.
    todays_key = key.rsplit(":", 3)[0] + f":{missed:%Y-%m-%dT%H:%M:%S}Z"
    with sqlite3.connect(bot.database_path) as conn:
        conn.execute(
            "UPDATE jobs SET key = ?, due_at = ? WHERE key = ?", (todays_key, missed.timestamp(), key)
        )
    await bot.start()
    await bot.wait_ready(60)
    daily = await driver.wait_for_message("spoilers", titled("Daily question"), WAIT, after=before)
    question = payload(bot, asked_id(daily))
    answer = await driver.click(daily, min(question["correct"]) + 1)
    assert "is in" in answer.text()
    reveal = await driver.wait_for_message("spoilers", titled("Answer:"), WAIT, after=daily)
    graded = re.search(rf"<@{driver.member('member').user.id}> \+(\d+)", message_text(reveal))
    assert graded and int(graded.group(1)) in (10, 12, 14, 16)  # no speed bonus daily; a streak may add
    await bot.restart()
    posts = [m for m in driver.channel_messages("spoilers") if m.id > before and titled("Daily question")(m)]
    assert len(posts) == 1
    pending = db_rows(bot, "SELECT key, due_at FROM jobs WHERE kind = 'trivia.daily' AND state = 'pending'")
    assert pending == [(key, due)]  # the next slot (tomorrow) is scheduled again, once
    assert db_rows(bot, "SELECT state FROM jobs WHERE key = ?", (todays_key,)) == [("done",)]
    off = await driver.command("config trivia daily-off", member="mod")
    assert off.ephemeral


async def test_two_hundred_simultaneous_clicks(driver: Driver, bot: BotProcess, standin: StandIn) -> None:
    await set_timeout(driver, 60)
    fans = await standin.add_members(200, prefix="quizfan")
    first = await start(driver, "general", questions=1)
    asked = asked_id(first)
    replies = await asyncio.gather(
        *(driver.click(first, 1 + n % 4, member=fan) for n, fan in enumerate(fans))
    )
    assert all(r.ephemeral and "is in" in r.text() for r in replies)
    assert db_rows(bot, "SELECT COUNT(*) FROM trivia_answers WHERE asked_id = ?", (asked,)) == [(200,)]
    await driver.command("trivia stop")
    await driver.wait_for_message("general", titled("Round stopped"), WAIT, after=first)
    await set_timeout(driver, 5)


async def test_changing_the_time_zone_re_times_the_daily_question(driver: Driver, bot: BotProcess) -> None:
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    await driver.command("config trivia daily", {"channel": "general", "time": "19:00"}, member="mod")
    [(utc_due,)] = db_rows(bot, "SELECT due_at FROM jobs WHERE kind = 'trivia.daily' AND state = 'pending'")
    await driver.command("config timezone", {"zone": "Asia/Tokyo"}, member="mod")  # UTC+9, no DST

    def pending() -> list[tuple[Any, ...]]:
        return db_rows(bot, "SELECT due_at FROM jobs WHERE kind = 'trivia.daily' AND state = 'pending'")

    # Re-timing cancels the old job, then schedules the new one: wait for exactly one new pending job.
    await driver.standin.wait_until(
        lambda: len(rows := pending()) == 1 and rows != [(utc_due,)], 10, what="the daily job re-timed"
    )
    [(tokyo_due,)] = pending()
    assert datetime.fromtimestamp(tokyo_due, UTC).hour == 10  # 19:00 in Tokyo
    await driver.command("config trivia daily-off", member="mod")
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")


async def test_a_stopped_question_says_it_closed_and_counts_read_well(
    driver: Driver, standin: StandIn, bot: BotProcess
) -> None:
    await set_timeout(driver, 60)
    first = await start(driver, "general", questions=3)
    stopped = await driver.command("trivia stop")
    assert stopped.ephemeral
    reveal = await driver.wait_for_message("general", titled("Answer:"), WAIT, after=first)
    board = await driver.wait_for_message("general", titled("Round stopped"), WAIT, after=first)
    await standin.wait_until(lambda: "Closed at" in message_text(first), WAIT, what="the question closed")
    assert "Open until" not in message_text(first) and not first.components
    assert "Nobody answered" in message_text(reveal) and "0 of 0" not in message_text(reveal)
    assert "1 question asked" in message_text(board) and "(s)" not in message_text(board)
    await set_timeout(driver, 5)


async def test_a_new_season_asks_first_and_running_it_twice_starts_one(
    driver: Driver, bot: BotProcess
) -> None:
    def season() -> int:
        return int(db_rows(bot, "SELECT MAX(number) FROM trivia_seasons")[0][0] or 1)

    before = season()
    first = await driver.command("config trivia new-season", member="mod")
    second = await driver.command("config trivia new-season", member="mod")  # run twice by mistake
    assert first.ephemeral and f"Start season {before + 1}?" in first.text()
    assert season() == before  # nothing happens until a button is pressed
    done = await driver.click(first.message, "Start season", member="mod")
    assert f"Season {before + 1} has started" in done.text()
    again = await driver.click(second.message, "Start season", member="mod")
    assert "already started, so nothing changed" in again.text()
    assert season() == before + 1
    log = await driver.command("config log", member="mod")
    assert f"trivia season: season {before} → season {before + 1}" in message_text(log.message)
