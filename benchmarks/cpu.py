"""CPU time per interaction, for every command and button, beside a bare discord.py bot giving the same reply.

Each case is run in rounds. In a round both bots get a burst of the same `n` interactions (`window` in flight)
at once, and take turns on their shared core in spells of about 50 interactions (`Pacer`): this shared
machine's speed drifts from one second to the next (`python -m benchmarks.steadiness`), and both bots then
meet the same drift, while only one works at a time. Each bot process's CPU time (user + system, summed
over its threads from /proc/<pid>/task/*/schedstat, in ns) is read before the bursts and once it has gone
quiet after them.
Latency (INTERACTION_CREATE dispatched → callback received, in the stand-in) is kept per sample.

Before the rounds every case is run on the film bot and its answers recorded for the bare bot (run.py runs
every case once more first, so replies that show the server's state match the rounds'): the
callback, the deferred original, follow-ups, the channel messages it posted, and the edits and deletes of
other channel messages it made while answering (closing a trivia question, redrawing a cancelled poll).
While recording, each interaction is sent only once the bot is idle, so every request the stand-in saw
between two interactions' starts belongs to the first of them.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import itertools
import math
import re
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.bare import interaction_key
from benchmarks.harness import BenchStandIn, wait_answered
from benchmarks.latency import COMMANDS, Command, Side
from bot.standin import InteractionRecord, Message, Reply
from bot.standin.server import DEFERRED_MESSAGE, MESSAGE_COMPONENT, Member

QUIET_NS = 2_000_000  # the bot counts as idle again when it used under 2 ms of CPU in the last 50 ms
SKIPPED = ("trivia start", "trivia stop", "watchparty cancel")  # run as their own cases below
TRIVIA_CHANNEL = "spoilers"
MESSAGE_ROUTE = re.compile(r"/channels/(\d+)/messages/(\d+)")  # a channel message (not a webhook's)
POST_ROUTE = re.compile(r"/channels/(\d+)/messages")
# Interactions per turn when both bots' bursts take turns: short enough that the machine's speed barely
# moves within a turn, long enough that handing the core over (cold caches) adds nothing measurable.
# `python -m benchmarks.noise`: turns of 10 made every interaction about 20% dearer on both sides; of 50, no
# dearer than a bot alone, and identical bots within 0.96-1.02x (runs of 2026-12-02).
SPELL = 50
CONFIRM_CANCEL = r"wp:cancel:\d+:\w+"  # the confirm button of /watchparty cancel (cogs/watchparty/_views.py)


def cpu_ns(pid: int) -> int:
    """A process's CPU time so far (every live thread's run time: user + system), in nanoseconds."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended between listing and reading
    return total


async def settle(pid: int) -> int:
    """Wait until the process stops working on the burst (follow-ups, posts); its CPU time then."""
    before = cpu_ns(pid)
    for _ in range(40):
        await asyncio.sleep(0.05)
        now = cpu_ns(pid)
        if now - before < QUIET_NS:
            return now
        before = now
    return before


@dataclass
class Cell:
    """One case on one bot, over every round: CPU per interaction for each round, and latencies."""

    cpu_per_round: list[float] = field(default_factory=list)  # seconds per interaction
    latencies: list[float] = field(default_factory=list)
    interactions: int = 0
    errors: int = 0
    mismatched: int = 0  # replies whose shape differs from the recorded one (callback, flags, embeds, rows)

    def mean(self) -> float:
        """CPU seconds per interaction over every round (the rounds' bursts are the same size)."""
        return statistics.fmean(self.cpu_per_round) if self.cpu_per_round else math.nan


