"""The whole-bot spoiler audit: every surface that shows film text, for every reader, in one pass.

Readers: a member at each beat 0..N (private answers), a member with no saved progress (private and public),
a moderator, and the same commands in a spoiler channel. Surfaces: every command and option that shows film
text, every page behind a page button, every autocomplete, and trivia questions and reveals (live rounds in
an ordinary channel and in a spoiler channel, until every question of the bank has been asked).

What it asserts: text revealed after the reader's beat never appears outside `||…||`, and never at all in a
place that cannot hold a tag (embed titles, authors, footers and field names, button and select labels,
autocomplete choices). Two independent oracles say what "revealed after" means:

1. the reveal points in the pack (every text the pack can show, with the earliest beat it is revealed at);
2. `LATE_EVENTS` below, written by hand from the source documents: the film's plot events from the middle
   on, each phrased several ways, with the beat that first shows it. A wrongly annotated pack fails here.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.films import load_pack
from bot.films.reveals import iter_texts
from bot.settings import DEFAULT_FILMS_DIR
from bot.spoilers import visible_text
from bot.standin import BotProcess, Driver, Message, StandIn
from bot.standin import render as standin_render
from bot.standin.driver import Reply

pytestmark = pytest.mark.asyncio(loop_scope="session")

FILM = load_pack(DEFAULT_FILMS_DIR / "rush.toml")
LAST = FILM.last_beat
SETUP = FILM.setup_end
WAIT = 20.0

# The second oracle: late plot events, phrased several ways, with the beat that first shows each one.
# Written from the three source documents, independently of the pack's annotations.
LATE_EVENTS: tuple[tuple[int, tuple[str, ...]], ...] = tuple(
    (beat, tuple(phrases.split("|")))
    for beat, phrases in (
        (7, "inject in front of a dealer|forces them|forced on them|forces the drug|first fix"),
        (8, "a couple for real|a real one|real couple|romantically|act turns real|becomes real"),
        (9, "addict|hooked|addiction|losing control"),
        (10, "never sells|won't sell|refused to sell|no case against him|no genuine buy"),
        (11, "any means|turn them in|threatens to|press for a result|press them|expose their habit"),
        (12, "fake evidence|invent|fabricat|manufacture|falsif|false evidence|rigged|frame"),
        (13, "shotgun|dies in her arms|dying in|femoral|thigh|gunfight|trial|story ends"),
        (14, "grand jury|indicted|indictment|quit the force|resigned"),
        (15, "acquit|recant|retract|takes back her testimony|goes free|two fingers|chief's orders"),
        (16, "back seat|backseat|shot dead|killer|murder|kills him|hidden in his car|Gaines dies"),
        (17, "left the police force|out of the police force|left the police,|leaves the force|ends up"),
    )
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def _norm(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).split())


def _pack_oracle() -> list[tuple[str, int, re.Pattern[str]]]:
    """Every text the pack can show, at the earliest beat that reveals it; short names as whole words."""
    earliest: dict[str, int] = {}
    for path, text, reveal in iter_texts(FILM):
        if ".keywords" in path:
            continue  # keywords are only ever matched against, never shown
        key = _norm(text)
        if len(key) < 5:
            continue  # "Jim", "Will", "Dodd": too common a word to stand for the name
        earliest[key] = min(earliest.get(key, reveal), reveal)
    return [
        (text, reveal, re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")) for text, reveal in earliest.items()
    ]


PACK_ORACLE = _pack_oracle()


@dataclass
class Seen:
    """What one reader saw on one surface: text outside tags, and text in places that cannot be tagged."""

    where: str
    visible: str
    untaggable: str


def _component_labels(components: Iterable[dict[str, Any]]) -> list[str]:
    labels = [b.get("label") or "" for b in standin_render.buttons(list(components))]
    for menu in standin_render.selects(list(components)):
        labels.append(menu.get("placeholder") or "")
        labels += [o.get("label") or "" for o in menu.get("options") or ()]
        labels += [o.get("description") or "" for o in menu.get("options") or ()]
    return labels


def seen_in(message: Message, where: str) -> Seen:
    visible = [visible_text(message.content or "")]
    untaggable = _component_labels(message.components)
    for embed in message.embeds:
        visible.append(visible_text(embed.get("description") or ""))
        untaggable += [embed.get("title") or "", (embed.get("footer") or {}).get("text") or ""]
        untaggable.append((embed.get("author") or {}).get("name") or "")
        for item in embed.get("fields") or ():
            untaggable.append(item.get("name") or "")
            visible.append(visible_text(item.get("value") or ""))
    return Seen(where, _norm("\n".join(visible)), _norm("\n".join(untaggable)))


def leaks(seen: Seen, beat: int | None, typed: str = "") -> list[str]:
    """Every text revealed after `beat` found where this reader can see it (None: nothing is too late).

    `typed` is what the member typed (a search): echoing it back is not a spoiler.
    """
    if beat is None:
        return []
    found: list[str] = []
    for place, shown in (("untagged", seen.visible), ("untaggable place", seen.untaggable)):
        text = re.sub(re.escape(typed), " ", shown, flags=re.IGNORECASE) if typed else shown
        for pack_text, reveal, pattern in PACK_ORACLE:
            if reveal > beat and pattern.search(text):
                found.append(f"{seen.where}: pack text of beat {reveal} in {place}: {pack_text!r}")
        folded = text.casefold()
        for event_beat, phrases in LATE_EVENTS:
            if event_beat > beat:
                found += [
                    f"{seen.where}: beat {event_beat} event {phrase!r} in {place}"
                    for phrase in phrases
                    if phrase.casefold() in folded
                ]
    return found


@dataclass
class Audit:
    """Collects what every reader saw and every leak found, with a count of surfaces checked."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    spoiler_channel_texts: list[Seen] = field(default_factory=list)

    def look(self, seen: Seen, beat: int | None, typed: str = "") -> None:
        self.checked += 1
        self.problems += leaks(seen, beat, typed)
        if beat is None:
            self.spoiler_channel_texts.append(seen)


