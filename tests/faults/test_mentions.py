"""Hostile user text in every place a member can type (poll title and place, typed trivia answer, plot search,
cast name, settings): exactly the party announcement allows a mention, of exactly the member who opted in;
no message the bot sends links where the user wrote a link; and no user text opens or closes a spoiler tag,
checked by reading the markdown as Discord would (the user's `||` must show as text)."""

from __future__ import annotations

import pytest

from bot.standin import BotProcess, Driver, StandIn
from bot.standin import render as standin_render
from bot.standin.driver import message_text
from tests.faults.helpers import (
    WAIT,
    assert_clean_reply,
    mention_problems,
    message_strings,
    poll_id,
    sent_messages,
    set_trivia_timeout,
    slot_text,
    start_round,
)
from tests.faults.markdown import render

pytestmark = pytest.mark.asyncio(loop_scope="session")


EVIL = "evil.example"
LEAK = "||LEAK||"


def hostile(standin: StandIn) -> str:
    role = standin.guild.role("Moderators").id
    user = standin.guild.member("member2").user.id
    return (
        f"{LEAK} x](https://{EVIL}/x) [y https://{EVIL}/bare @everyone @here <@&{role}> <@{user}> "
        "a||b ||open `tick ```fence **bold # head\u200b|\u200b|"
    )


async def typed_answer(driver: Driver, text: str) -> None:
    await set_trivia_timeout(driver, 60)
    question = await start_round(driver, "spoilers", questions=1, mode="typed")
    form = await driver.click(question, "Answer")
    assert form.modal is not None, form.text()
    field = standin_render.text_inputs(form.modal)[0][0]["custom_id"]
    done = await driver.submit_modal(form, {field: text[:100]})
    assert_clean_reply(done.text())
    await driver.command("trivia stop", channel="spoilers")
    await set_trivia_timeout(driver, 5)


async def party_with_one_opt_in(driver: Driver, text: str) -> int:
    """A poll refused for its title; then one with markup in title and place, where `member` votes and opts
    in and `member2` (mentioned in the place) votes only, closed now."""
    await driver.command("config timezone", {"zone": "UTC"}, member="mod")
    refused = await driver.command(
        "watchparty poll", {"title": text[:200], "slots": slot_text(30), "closes": "2h"}
    )
    assert refused.ephemeral and "is up" not in refused.content
    before = max((m.id for m in driver.channel_messages()), default=0)
    user = driver.member("member2").user.id
    options = {
        "title": f"Party {LEAK} x](https://{EVIL}/x) [y `z",
        "slots": slot_text(30),
        "closes": "2h",
        "where": f"<@{user}> a||b `c **d",
    }
    created = await driver.command("watchparty poll", options)
    assert "is up" in created.content, created.text()
    poll = await driver.wait_for_message(predicate=lambda m: bool(m.components), after=before)
    pid = poll_id(poll)
    listed = await driver.command("watchparty list")
    assert "Party" in listed.text(), listed.text()
    await driver.click(poll, f"wp:vote:{pid}:0")
    await driver.click(poll, f"wp:ping:{pid}")
    await driver.click(poll, f"wp:vote:{pid}:0", member="member2")
    await driver.click(poll, f"wp:close:{pid}")
    await driver.wait_for_message(predicate=lambda m: "It's on" in message_text(m), timeout=WAIT, after=poll)
    return driver.member("member").user.id


async def test_no_pings_and_no_broken_spoilers_from_user_text(
    standin: StandIn, bot: BotProcess, driver: Driver
) -> None:
    mark = len(standin.requests)
    text = hostile(standin)
    for path, options in [
        ("plot", {"search": text}),
        ("plot", {"search": "||"}),
        ("cast", {"name": text}),
        ("cast", {"name": "sam ||"}),
        ("synopsis", {"spoilers": True}),
        ("plot", {"timeline": True}),
    ]:
        reply = await driver.command(path, options)
        assert_clean_reply(reply.text())
    for path, options in [
        ("config timezone", {"zone": text}),
        ("config watchparty reminders", {"minutes": text}),
    ]:
        assert_clean_reply((await driver.command(path, options, member="mod")).text())
    await typed_answer(driver, text)
    opted_in = {await party_with_one_opt_in(driver, text)}

    sent = list(sent_messages(standin.requests[mark:]))
    assert len(sent) > 15, "the bot sent fewer messages than expected: the check would prove little"
    allowing = []
    for request, payload in sent:
        problems = mention_problems(payload, opted_in)
        assert not problems, f"{request}: {problems}\n{payload}"
        users = (payload.get("allowed_mentions") or {}).get("users") or []
        if users:
            allowing.append((payload, sorted(int(u) for u in users)))
        for piece in message_strings(payload):
            shown = render(piece)
            assert not [link for link in shown.links if EVIL in link], f"{request}: a user link in {piece!r}"
            assert not shown.spoiler_open, f"{request}: a spoiler tag left open in {piece!r}"
            if "LEAK" in piece:
                assert LEAK in shown.text, f"{request}: user text made a spoiler tag in {piece!r}"
    echoed = [piece for _, payload in sent for piece in message_strings(payload) if "LEAK" in piece]
    assert len(echoed) >= 4, "the hostile text was echoed fewer times than expected: the check proves little"
    [(announcement, users)] = allowing  # exactly one message may mention anyone
    assert "watch party is set" in str(announcement.get("content")), announcement
    assert users == sorted(opted_in)