@dataclass
class CaseResult:
    name: str
    kind: str
    bot: Cell = field(default_factory=Cell)
    bare: Cell = field(default_factory=Cell)

    def ratios(self) -> list[float]:
        """Per-round ratio of CPU per interaction, bot / bare (each round's two bursts ran at once)."""
        return [b / a for b, a in zip(self.bot.cpu_per_round, self.bare.cpu_per_round, strict=False) if a > 0]

    def ratio(self) -> float:
        """The headline: CPU per interaction over every round, bot / bare. Each round's two bursts ran over
        the same seconds of the machine, so the two totals met the same drift."""
        bot, bare = self.bot.mean(), self.bare.mean()
        return bot / bare if bare else math.nan


@dataclass
class Stage:
    """One bot in the run: its side (session, driver, members), its pid, and case-to-case state."""

    side: Side
    pid: int
    name: str
    polls: list[int] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)  # cancel confirmations asked, to press after a burst
    replays: bool = False  # the bare bot: answers from memory, so it keeps no polls to clean up
    fresh: Callable[[int], Awaitable[list[Member]]] | None = None
    prepared: Prepared | None = None
    members_for_burst: list[Member] = field(default_factory=list)
    burst_size: int = 0
    expected: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # reply shapes recorded, by case key


Burst = Callable[[BenchStandIn, Stage, int, int], Awaitable[tuple[list[InteractionRecord], int]]]


@dataclass
class Prepared:
    """A message with the button to press, the reply that made it, and how to clean up afterwards;
    `presses`, where each press uses its message up: one prompt (and who presses it) per interaction."""

    message: Message
    reply: Reply
    teardown: Callable[[], Awaitable[list[Reply]]]
    presses: list[Prompt] = field(default_factory=list)


@dataclass(frozen=True)
class Prompt:
    """A `/watchparty cancel` confirmation: the ephemeral message with its button, and who asked."""

    message: Message
    member: Member


Setup = Callable[[BenchStandIn, Stage], Awaitable[Prepared]]


@dataclass
class Case:
    """What to run: `burst(standin, stage, n, window)` returns its records and the interactions sent.

    `setup` (buttons) makes the message to click before the CPU clock starts; it is torn down after.
    `spell`: how many of the burst's units one bot runs before the other takes its turn (`Pacer`).
    `cleanup` runs after the clock stops (pressing the cancel confirmations a burst asked for).
    """

    name: str
    kind: str
    burst: Burst
    record: Callable[[BenchStandIn, Stage], Awaitable[list[Reply]]]
    window: int = 10
    setup: Setup | None = None
    cleanup: Callable[[BenchStandIn, Stage], Awaitable[None]] | None = None
    spell: int = SPELL  # the burst's units (`one` calls in `windowed`) per turn in `run_pair`


# --- taking turns -----------------------------------------------------------------------------------------


class Pacer:
    """Two bots' bursts, run at once, take turns in short spells: a side starts up to `spell` interactions,
    waits until they are done, and hands over. Only one bot works at a time (no contention for its core),
    and both work through the same seconds of the machine, whose speed drifts from one second to the next
    far more than over a few milliseconds (`python -m benchmarks.steadiness`)."""

    def __init__(self, sides: Sequence[str], spell: int) -> None:
        self.order = list(sides)
        self.running = set(sides)
        self.current = self.order[0]
        self.spell = spell
        self.started = 0  # interactions started in the current spell
        self.busy = 0  # of those, not yet done
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def unit(self, side: str) -> AsyncIterator[None]:
        """One interaction of `side`, started in its turn; the turn passes once the spell is done."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.current == side and self.started < self.spell)
            self.started += 1
            self.busy += 1
        try:
            yield
        finally:
            async with self._changed:
                self.busy -= 1
                if not self.busy and self.started >= self.spell:
                    self._hand_over()

    async def finish(self, side: str) -> None:
        """`side`'s burst is over: the turn passes, and from now on the other side never waits."""
        async with self._changed:
            self.running.discard(side)
            if self.current == side and not self.busy:
                self._hand_over()

    def _hand_over(self) -> None:
        waiting = [s for s in self.order if s in self.running and s != self.current]
        if waiting:
            self.current = waiting[0]
        self.started = 0
        self._changed.notify_all()