@dataclass(frozen=True)
class Who:
    """One reader: a member, where they ask, whether privately, and the last beat they may see untagged."""

    member: str
    channel: str
    private: bool
    beat: int | None

    def __str__(self) -> str:
        kind = "private" if self.private else "public"
        return f"{self.member} ({kind} in #{self.channel}, sees up to {self.beat})"


async def _pages(driver: Driver, reply: Reply, who: Who, what: str, audit: Audit, typed: str = "") -> None:
    """Look at a reply and every page behind its Next button."""
    for message in reply.messages:
        audit.look(seen_in(message, f"{who} {what}"), who.beat, typed)
    page = 1
    while True:
        buttons = [b for m in reply.messages for b in standin_render.buttons(m.components)]
        forward = next((b for b in buttons if (b.get("label") or "").startswith("Next")), None)
        if forward is None or forward.get("disabled"):
            return
        page += 1
        reply = await driver.click(reply, forward["custom_id"], member=who.member)
        for message in reply.messages:
            audit.look(seen_in(message, f"{who} {what} page {page}"), who.beat, typed)


LOOKUPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("synopsis", {}),
    ("synopsis", {"spoilers": True}),
    ("plot", {}),
    ("plot", {"timeline": True}),
    *(("plot", {"beat": n}) for n in range(1, LAST + 1)),
    *(("plot", {"search": text}) for text in ("Gaines", "heroin", "trial", "shotgun", "evidence", "partner")),
    ("cast", {}),
    *(
        ("cast", {"name": name})
        for name in ("Jason Patric", "Larry", "Gaines", "Max Perlich", "Tony Frank", "Barrymore")
    ),
    ("film", {}),
    ("sources", {}),
)
AUTOCOMPLETE: tuple[tuple[str, str, str], ...] = (
    *(("plot", "beat", text) for text in ("", "1", "tri", "grand jury", "stand", "Beat 13")),
    *(("progress set", "beat", text) for text in ("", "night", "1")),
    *(("cast", "name", text) for text in ("", "la", "gain", "nett")),
)


async def _reader_pass(driver: Driver, who: Who, audit: Audit) -> None:
    """Every lookup, page and autocomplete, as one reader."""
    for name, options in LOOKUPS:
        opts = dict(options, private=True) if who.private else dict(options)
        reply = await driver.command(name, opts, member=who.member, channel=who.channel)
        await _pages(driver, reply, who, f"/{name} {options}", audit, str(options.get("search", "")))
    if who.private:
        for name in ("progress show", "about"):
            reply = await driver.command(name, member=who.member, channel=who.channel)
            await _pages(driver, reply, who, f"/{name}", audit)
    for path, option, typed in AUTOCOMPLETE:
        choices = await driver.autocomplete(path, {option: typed}, member=who.member, channel=who.channel)
        names = _norm("\n".join(str(choice["name"]) for choice in choices))
        audit.look(Seen(f"{who} autocomplete /{path} {option}:{typed!r}", "", names), who.beat)


def _asked_ids(bot: BotProcess, channel_id: int, after: int = 0) -> set[str]:
    """Questions asked in a channel since the asked row `after` (other tests use the channel too)."""
    with sqlite3.connect(bot.database_path) as conn:
        sql = "SELECT question_id FROM trivia_asked WHERE channel_id = ? AND id > ?"
        return {row[0] for row in conn.execute(sql, (channel_id, after))}


def _last_asked(bot: BotProcess) -> int:
    with sqlite3.connect(bot.database_path) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM trivia_asked").fetchone()[0])


