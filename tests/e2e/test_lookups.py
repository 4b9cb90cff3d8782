"""Synopsis, plot, progress, cast, film and sources through the stand-in, as members use them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.films import Film, find_cast, load_pack
from bot.films.model import SpoilerLevel
from bot.settings import DEFAULT_FILMS_DIR
from bot.spoilers import hidden_text, unescape, visible_text
from bot.standin import BotProcess, Driver
from bot.standin.driver import Reply

pytestmark = pytest.mark.asyncio(loop_scope="session")

FILM = load_pack(DEFAULT_FILMS_DIR / "rush.toml")
LAST = len(FILM.beats)
ENDING_BEAT = next(b for b in FILM.beats if b.level is SpoilerLevel.ENDING)
MIDDLE_BEATS = [b for b in FILM.beats if b.level is SpoilerLevel.MIDDLE]


def _descriptions(reply: Reply) -> list[str]:
    return [embed.get("description") or "" for message in reply.messages for embed in message.embeds]


def shown(reply: Reply) -> str:
    """What a reader sees without clicking a spoiler tag: content, titles, descriptions, footers."""
    parts: list[str] = []
    for message in reply.messages:
        parts.append(visible_text(message.content or ""))
        for embed in message.embeds:
            parts += [embed.get("title") or "", (embed.get("footer") or {}).get("text") or ""]
            parts.append(visible_text(embed.get("description") or ""))
            parts += [visible_text(f.get("value") or "") for f in embed.get("fields") or ()]
    return "\n".join(parts)


def tagged(reply: Reply) -> str:
    """Everything inside spoiler tags."""
    return "\n".join(hidden_text(d) for d in _descriptions(reply))


def everything(reply: Reply) -> str:
    return unescape(reply.text())


def later_text(film: Film) -> list[str]:
    """Every beat summary and title, and synopsis passage, revealed after the setup."""
    texts = [b.summary for b in film.beats if b.reveal > film.setup_end]
    texts += [b.title for b in film.beats if b.title_reveal > film.setup_end]
    return texts + [p.text for p in film.synopsis_full if p.reveal > film.setup_end]


@pytest_asyncio.fixture(loop_scope="session")
async def spoiler_channel(driver: Driver, bot: BotProcess) -> AsyncIterator[str]:
    """#spoilers marked as a spoiler channel by a moderator for one test, unmarked afterwards."""
    await driver.command("config spoilers", {"channel": "spoilers", "marked": True}, member="mod")
    try:
        yield "spoilers"
    finally:
        await driver.command("config spoilers", {"channel": "spoilers", "marked": False}, member="mod")