_PACER: ContextVar[tuple[Pacer, str] | None] = ContextVar("pacer", default=None)


# --- running interactions --------------------------------------------------------------------------------


def answered(record: InteractionRecord) -> bool:
    return record.callback_type is not None or bool(record.errors)


async def windowed(count: int, window: int, one: Callable[[int], Awaitable[Any]]) -> list[Any]:
    """Run `one(i)` for i in range(count), at most `window` at a time, results in order; inside `run_pair`,
    each `one(i)` in its bot's turn."""
    results: list[Any] = [None] * count
    numbers = iter(range(count))
    pacing = _PACER.get()

    async def worker() -> None:
        for i in numbers:
            if pacing is None:
                results[i] = await one(i)
                continue
            pacer, side = pacing
            async with pacer.unit(side):
                results[i] = await one(i)

    await asyncio.gather(*(worker() for _ in range(min(window, count))))
    return results


def _member(stage: Stage, command: Command, i: int) -> Member:
    pool = stage.side.moderators if command.moderator else stage.side.members
    return pool[i % len(pool)]


def command_burst(command: Command) -> Burst:
    async def burst(
        standin: BenchStandIn, stage: Stage, n: int, window: int
    ) -> tuple[list[InteractionRecord], int]:
        async def one(i: int) -> InteractionRecord:
            reply = await stage.side.driver.command(
                command.path, command.options(), member=_member(stage, command, i), force=True
            )
            if command.path == "watchparty poll":
                stage.polls.extend(_poll_ids(reply))
            return reply.interaction

        return await windowed(n, window, one), n

    return burst


def _poll_ids(reply: Reply) -> list[int]:
    return [int(m) for m in re.findall(r"Poll #(\d+)", reply.text())][:1]


async def cancel_burst(
    standin: BenchStandIn, stage: Stage, n: int, window: int
) -> tuple[list[InteractionRecord], int]:
    """Ask to cancel the polls this bot's poll burst made (the bare bot answers with the recorded reply);
    the confirmations are pressed after the clock stops (`confirm_prompts`)."""
    polls = stage.polls[:n]
    del stage.polls[:n]  # any left over (the recorded poll) wait for the next burst, not forgotten open
    count = len(polls)

    async def one(i: int) -> InteractionRecord:
        moderator = stage.side.moderators[i % len(stage.side.moderators)]  # may cancel any member's poll
        reply = await ask_to_cancel(stage, polls[i], moderator)
        return reply.interaction

    return await windowed(count, window, one), count


async def ask_to_cancel(stage: Stage, poll: int, member: Member) -> Reply:
    """`/watchparty cancel poll:<poll>`; its confirmation is kept in `stage.prompts` to press later."""
    reply = await stage.side.driver.command("watchparty cancel", {"poll": poll}, member=member, force=True)
    stage.prompts.extend(prompts_in(reply, member))
    return reply


def prompts_in(reply: Reply, member: Member) -> list[Prompt]:
    """The cancel confirmation in a `/watchparty cancel` reply (none if the poll could not be cancelled)."""
    return [Prompt(m, member) for m in reply.messages[:1] if any(map(is_confirm, button_ids(m)))]


def is_confirm(custom_id: str) -> bool:
    return re.fullmatch(CONFIRM_CANCEL, custom_id) is not None


async def press_confirm(standin: BenchStandIn, stage: Stage, prompt: Prompt) -> InteractionRecord:
    custom_id = next(filter(is_confirm, button_ids(prompt.message)))
    return await click(standin, stage, prompt.message, custom_id, prompt.member)


async def confirm_prompts(standin: BenchStandIn, stage: Stage) -> None:
    """Press every cancel confirmation asked so far, so that no poll stays open from round to round."""
    prompts = list(stage.prompts)
    stage.prompts.clear()
    if not stage.replays:  # the bare bot's prompts are replayed answers: nothing is open to cancel
        await windowed(len(prompts), 10, lambda i: press_confirm(standin, stage, prompts[i]))