def _titled(prefix: str) -> Any:
    return lambda m: any((e.get("title") or "").startswith(prefix) for e in m.embeds)


async def _trivia_pass(
    driver: Driver, bot: BotProcess, channel: str, beat: int | None, audit: Audit, rounds: int
) -> set[str]:
    """Start a round reaching the ending, look at the question, stop it and look at the reveal; repeat.

    Questions come unseen-first per server, so the whole bank is asked within two cycles of it.
    """
    channel_id = driver.channel(channel).id
    first = _last_asked(bot)
    who = Who("member", channel, False, beat)
    for number in range(rounds):
        mode = "typed" if number % 9 == 8 else "buttons"
        reply = await driver.command(
            "trivia start", {"questions": 1, "spoilers": "ending", "mode": mode}, channel=channel
        )
        audit.look(seen_in(reply.message, f"{who} /trivia start"), beat)
        question = await driver.wait_for_message(channel, _titled("Question 1 of"), WAIT, after=reply.message)
        audit.look(seen_in(question, f"{who} trivia question"), beat)
        await driver.command("trivia stop", channel=channel)
        reveal = await driver.wait_for_message(channel, _titled("Answer"), WAIT, after=question)
        audit.look(seen_in(reveal, f"{who} trivia reveal"), beat)
        await driver.wait_for_message(channel, _titled("Round stopped"), WAIT, after=question)
        closed = driver.standin.messages[question.id]  # edited in place when it closed
        audit.look(seen_in(closed, f"{who} trivia question, closed"), beat)
        if _asked_ids(bot, channel_id, first) >= BANK_IDS:
            break
    return _asked_ids(bot, channel_id, first)


def _bank_ids() -> set[str]:
    from cogs.trivia._bank import build_bank

    return {question.id for question in build_bank(FILM).questions}


BANK_IDS = _bank_ids()


def _summary(problems: list[str], per_reader: int = 2) -> str:
    """The first few leaks of each reader, so one failure shows every reader that is spoiled."""
    shown: dict[str, list[str]] = {}
    for problem in problems:
        reader = problem.split(")", 1)[0]
        if len(shown.setdefault(reader, [])) < per_reader:
            shown[reader].append(problem)
    lines = [line for group in shown.values() for line in group]
    return f"{len(problems)} leaks; the first of each reader:\n" + "\n".join(lines)


async def _gather(jobs: list[Awaitable[None]], width: int) -> None:
    for start in range(0, len(jobs), width):
        await asyncio.gather(*jobs[start : start + width])


async def test_no_reader_is_spoiled_anywhere(driver: Driver, bot: BotProcess, standin: StandIn) -> None:
    audit = Audit()
    fans = await standin.add_members(LAST + 2, prefix="audit")
    names = [fan.user.username for fan in fans]
    for beat, name in zip(range(LAST + 1), names, strict=False):
        saved = await driver.command("progress set", {"beat": beat}, member=name)
        assert saved.ephemeral and f"beat {beat} of {LAST}" in saved.content, saved.content
        audit.look(seen_in(saved.message, f"{name} /progress set beat:{beat}"), beat)
    no_progress = names[LAST + 1]
    await driver.command("config spoilers", {"channel": "spoilers", "marked": True}, member="mod")
    try:
        readers = [Who(name, "general", True, beat) for beat, name in enumerate(names[: LAST + 1])]
        readers += [
            Who(no_progress, "general", True, SETUP),
            Who(no_progress, "general", False, SETUP),
            Who(names[0], "spoilers", True, None),
            Who(no_progress, "spoilers", False, None),
        ]
        await _gather([_reader_pass(driver, who, audit) for who in readers], width=6)
        show = await driver.command("config show", member="mod")
        audit.look(seen_in(show.message, "mod /config show"), SETUP)
        await driver.command("config trivia timeout", {"seconds": 5}, member="mod")
        asked = await _trivia_pass(driver, bot, "general", SETUP, audit, rounds=2 * len(BANK_IDS))
        await _trivia_pass(driver, bot, "spoilers", None, audit, rounds=3)
    finally:
        await driver.command("config spoilers", {"channel": "spoilers", "marked": False}, member="mod")
    assert audit.problems == [], _summary(audit.problems)
    assert asked >= BANK_IDS, f"trivia questions never asked in the audit: {sorted(BANK_IDS - asked)}"
    # Both oracles are live: in a spoiler channel the ending is shown untagged, and each oracle finds it.
    opened = "\n".join(s.visible for s in audit.spoiler_channel_texts)
    assert leaks(Seen("spoiler channel", opened, ""), SETUP), (
        "the oracles found nothing even in a spoiler channel"
    )
    assert any(phrase in opened.casefold() for phrase in LATE_EVENTS[-2][1])
    assert audit.checked > 1000