async def test_default_synopsis_shows_nothing_past_the_setup(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("synopsis")
    assert not reply.ephemeral
    text = everything(reply)
    for later in later_text(FILM):
        assert later not in text
    assert FILM.synopsis_safe[0].text in shown(reply)
    assert "Sources:" in shown(reply)


async def test_full_synopsis_tags_middle_and_ending(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("synopsis", {"spoilers": True})
    visible, hidden = shown(reply), tagged(reply)
    for part in FILM.synopsis_full:
        if part.reveal > FILM.setup_end:
            assert part.text not in visible and part.text in hidden
        else:
            assert part.text in visible


async def test_an_ending_beat_is_entirely_tagged_in_general(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("plot", {"beat": ENDING_BEAT.number})
    assert not reply.ephemeral
    description = _descriptions(reply)[0]
    assert visible_text(description).replace("**", "").strip() == f"Beat {ENDING_BEAT.number}:"
    assert ENDING_BEAT.summary in hidden_text(description) and ENDING_BEAT.title in hidden_text(description)


async def test_a_spoiler_channel_shows_the_ending_untagged(
    driver: Driver, bot: BotProcess, spoiler_channel: str
) -> None:
    reply = await driver.command("plot", {"beat": ENDING_BEAT.number}, channel=spoiler_channel)
    assert ENDING_BEAT.summary in shown(reply)
    assert "||" not in _descriptions(reply)[0].replace("\\|", "")
    synopsis = await driver.command("synopsis", {"spoilers": True}, channel=spoiler_channel)
    assert FILM.synopsis_full[-1].text in shown(synopsis)
    general = await driver.command("plot", {"beat": ENDING_BEAT.number})
    assert ENDING_BEAT.summary not in shown(general)


async def test_progress_is_honoured_for_that_member_privately_only(driver: Driver, bot: BotProcess) -> None:
    watched, next_beat = MIDDLE_BEATS[0], MIDDLE_BEATS[1]
    saved = await driver.command("progress set", {"beat": watched.number})
    assert saved.ephemeral and f"beat {watched.number} of {LAST}" in saved.content
    try:
        mine = await driver.command("plot", {"beat": watched.number, "private": True})
        assert mine.ephemeral and watched.summary in shown(mine)
        ahead = await driver.command("plot", {"beat": next_beat.number, "private": True})
        assert next_beat.summary not in shown(ahead) and next_beat.summary in tagged(ahead)
        public = await driver.command("plot", {"beat": watched.number})
        assert watched.summary not in shown(public)
        other = await driver.command("plot", {"beat": watched.number, "private": True}, member="member2")
        assert watched.summary not in shown(other)
        timeline = await driver.command("progress show")
        assert (
            timeline.ephemeral and watched.title in shown(timeline) and next_beat.title not in shown(timeline)
        )
    finally:
        cleared = await driver.command("progress clear")
    assert cleared.ephemeral
    after = await driver.command("plot", {"beat": watched.number, "private": True})
    assert watched.summary not in shown(after)


def _cast_names() -> list[tuple[str, str]]:
    """(name to look up, actor expected) for every actor and every character name in the pack."""
    names = [(m.actor, m.actor) for m in FILM.cast]
    for member in FILM.cast:
        names += [(v.value, member.actor) for v in member.character.variants]
        if member.character_key:
            names.append((FILM.character(member.character_key).name, member.actor))
    return list(dict.fromkeys(names))


async def test_cast_finds_every_actor_and_character(driver: Driver, bot: BotProcess) -> None:
    for name, actor in _cast_names():
        reply = await driver.command("cast", {"name": name})
        assert not reply.ephemeral, name
        assert actor in shown(reply), name


@pytest.mark.parametrize(
    ("typo", "actor"),
    [("sam eliot", "Sam Elliott"), ("raynor", "Jason Patric"), ("kristen", "Jennifer Jason Leigh")],
)
async def test_cast_forgives_typos(driver: Driver, bot: BotProcess, typo: str, actor: str) -> None:
    reply = await driver.command("cast", {"name": typo})
    assert actor in shown(reply)


async def test_cast_shows_disputes_and_unstated_parts(driver: Driver, bot: BotProcess) -> None:
    elliott = shown(await driver.command("cast", {"name": "Sam Elliott"}))
    assert "Dodd (1 source: [1])" in elliott and "Larry (1 source: [2])" in elliott
    frank = shown(await driver.command("cast", {"name": "Tony Frank"}))
    assert "Character: not stated" in frank and "Role: not stated" in frank
    everyone = shown(await driver.command("cast"))
    assert all(member.actor in everyone for member in FILM.cast)


async def test_an_unknown_name_gets_suggestions(driver: Driver, bot: BotProcess) -> None:
    name = "Gregory Almanac"
    lookup = find_cast(FILM, name)
    assert not lookup.matches and lookup.suggestions
    reply = await driver.command("cast", {"name": name})
    assert reply.ephemeral and "not in the cast" in reply.content
    assert lookup.suggestions[0] in unescape(reply.content)


async def test_film_shows_disputes_and_turns_pages(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("film")
    first, first_tagged = shown(reply), tagged(reply)  # the click edits this message in place
    assert "Release year:** 1991 (2 sources: [1][2]) · 1992 (1 source: [3])" in unescape(
        _descriptions(reply)[0]
    )
    assert "not stated" in first and "[3] Rush (1992)" in first
    assert "(1/2)" in (reply.embeds[0].get("title") or "")
    turned = await driver.click(reply, "Next ▶")
    assert "(2/2)" in (turned.embeds[0].get("title") or "")
    assert "The review's verdict" in shown(turned)
    both_shown, both_tagged = first + shown(turned), first_tagged + tagged(turned)
    for fact in FILM.facts.values():
        assert all(v.value not in both_shown for v in fact.variants if v.reveal > FILM.setup_end)
        if fact.label_reveal > FILM.setup_end:
            assert fact.label not in both_shown and fact.label in both_tagged
    back = await driver.click(turned, "◀ Previous", member="member2")
    assert "(1/2)" in (back.embeds[0].get("title") or "")


async def test_sources_lists_every_document(driver: Driver, bot: BotProcess) -> None:
    text = shown(await driver.command("sources"))
    for source in FILM.sources:
        assert source.title in text and source.kind in text
        assert (source.author or "Author: not stated") in text
        assert (source.date or "Date: not stated") in text


async def test_timeline_tags_later_titles(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("plot", {"timeline": True, "private": True})
    assert reply.ephemeral
    for beat in FILM.beats:
        assert (beat.title in shown(reply)) == (beat.title_reveal <= FILM.setup_end)
        assert beat.title in unescape(reply.text())
    public = shown(await driver.command("plot"))
    assert "timeline" in public
    assert all((b.title in public) == (b.title_reveal <= FILM.setup_end) for b in FILM.beats)


async def test_search_covers_only_the_beats_the_reader_may_see(
    driver: Driver, bot: BotProcess, spoiler_channel: str
) -> None:
    public = await driver.command("plot", {"search": "heroin"})
    assert public.ephemeral and f"No beat up to beat {FILM.setup_end} mentions" in public.content
    everywhere = await driver.command("plot", {"search": "heroin"}, channel=spoiler_channel)
    assert "beats matching" in shown(everywhere)
    hits = [b for b in FILM.beats if b.summary in shown(everywhere)]
    assert hits and all(b.reveal > FILM.setup_end for b in hits)
    await driver.command("progress set", {"beat": hits[0].number}, member="member2")
    try:
        mine = await driver.command("plot", {"search": "heroin", "private": True}, member="member2")
        assert hits[0].summary in shown(mine)
        assert all(b.summary not in everything(mine) for b in hits[1:])
    finally:
        await driver.command("progress clear", member="member2")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"beat": 0}, f"Beats run from 1 to {LAST}"),
        ({"beat": LAST + 1}, f"Beats run from 1 to {LAST}"),
        ({"search": "   "}, f"Beats run from 1 to {LAST}"),
        ({"search": "zzqxv wqqpz"}, f"No beat up to beat {FILM.setup_end} mentions"),
    ],
)
async def test_bad_input_gets_a_short_private_answer(
    driver: Driver, bot: BotProcess, options: dict[str, Any], expected: str
) -> None:
    reply = await driver.command("plot", options)
    assert reply.ephemeral and expected in reply.content
    assert len(reply.content) < 200


async def test_progress_rejects_a_beat_out_of_range(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("progress set", {"beat": LAST + 5})
    assert reply.ephemeral and f"Beats run from 1 to {LAST}" in reply.content


async def test_autocomplete_offers_at_most_25_choices(driver: Driver, bot: BotProcess) -> None:
    beats = await driver.autocomplete("plot", {"beat": ""})
    assert 0 < len(beats) <= 25 and beats[0]["value"] == 1
    assert len(await driver.autocomplete("progress set", {"beat": "hook"})) <= 25
    cast = await driver.autocomplete("cast", {"name": "ja"})
    assert 0 < len(cast) <= 25
    everyone = await driver.autocomplete("cast", {"name": ""})
    assert 0 < len(everyone) <= 25


async def test_page_buttons_still_work_after_a_restart(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("film", {"private": True})
    await bot.restart()
    turned = await driver.click(reply, "Next ▶")
    assert turned.ephemeral and "(2/2)" in (turned.embeds[0].get("title") or "")


async def test_cast_finds_a_character_no_source_names_an_actor_for(
    driver: Driver, bot: BotProcess, spoiler_channel: str
) -> None:
    reply = await driver.command("cast", {"name": "nettles"})
    text = everything(reply)
    assert "not in the cast" not in text
    assert "Nettles" in text and "not stated" in text
    nettles = FILM.character("nettles")
    assert nettles.description not in shown(reply) and nettles.description in tagged(reply)  # met at beat 11
    choices = await driver.autocomplete("cast", {"name": "nett"}, focused="name", channel=spoiler_channel)
    assert ("Nettles (actor not stated)", "Nettles") in [(c["name"], c["value"]) for c in choices]
    # Outside a spoiler channel, autocomplete follows the member's own progress: none saved, so no Nettles.
    choices = await driver.autocomplete("cast", {"name": "nett"}, focused="name")
    assert all("Nettles" not in c["name"] for c in choices)


async def test_cast_cites_every_source_that_names_the_actor(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("cast", {"name": "jason patric"})
    assert "**Jason Patric** [1][2][3]" in everything(reply)


async def test_search_ignores_stop_words_and_finds_a_person_by_any_name(
    driver: Driver, bot: BotProcess, spoiler_channel: str
) -> None:
    common = await driver.command("plot", {"search": "the"})
    assert common.ephemeral and "only common words" in common.text()
    # Searched where every beat may be seen: the beats that call her Cates are all past the setup.
    reply = await driver.command("plot", {"search": "kristen"}, channel=spoiler_channel)
    text = everything(reply)
    only_cates = [b for b in FILM.beats if "Cates" in b.summary and "Kristen" not in b.summary + b.title]
    assert only_cates
    for beat in only_cates[:2]:  # beats that call her Cates only, on the first page (tagged as needed)
        assert f"Beat {beat.number}:" in text, beat.number


async def test_beat_and_timeline_together_are_refused(driver: Driver, bot: BotProcess) -> None:
    reply = await driver.command("plot", {"beat": 3, "timeline": True})
    assert reply.ephemeral and "Pick one" in reply.text()
    both = await driver.command("plot", {"search": "race", "timeline": True})
    assert both.ephemeral and "Pick one" in both.text()


async def test_beat_autocomplete_finds_words_being_typed(
    driver: Driver, bot: BotProcess, spoiler_channel: str
) -> None:
    choices = await driver.autocomplete("plot", {"beat": "dea"}, focused="beat", channel=spoiler_channel)
    assert choices and all(isinstance(choice["value"], int) for choice in choices)
    assert {choice["value"] for choice in choices} >= {6, 7}  # "dealers", "dealer"
    public = await driver.autocomplete("plot", {"beat": "dea"}, focused="beat")  # no progress: the setup
    assert 6 in {choice["value"] for choice in public} and 7 not in {choice["value"] for choice in public}