async def trivia_pairs(
    standin: BenchStandIn, stage: Stage, n: int, window: int
) -> tuple[list[InteractionRecord], int]:
    """`/trivia start` then `/trivia stop` in one channel, `n` times (one round per channel at a time).

    Each stop waits for the round's question, as when the answers were recorded: a stop that came before
    the question would skip closing and revealing it, and the bot would do less than the bare bot replays."""

    async def one(_: int) -> list[InteractionRecord]:
        start, _question = await start_round(stage, {"questions": 1})
        stop = await stop_round(stage)
        return [start.interaction, stop.interaction]

    pairs = await windowed(n, 1, one)
    return [record for pair in pairs for record in pair], 2 * n


async def start_round(stage: Stage, options: dict[str, Any]) -> tuple[Reply, Message]:
    """`/trivia start` in the trivia channel, and the first question once the bot has posted it."""
    driver = stage.side.driver
    reply = await driver.command("trivia start", options, channel=TRIVIA_CHANNEL, force=True)
    try:
        question = await driver.wait_for_message(
            TRIVIA_CHANNEL,
            lambda m: any(i.startswith("trivia:") for i in button_ids(m)),
            20,
            after=reply.message,
        )
    except TimeoutError:
        raise RuntimeError(
            f"{stage.name}: no question after /trivia start {options}: {reply.text()[:300]}"
        ) from None
    return reply, question


def is_scoreboard(message: Message) -> bool:
    return any(str(e.get("title", "")).endswith(": scoreboard") for e in message.embeds)


async def stop_round(stage: Stage) -> Reply:
    """`/trivia stop`, then wait for the round's scoreboard (the bot ends the round after acknowledging)."""
    stop = await stage.side.driver.command("trivia stop", channel=TRIVIA_CHANNEL, force=True)
    await stage.side.driver.wait_for_message(TRIVIA_CHANNEL, is_scoreboard, 20, after=stop.interaction.id)
    return stop


async def click(
    standin: BenchStandIn, stage: Stage, message: Message, custom_id: str, member: Member
) -> InteractionRecord:
    driver = stage.side.driver
    record = await standin.send_interaction(
        MESSAGE_COMPONENT,
        {"custom_id": custom_id, "component_type": 2},
        guild=driver.guild,
        channel=driver.channel(message.channel_id),
        member=member,
        message=message,
    )
    await wait_answered(standin, record)
    return record


def button_ids(message: Message) -> list[str]:
    return [c.get("custom_id") or "" for row in message.components for c in row.get("components") or ()]


def button_case(
    name: str, setup: Setup, pattern: str, *, fresh_members: bool = False, window: int = 10
) -> Case:
    """Members click the first button matching `pattern` on the message `setup` makes (then tears down)."""

    async def burst(
        standin: BenchStandIn, stage: Stage, n: int, w: int
    ) -> tuple[list[InteractionRecord], int]:
        assert stage.prepared is not None
        message = stage.prepared.message
        custom_id = _button(message, pattern)
        members = stage.members_for_burst

        async def one(i: int) -> InteractionRecord:
            who = members[i] if members else stage.side.members[i % len(stage.side.members)]
            return await click(standin, stage, message, custom_id, who)

        return await windowed(n, w, one), n

    async def prepare(standin: BenchStandIn, stage: Stage) -> Prepared:
        prepared = await setup(standin, stage)
        fresh = fresh_members and stage.fresh is not None
        stage.members_for_burst = await stage.fresh(stage.burst_size) if fresh and stage.fresh else []
        return prepared

    async def record(standin: BenchStandIn, stage: Stage) -> list[Reply]:
        prepared = await setup(standin, stage)
        custom_id = _button(prepared.message, pattern)
        members = await stage.fresh(1) if fresh_members and stage.fresh else stage.side.members[:1]
        try:
            found = await click(standin, stage, prepared.message, custom_id, members[0])
        finally:
            after = await prepared.teardown()
        return [prepared.reply, Reply(standin, found), *after]

    return Case(name, "button", burst, record, window, prepare)


