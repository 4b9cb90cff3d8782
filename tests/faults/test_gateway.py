"""Gateway drops and rate limits: the bot resumes without identifying again, never re-syncs its commands,
and retries a 429 after its retry_after so nothing it meant to send is lost."""

from __future__ import annotations

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin.driver import message_text
from tests.faults.helpers import WAIT, cancel_poll, poll_id, slot_text

pytestmark = pytest.mark.asyncio(loop_scope="session")

DROPS = 20


def command_puts(standin: StandIn, since: int) -> list[str]:
    return [str(r) for r in standin.requests[since:] if r.method == "PUT" and r.path.endswith("/commands")]


async def test_twenty_gateway_drops_resume_without_identify_or_resync(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    mark = len(standin.requests)
    await bot.restart()  # a second start with an unchanged command tree: no sync either
    identifies, resumes = standin.identify_count, standin.resume_count
    for n in range(DROPS):
        await standin.drop_gateway(4000 if n % 2 else None)  # a close frame, or a dead TCP link
        await standin.wait_until(
            lambda n=n: standin.resume_count == resumes + n + 1, 15, what=f"resume after drop {n + 1}"
        )
        # Activity between drops: the resumed session has events to replay and answers to give.
        reply = await driver.command("progress set", {"beat": 1 + n % 5})
        assert f"beat {1 + n % 5}" in reply.text() and not reply.error, reply.text()
    assert standin.identify_count == identifies, "the bot identified again instead of resuming"
    reply = await driver.command("about")
    assert "Commands" in message_text(reply.message)
    assert command_puts(standin, mark) == []


async def test_a_command_sent_while_disconnected_is_answered_after_resume(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    resumes = standin.resume_count
    await standin.drop_gateway(4000)
    reply = await driver.command("synopsis")  # queued in the session, replayed on RESUME
    assert reply.embeds and not reply.error
    assert standin.resume_count == resumes + 1


def statuses(standin: StandIn, since: int, prefix: str) -> list[tuple[int, float]]:
    return [(r.status, r.at) for r in standin.requests[since:] if r.path.startswith(prefix)]


async def test_429_on_an_interaction_callback_is_retried_after_retry_after(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    mark = len(standin.requests)
    standin.inject_429(1, path_prefix="/interactions/", method="POST", retry_after=0.6)
    reply = await driver.command("about")
    assert "Commands" in message_text(reply.message) and not reply.error
    (limited, first_at), (status, retried_at) = statuses(standin, mark, "/interactions/")
    assert limited == 429 and status in (200, 204)
    assert retried_at - first_at >= 0.55, "retried before retry_after"


async def test_429_on_a_channel_post_is_retried_and_the_post_lands(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    channel = driver.channel("spoilers")
    prefix = f"/channels/{channel.id}/messages"
    mark = len(standin.requests)
    before = max((m.id for m in driver.channel_messages("spoilers")), default=0)
    standin.inject_429(2, path_prefix=prefix, method="POST", retry_after=0.4)
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    reply = await driver.command(
        "watchparty poll",
        {"title": "Limited", "slots": slot_text(30), "closes": "1h"},
        channel="spoilers",
    )
    assert "is up" in reply.content, reply.text()
    posted = await driver.wait_for_message(
        "spoilers", lambda m: "Limited" in message_text(m), WAIT, after=before
    )
    posts = [s for s, _ in statuses(standin, mark, prefix)]
    assert posts == [429, 429, 200]
    assert [m for m in driver.channel_messages("spoilers") if m.id > before] == [posted]  # exactly once
    await cancel_poll(driver, poll_id(posted))
