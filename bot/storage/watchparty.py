"""Storage for watch parties: polls, their slots, one row per vote, and mention opt-ins.

A poll moves open → (closed | tied | scheduled), tied → (scheduled | closed), and any live state →
cancelled. Every change of state is a compare-and-set inside one transaction, so two closers can't both win.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.bounded import remember
from bot.storage.jobs import JobStore

if TYPE_CHECKING:
    from bot.storage import Atomic, Database, Step, Transaction

OPEN = "open"
TIED = "tied"
SCHEDULED = "scheduled"
CLOSED = "closed"
CANCELLED = "cancelled"
LIVE_STATES = (OPEN, TIED, SCHEDULED)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slot:
    """A candidate time: its position in the poll, the instant, and what the member typed."""

    index: int
    starts_at: datetime
    label: str


@dataclass(frozen=True, slots=True)
class NewPoll:
    """Everything needed to store a poll (slots in time order)."""

    guild_id: int
    channel_id: int
    creator_id: int
    title: str
    voice_channel_id: int | None
    place: str | None
    closes_at: datetime
    slots: tuple[tuple[datetime, str], ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Poll:
    """A stored poll and its slots."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    creator_id: int
    title: str
    voice_channel_id: int | None
    place: str | None
    closes_at: datetime
    state: str
    winner_slot: int | None
    tie_due_at: datetime | None
    event_id: int | None
    announced: str | None
    slots: tuple[Slot, ...]

    @property
    def winner(self) -> Slot | None:
        return self.slots[self.winner_slot] if self.winner_slot is not None else None


@dataclass(frozen=True, slots=True)
class Decision:
    """What closing a poll decided: the new state, the winning slot, and when a tie falls back."""

    state: str
    winner_slot: int | None = None
    tie_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VoteResult:
    """After a toggle: whether the member now approves the slot, and every slot's count."""

    voted: bool
    counts: list[int]


Decider = Callable[[Poll, list[int]], Decision]


POLL_CACHE_LIMIT = 5000
LIVE_CACHE_LIMIT = 1000  # servers whose list of live polls is kept
POLL_IDS = "wp_poll_ids"  # the counter of poll ids handed out in blocks
POLL_IDS_PER_BLOCK = 16