def _button(message: Message, pattern: str) -> str:
    found = [i for i in button_ids(message) if re.fullmatch(pattern, i)]
    if not found:
        raise RuntimeError(f"no button like {pattern!r} on message {message.id}: {button_ids(message)}")
    return found[0]


async def _nothing() -> list[Reply]:
    return []


def command_setup(path: str, options: dict[str, Any], channel: str | None = None) -> Setup:
    async def setup(standin: BenchStandIn, stage: Stage) -> Prepared:
        reply = await stage.side.driver.command(path, options, channel=channel, force=True)
        return Prepared(reply.message, reply, _nothing)

    return setup


async def poll_setup(standin: BenchStandIn, stage: Stage) -> Prepared:
    reply = await stage.side.driver.command("watchparty poll", _poll_options(), force=True)
    polls = _poll_ids(reply)

    async def teardown() -> list[Reply]:
        asked = [await ask_to_cancel(stage, poll, stage.side.driver.member()) for poll in polls]
        await confirm_prompts(standin, stage)
        return asked

    poll = await stage.side.driver.wait_for_message(
        reply.interaction.channel_id, lambda m: any(i.startswith("wp:vote:") for i in button_ids(m)), 20,
        after=reply.interaction.id,
    )  # fmt: skip
    return Prepared(poll, reply, teardown)


def _poll_options() -> dict[str, Any]:
    return next(c for c in COMMANDS if c.path == "watchparty poll").options()


async def new_polls(stage: Stage, count: int) -> list[tuple[int, Member]]:
    """`count` polls, made by members in turn (10 at a time): each poll's id and its creator."""

    async def one(i: int) -> tuple[int, Member] | None:
        member = stage.side.members[i % len(stage.side.members)]
        reply = await stage.side.driver.command("watchparty poll", _poll_options(), member=member, force=True)
        found = _poll_ids(reply)
        return (found[0], member) if found else None

    return [made for made in await windowed(count, 10, one) if made is not None]


async def cancel_prompts_setup(standin: BenchStandIn, stage: Stage) -> Prepared:
    """A poll per press of the burst, made by members in turn, and each creator's `/watchparty cancel`
    confirmation to press (the prompts are not kept in `stage.prompts`: the burst presses them)."""
    driver = stage.side.driver
    polls = await new_polls(stage, max(1, stage.burst_size))

    async def ask(i: int) -> Reply:
        poll, member = polls[i]
        return await driver.command("watchparty cancel", {"poll": poll}, member=member, force=True)

    asked = await windowed(len(polls), 10, ask)
    presses = [
        prompt
        for reply, (_, member) in zip(asked, polls, strict=True)
        for prompt in prompts_in(reply, member)
    ]
    if not presses:
        detail = asked[0].text()[:300] if asked else "no poll was made"
        raise RuntimeError(f"{stage.name}: no cancel confirmation to press: {detail}")

    async def teardown() -> list[Reply]:  # what the burst left unpressed (nothing, unless it fell short)
        stage.prompts.extend(presses)
        presses.clear()
        await confirm_prompts(standin, stage)
        return []

    return Prepared(presses[0].message, asked[0], teardown, presses)


def confirm_cancel_case() -> Case:
    """Each press confirms the cancel of a different poll (made, and asked about, before the clock starts)."""

    async def burst(
        standin: BenchStandIn, stage: Stage, n: int, window: int
    ) -> tuple[list[InteractionRecord], int]:
        assert stage.prepared is not None
        presses = stage.prepared.presses[:n]
        del stage.prepared.presses[:n]  # used up: a second press would find the poll already cancelled

        async def one(i: int) -> InteractionRecord:
            return await press_confirm(standin, stage, presses[i])

        return await windowed(len(presses), window, one), len(presses)

    async def record(standin: BenchStandIn, stage: Stage) -> list[Reply]:
        prepared = await cancel_prompts_setup(standin, stage)
        try:
            found = await press_confirm(standin, stage, prepared.presses.pop(0))
        finally:
            await prepared.teardown()
        return [prepared.reply, Reply(standin, found)]

    return Case("button: watch-party cancel (confirm)", "button", burst, record, setup=cancel_prompts_setup)


def trivia_setup(mode: str) -> Setup:
    async def setup(standin: BenchStandIn, stage: Stage) -> Prepared:
        reply, question = await start_round(stage, {"questions": 1, "mode": mode})

        async def teardown() -> list[Reply]:
            return [await stop_round(stage)]

        return Prepared(question, reply, teardown)

    return setup


async def record_command(command: Command, standin: BenchStandIn, stage: Stage) -> list[Reply]:
    reply = await stage.side.driver.command(
        command.path, command.options(), member=_member(stage, command, 0), force=True
    )
    stage.polls.extend(_poll_ids(reply) if command.path == "watchparty poll" else ())
    return [reply]


async def record_cancel(standin: BenchStandIn, stage: Stage) -> list[Reply]:
    reply = await stage.side.driver.command("watchparty poll", _poll_options(), force=True)
    [poll] = _poll_ids(reply)
    asked = await ask_to_cancel(stage, poll, stage.side.driver.member())
    await confirm_prompts(standin, stage)
    return [asked]


async def record_trivia(standin: BenchStandIn, stage: Stage) -> list[Reply]:
    start, _question = await start_round(stage, {"questions": 1})
    stop = await stop_round(stage)
    return [start, stop]


def cases() -> list[Case]:
    """Every command (as latency.COMMANDS lists them) and every button a member can press repeatedly."""
    found: list[Case] = []
    for command in COMMANDS:
        if command.path in SKIPPED or not command.concurrent:
            continue
        found.append(Case(command.name, "command", command_burst(command), partial(record_command, command)))
        if command.path == "watchparty poll":
            found.append(
                Case("/watchparty cancel poll:<own poll>", "command", cancel_burst, record_cancel,
                     cleanup=confirm_prompts)
            )  # fmt: skip
    found.append(
        Case(
            "/trivia start questions:1, then /trivia stop (pairs)",
            "command",
            trivia_pairs,
            record_trivia,
            1,
            spell=SPELL // 2,
        )
    )
    found += [
        button_case("button: lookup page Next ▶ (/film)", command_setup("film", {}),
                    r"plot:page:film:[^:]+:[pe]:1:.*"),
        button_case("button: trivia answer (A–D)", trivia_setup("buttons"), r"trivia:answer:\d+:0",
                    fresh_members=True),
        button_case("button: trivia Answer (opens the typed-answer form)", trivia_setup("typed"),
                    r"trivia:typed:\d+"),
        button_case("button: watch-party vote (toggles)", poll_setup, r"wp:vote:\d+:0"),
        button_case("button: watch-party voters", poll_setup, r"wp:voters:\d+"),
        button_case("button: watch-party ping me (toggles)", poll_setup, r"wp:ping:\d+"),
        confirm_cancel_case(),
    ]  # fmt: skip
    return found


# --- recording the film bot's answers for the bare bot -----------------------------------------------------


def shape(kind: int | None, data: dict[str, Any] | None) -> tuple[Any, ...]:
    """What must match between the two bots' replies: callback type, ephemerality, embeds, component rows."""
    data = data or {}
    return (
        kind,
        int(data.get("flags") or 0) & 64,
        len(data.get("embeds") or ()),
        len(data.get("components") or ()),
    )


def message_data(message: Message) -> dict[str, Any]:
    return {"content": message.content, "embeds": message.embeds, "components": message.components,
            "flags": message.flags}  # fmt: skip