class WatchPartyStore:
    """SQL for the watchparty cog.

    Every button click on a poll reads the poll, and a poll changes only through this store's own
    writes, so polls are cached by id; each write drops the poll's entry (and a read that overlapped a
    write is not kept). Votes are not part of `Poll`, so voting leaves the cache alone.

    Each server's live polls (`/watchparty list`, and the cancel command's autocomplete on every keystroke)
    are kept too, until any poll is written: a new poll, a message recorded, a close, a cancel.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._polls: dict[int, Poll] = {}
        self._writes: dict[int, int] = {}  # poll id -> writes started, to spot reads that overlapped one
        self._live: dict[int, tuple[Poll, ...]] = {}  # guild id -> its live polls, oldest first
        self._live_writes = 0  # poll writes started and finished, in any server
        self._next_id, self._last_id = 1, 0  # the ids reserved and not yet used (none: next > last)
        self._id_lock = asyncio.Lock()

    @contextmanager
    def _changing(self, poll_id: int | None) -> Iterator[None]:
        """Around a write to a poll (None: a poll being added): the cached poll and every list of live polls
        are dropped, and reads overlapping the write are not cached. (Every poll write drops every list:
        polls are written far less often than listed.)"""
        self._step_write(poll_id)
        try:
            yield
        finally:
            self._step_write(poll_id)

    def _step_write(self, poll_id: int | None) -> None:
        if poll_id is not None:
            self._polls.pop(poll_id, None)
            self._writes[poll_id] = self._writes.get(poll_id, 0) + 1
        self._live.clear()
        self._live_writes += 1

    async def reserve_id(self) -> int:
        """A new poll's id, taken before its message is posted (the message shows it and its buttons carry it).

        Ids come from the database in blocks of `POLL_IDS_PER_BLOCK`, so most polls cost no write of their
        own here; several processes each take their own blocks. A clean shutdown gives the unused rest of the
        block back (`release_ids`); a crash leaves a gap in the numbers, as a poll that was never posted does.
        """
        if self._next_id > self._last_id:
            async with self._id_lock:
                if self._next_id > self._last_id:
                    last = await self._db.atomic(_take_id_block)
                    self._next_id, self._last_id = last - POLL_IDS_PER_BLOCK + 1, last
        poll_id = self._next_id
        self._next_id += 1
        return poll_id

    async def release_ids(self) -> None:
        """Give back the reserved ids no poll has used, unless another process has taken a block since."""
        if self._next_id > self._last_id:
            return
        unused_from, last = self._next_id, self._last_id
        self._next_id, self._last_id = 1, 0
        await self._db.execute(
            "UPDATE counters SET value = ? WHERE name = ? AND value = ?", (unused_from - 1, POLL_IDS, last)
        )

    @staticmethod
    def draft(new: NewPoll, poll_id: int, message_id: int | None = None) -> Poll:
        """The poll as it will be stored under a reserved id (before its message exists, or with it): its
        times as a read gives them back, the rest as the schema's defaults leave it."""
        return Poll(
            id=poll_id, guild_id=new.guild_id, channel_id=new.channel_id, message_id=message_id,
            creator_id=new.creator_id, title=new.title, voice_channel_id=new.voice_channel_id, place=new.place,
            closes_at=_dt(new.closes_at.timestamp()), state=OPEN, winner_slot=None, tie_due_at=None,
            event_id=None, announced=None,
            slots=tuple(Slot(index, _dt(at.timestamp()), label) for index, (at, label) in enumerate(new.slots)),
        )  # fmt: skip

    async def create(
        self,
        new: NewPoll,
        close_kind: str,
        close_key: Callable[[int], str],
        *,
        poll_id: int | None = None,
        message_id: int | None = None,
    ) -> Poll:
        """Store a poll (under `poll_id`, reserved before its message was posted, or under a fresh id), its
        message, its slots and its closing job: one transaction, one hand-off. The stored poll, as `draft`
        draws it, is cached."""
        poll = self.draft(new, await self.reserve_id() if poll_id is None else poll_id, message_id)

        def store(tx: Atomic) -> None:
            tx.execute(
                "INSERT INTO wp_polls (id, guild_id, channel_id, message_id, creator_id, title, "
                "voice_channel_id, place, closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (poll.id, poll.guild_id, poll.channel_id, poll.message_id, poll.creator_id, poll.title,
                 poll.voice_channel_id, poll.place, poll.closes_at.timestamp(), new.created_at.timestamp()),
            )  # fmt: skip
            for slot in poll.slots:
                tx.execute(
                    "INSERT INTO wp_slots (poll_id, slot, starts_at, label) VALUES (?, ?, ?, ?)",
                    (poll.id, slot.index, slot.starts_at.timestamp(), slot.label),
                )
            tx.execute(
                *JobStore.insert(
                    close_kind,
                    close_key(poll.id),
                    new.closes_at,
                    guild_id=poll.guild_id,
                    payload={"poll": poll.id},
                )
            )

        with self._changing(poll.id):
            await self._db.atomic(store)
        self._remember(poll)
        return poll

    async def _updating(
        self, poll_id: int, write: Callable[[], Awaitable[T]], update: Callable[[Poll, T], Poll | None]
    ) -> T:
        """Run a write to one poll. A cached poll stays cached, as `update` says the write changed it (None:
        drop it), unless another write to the poll overlapped this one."""
        before = self._polls.get(poll_id)
        with self._changing(poll_id):
            started = self._writes[poll_id]
            result = await write()
        after = (
            update(before, result) if before is not None and self._writes[poll_id] == started + 1 else None
        )
        if after is not None:
            self._remember(after)
        return result

    async def get(self, poll_id: int) -> Poll | None:
        """A poll with its slots, or None."""
        cached = self._polls.get(poll_id)
        if cached is not None:
            return cached
        writes = self._writes.get(poll_id, 0)
        row = await self._db.fetchone("SELECT * FROM wp_polls WHERE id = ?", (poll_id,))
        if row is None:
            return None
        slots = await self._db.fetchall(
            "SELECT slot, starts_at, label FROM wp_slots WHERE poll_id = ? ORDER BY slot", (poll_id,)
        )
        poll = _poll(row, slots)
        if self._writes.get(poll_id, 0) == writes:
            self._remember(poll)
        return poll

    def _remember(self, poll: Poll) -> None:
        remember(self._polls, poll.id, poll, POLL_CACHE_LIMIT)

    async def live(self, guild_id: int) -> list[Poll]:
        """Open, tied and scheduled polls in a server, oldest first (one query, however many polls; none
        while no poll was written since the last)."""
        cached = self._live.get(guild_id)
        if cached is not None:
            return list(cached)
        writes = self._live_writes
        rows = await self._db.fetchall(
            "SELECT p.*, s.slot AS s_slot, s.starts_at AS s_starts_at, s.label AS s_label FROM wp_polls p "
            "LEFT JOIN wp_slots s ON s.poll_id = p.id "
            "WHERE p.guild_id = ? AND p.state IN (?, ?, ?) ORDER BY p.id, s.slot",
            (guild_id, *LIVE_STATES),
        )  # one query: each poll's row repeats once per slot
        polls: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        for row in rows:
            _, slots = polls.setdefault(int(row["id"]), (row, []))
            if row["s_slot"] is not None:
                slots.append(
                    {"slot": row["s_slot"], "starts_at": row["s_starts_at"], "label": row["s_label"]}
                )
        found = tuple(_poll(row, slots) for row, slots in polls.values())
        if self._live_writes == writes:  # no poll was written while this was read
            remember(self._live, guild_id, found, LIVE_CACHE_LIMIT)
        return list(found)

    async def toggle_vote(self, poll_id: int, slot: int, user_id: int, now: datetime) -> VoteResult | None:
        """Approve a slot, or withdraw an approval, in one transaction; None when the poll isn't open."""

        def toggle(tx: Atomic) -> VoteResult | None:
            if tx.fetchone(_OPEN_SLOT, (poll_id, slot, OPEN)) is None:
                return None
            key = (poll_id, slot, user_id)
            withdrew = (
                tx.execute("DELETE FROM wp_votes WHERE poll_id = ? AND slot = ? AND user_id = ?", key) > 0
            )
            if not withdrew:
                tx.execute(
                    "INSERT INTO wp_votes (poll_id, slot, user_id, voted_at) VALUES (?, ?, ?, ?)",
                    (*key, now.timestamp()),
                )
            return VoteResult(not withdrew, [int(row["n"]) for row in tx.fetchall(_COUNTS, (poll_id,))])

        return await self._db.atomic(toggle)

    async def counts(self, poll_id: int) -> list[int]:
        """Votes per slot, in slot order."""
        return [int(row["n"]) for row in await self._db.fetchall(_COUNTS, (poll_id,))]

    async def voters(self, poll_id: int) -> dict[int, list[int]]:
        """Voter ids per slot, earliest vote first."""
        rows = await self._db.fetchall(
            "SELECT slot, user_id FROM wp_votes WHERE poll_id = ? ORDER BY voted_at, user_id", (poll_id,)
        )
        found: dict[int, list[int]] = {}
        for row in rows:
            found.setdefault(int(row["slot"]), []).append(int(row["user_id"]))
        return found

    async def toggle_ping(self, poll_id: int, user_id: int) -> bool:
        """Opt in to (or out of) being mentioned when the party is set; returns whether now opted in."""

        def toggle(tx: Atomic) -> bool:
            if tx.execute("DELETE FROM wp_pings WHERE poll_id = ? AND user_id = ?", (poll_id, user_id)) > 0:
                return False
            tx.execute("INSERT INTO wp_pings (poll_id, user_id) VALUES (?, ?)", (poll_id, user_id))
            return True

        return await self._db.atomic(toggle)

    async def opted_in_voters(self, poll_id: int, slot: int) -> list[int]:
        """Voters for a slot who opted in to being mentioned, earliest vote first."""
        rows = await self._db.fetchall(
            "SELECT v.user_id FROM wp_votes v "
            "JOIN wp_pings p ON p.poll_id = v.poll_id AND p.user_id = v.user_id "
            "WHERE v.poll_id = ? AND v.slot = ? ORDER BY v.voted_at, v.user_id",
            (poll_id, slot),
        )
        return [int(row["user_id"]) for row in rows]

    async def close_voting(self, poll_id: int, now: datetime, decide: Decider) -> Poll | None:
        """Stop voting and record the decision atomically; None when the poll was not open."""
        poll = await self.get(poll_id)
        if poll is None or poll.state != OPEN:
            return None
        with self._changing(poll_id):
            async with self._db.transaction() as tx:
                counts = await _counts(tx, poll_id)
                decision = decide(poll, counts)
                changed = await tx.execute(
                    "UPDATE wp_polls SET state = ?, winner_slot = ?, tie_due_at = ?, closed_at = ? "
                    "WHERE id = ? AND state = ?",
                    (
                        decision.state,
                        decision.winner_slot,
                        _ts(decision.tie_due_at),
                        now.timestamp(),
                        poll_id,
                        OPEN,
                    ),
                )
                if changed == 0:
                    return None
            return await self.get(poll_id)

    async def settle_tie(self, poll_id: int, slot: int | None) -> bool:
        """Pick a tied poll's winner (or close it with none); False when it was no longer tied."""
        with self._changing(poll_id):
            state = SCHEDULED if slot is not None else CLOSED
            changed = await self._db.execute(
                "UPDATE wp_polls SET state = ?, winner_slot = ? WHERE id = ? AND state = ?",
                (state, slot, poll_id, TIED),
            )
            return changed > 0

    async def cancel(self, poll_id: int, expected: str, then: Sequence[Step] = ()) -> bool:
        """Cancel a poll or party that is still in the live state `expected` (compare-and-set).

        False when it had ended or moved on since (closed into a party, say), so a confirmation pressed
        twice, or after the poll changed, cancels nothing more. `then` are other stores' writes that go
        with the cancel (dropping its jobs, auditing it), in the same transaction.
        """
        if expected not in LIVE_STATES:
            return False

        def change(tx: Atomic) -> bool:
            sql = "UPDATE wp_polls SET state = ? WHERE id = ? AND state = ?"
            if tx.execute(sql, (CANCELLED, poll_id, expected)) == 0:
                return False
            for step in then:  # the poll's jobs and the audit row: saved with the cancel, or not at all
                step(tx)
            return True

        def cancelled(poll: Poll, done: bool) -> Poll | None:  # the cached poll as the cancel left it
            if done:
                return replace(poll, state=CANCELLED) if poll.state == expected else None
            return poll if poll.state != expected else None  # refused: it had moved on, as cached or not

        return await self._updating(poll_id, lambda: self._db.atomic(change), cancelled)

    async def set_event(self, poll_id: int, event_id: int) -> None:
        sql, params = "UPDATE wp_polls SET event_id = ? WHERE id = ?", (event_id, poll_id)
        await self._updating(
            poll_id, lambda: self._db.execute(sql, params), lambda p, _: replace(p, event_id=event_id)
        )

    async def set_announced(self, poll_id: int, state: str) -> None:
        """Record that the channel has been told about this state."""
        sql, params = "UPDATE wp_polls SET announced = ? WHERE id = ?", (state, poll_id)
        await self._updating(
            poll_id, lambda: self._db.execute(sql, params), lambda p, _: replace(p, announced=state)
        )