def answer_of(
    standin: BenchStandIn, reply: Reply, posts: list[Message], edits: list[dict[str, Any]]
) -> dict[str, Any]:
    record = reply.interaction
    original = reply.original if record.callback_type == DEFERRED_MESSAGE else None
    return {
        "type": record.callback_type,
        "data": record.callback_data,
        "original": message_data(original) if original is not None else None,
        "followups": [message_data(m) for m in reply.followups],
        "posts": [standin.first_versions.get(m.id) or message_data(m) for m in posts],
        "edits": edits,
    }


def edits_made(standin: BenchStandIn, since: int) -> dict[int, list[dict[str, Any]]]:
    """The channel-message edits and deletes (not the interaction's own webhook routes) among the requests
    from `since` on, by the interaction they were made for: the last one sent before each request (the
    stand-in sends each interaction only once the bot is idle while recording). Each keeps its JSON body,
    its channel (by name, None for the interaction's own) and how many channel posts the answer made first."""
    starts = sorted((start, record_id) for start, record_id in standin.starts if start >= since)
    found: dict[int, list[dict[str, Any]]] = {}
    posts: dict[int, int] = {}
    for position, request in enumerate(standin.requests[since:], since):
        before = bisect.bisect_right(starts, (position, math.inf)) - 1
        if before < 0:
            continue
        owner = standin.interactions[starts[before][1]]
        if request.method == "POST" and POST_ROUTE.fullmatch(request.path):
            posts[owner.id] = posts.get(owner.id, 0) + 1
        route = MESSAGE_ROUTE.fullmatch(request.path)
        if route is None or request.method not in ("PATCH", "DELETE"):
            continue
        channel_id = int(route.group(1))
        where = standin.world.find_channel(channel_id)
        name = None if channel_id == owner.channel_id or where is None else where[1].name
        found.setdefault(owner.id, []).append(
            {"method": request.method, "channel": name, "after_posts": posts.get(owner.id, 0),
             "json": copy.deepcopy(request.json)}
        )  # fmt: skip
    return found


def posted(standin: BenchStandIn, reply: Reply, replies: list[Reply]) -> list[Message]:
    """Channel messages the bot posted after answering (a trivia question, a poll), before the next reply."""
    record = reply.interaction
    until = min((r.interaction.id for r in replies if r.interaction.id > record.id), default=None)
    related = {record.original_message_id, *record.followup_ids}
    return [
        m for m in standin.channel_messages(record.channel_id)
        if m.id > record.id and (until is None or m.id < until) and m.id not in related
        and m.interaction_id is None and m.author.id == standin.bot_user.id
    ]  # fmt: skip


async def record_answers(standin: BenchStandIn, stage: Stage, found: list[Case]) -> dict[str, dict[str, Any]]:
    """Run each case once on the film bot and keep what it answered, keyed as the bare bot looks them up."""
    answers: dict[str, dict[str, Any]] = {}
    standin.target = stage.side.session
    standin.recording, standin.quiet = True, partial(settle, stage.pid)
    try:
        for case in found:
            since = len(standin.requests)
            replies = await case.record(standin, stage)
            await settle(stage.pid)  # the last interaction's late requests (a redrawn poll) are in
            edits = edits_made(standin, since)
            for reply in replies:
                key = interaction_key(reply.interaction.type, reply.interaction.data)
                posts = posted(standin, reply, replies)
                answers.setdefault(key, answer_of(standin, reply, posts, edits.get(reply.interaction.id, [])))
    finally:
        standin.recording, standin.quiet = False, None
        standin.starts.clear()
    return answers


# --- the rounds ----------------------------------------------------------------------------------------------


async def run_burst(standin: BenchStandIn, stage: Stage, case: Case, n: int, cell: Cell) -> None:
    """One burst of `case` on one bot alone (the profiler's way; the rounds use `run_pair`)."""
    standin.target = stage.side.session
    await _prepare(standin, stage, case, n)
    await settle(stage.pid)
    before = cpu_ns(stage.pid)
    records, count = await case.burst(standin, stage, n, case.window)
    after = await settle(stage.pid)
    await _finish(standin, stage, case, records, count, after - before, cell)


async def run_pair(
    standin: BenchStandIn, pair: tuple[Stage, Stage], case: Case, n: int, cells: tuple[Cell, Cell]
) -> None:
    """One burst of `case` on each of two bots, run at once and taking turns (`Pacer`) of `case.spell`
    units: each bot's CPU clock runs over the same seconds of the machine as the other's. Each bot is in
    its own guild (`BenchStandIn.routes`), so the two bursts never meet."""
    for stage in pair:
        await _prepare(standin, stage, case, n)
    await asyncio.gather(*(settle(stage.pid) for stage in pair))
    pacer = Pacer([stage.name for stage in pair], case.spell)
    before = [cpu_ns(stage.pid) for stage in pair]

    async def paced(stage: Stage) -> tuple[list[InteractionRecord], int]:
        _PACER.set((pacer, stage.name))  # this task's own context: its burst's workers inherit it
        try:
            return await case.burst(standin, stage, n, case.window)
        finally:
            await pacer.finish(stage.name)

    bursts = await asyncio.gather(*(paced(stage) for stage in pair))
    after = await asyncio.gather(*(settle(stage.pid) for stage in pair))
    for stage, (records, count), start, end, cell in zip(pair, bursts, before, after, cells, strict=True):
        await _finish(standin, stage, case, records, count, end - start, cell)


async def _prepare(standin: BenchStandIn, stage: Stage, case: Case, n: int) -> None:
    stage.burst_size = n
    stage.prepared = await case.setup(standin, stage) if case.setup is not None else None


async def _finish(
    standin: BenchStandIn, stage: Stage, case: Case, records: list[InteractionRecord], count: int,
    cpu_used_ns: int, cell: Cell,
) -> None:  # fmt: skip
    """Tear the burst down (outside the clock) and keep what it measured."""
    if stage.prepared is not None:
        await stage.prepared.teardown()
    if case.cleanup is not None:
        await case.cleanup(standin, stage)
    if count:
        cell.cpu_per_round.append(cpu_used_ns / 1e9 / count)
    cell.interactions += count
    for record in records:
        if record.errors or record.callback_type is None:
            cell.errors += 1
        expected = stage.expected.get(interaction_key(record.type, record.data))
        if expected is not None and shape(record.callback_type, record.callback_data) != expected:
            cell.mismatched += 1
        at = standin.callback_at.get(record.id)
        if at is not None:
            cell.latencies.append(at - record.created_at)


async def run_rounds(
    standin: BenchStandIn, bot: Stage, bare: Stage, found: list[Case], rounds: int, n: int,
    progress: Callable[[str], None] = lambda _: None,
    between: Callable[[int], Awaitable[None]] | None = None,
) -> list[CaseResult]:  # fmt: skip
    """Every case, `rounds` times, both bots at once (`run_pair`), alternating which one's burst is set up
    and started first; `n` interactions per burst. `between(number)` runs before each round but the first
    (the run restarts both bots there every few rounds)."""
    results = [CaseResult(case.name, case.kind) for case in found]
    for number in range(rounds):
        if between is not None and number:
            await between(number)
        started = time.perf_counter()
        for case, result in zip(found, results, strict=True):
            size = max(1, n // 2) if case.burst is trivia_pairs else n
            if number % 2 == 0:
                await run_pair(standin, (bot, bare), case, size, (result.bot, result.bare))
            else:
                await run_pair(standin, (bare, bot), case, size, (result.bare, result.bot))
        progress(f"round {number + 1}/{rounds} in {time.perf_counter() - started:.0f} s")
    return results


def fresh_members(
    standin: BenchStandIn, stage_guild: Any, prefix: str
) -> Callable[[int], Awaitable[list[Member]]]:
    counter = itertools.count()

    async def make(count: int) -> list[Member]:
        return await standin.add_members(count, guild=stage_guild, prefix=f"{prefix}{next(counter)}x")

    return make