_OPEN_SLOT = "SELECT 1 FROM wp_polls p JOIN wp_slots s ON s.poll_id = p.id WHERE p.id = ? AND s.slot = ? AND p.state = ?"

_COUNTS = (
    "SELECT s.slot, COUNT(v.user_id) AS n FROM wp_slots s "
    "LEFT JOIN wp_votes v ON v.poll_id = s.poll_id AND v.slot = s.slot "
    "WHERE s.poll_id = ? GROUP BY s.slot ORDER BY s.slot"
)


async def _counts(tx: Transaction, poll_id: int) -> list[int]:
    return [int(row["n"]) for row in await tx.fetchall(_COUNTS, (poll_id,))]


def _poll(row: Any, slots: Sequence[Any]) -> Poll:
    return Poll(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        message_id=row["message_id"],
        creator_id=int(row["creator_id"]),
        title=str(row["title"]),
        voice_channel_id=row["voice_channel_id"],
        place=row["place"],
        closes_at=_dt(row["closes_at"]),
        state=str(row["state"]),
        winner_slot=row["winner_slot"],
        tie_due_at=_dt(row["tie_due_at"]) if row["tie_due_at"] is not None else None,
        event_id=row["event_id"],
        announced=row["announced"],
        slots=tuple(Slot(int(s["slot"]), _dt(s["starts_at"]), str(s["label"])) for s in slots),
    )


def _dt(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _ts(when: datetime | None) -> float | None:
    return when.timestamp() if when is not None else None


def _take_id_block(tx: Atomic) -> int:
    """Reserve the next block of poll ids; returns its last id. The first block starts above every stored
    poll (a database made before ids were reserved has polls but no counter yet)."""
    row = tx.fetchone(
        "INSERT INTO counters (name, value) VALUES (?, (SELECT COALESCE(MAX(id), 0) FROM wp_polls) + ?) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + ? RETURNING value",
        (POLL_IDS, POLL_IDS_PER_BLOCK, POLL_IDS_PER_BLOCK),
    )
    assert row is not None
    return int(row[0])
