"""Storage for watch parties: polls, their slots, one row per vote, and mention opt-ins.

A poll moves open → (closed | tied | scheduled), tied → (scheduled | closed), and any live state →
cancelled. Every change of state is a compare-and-set inside one transaction, so two closers can't both win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage import Database, Transaction

OPEN = "open"
TIED = "tied"
SCHEDULED = "scheduled"
CLOSED = "closed"
CANCELLED = "cancelled"
LIVE_STATES = (OPEN, TIED, SCHEDULED)


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


class WatchPartyStore:
    """SQL for the watchparty cog."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewPoll, close_kind: str, close_key: Callable[[int], str]) -> Poll:
        """Store a poll, its slots and its closing job (keyed by the new poll's id) in one transaction."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO wp_polls (guild_id, channel_id, creator_id, title, voice_channel_id, place, "
                "closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (new.guild_id, new.channel_id, new.creator_id, new.title, new.voice_channel_id, new.place,
                 new.closes_at.timestamp(), new.created_at.timestamp()),
            )  # fmt: skip
            assert row is not None
            poll_id = int(row["id"])
            await tx.executemany(
                "INSERT INTO wp_slots (poll_id, slot, starts_at, label) VALUES (?, ?, ?, ?)",
                [(poll_id, index, at.timestamp(), label) for index, (at, label) in enumerate(new.slots)],
            )
            await self._db.jobs.add_in(
                tx,
                close_kind,
                close_key(poll_id),
                new.closes_at,
                guild_id=new.guild_id,
                payload={"poll": poll_id},
            )
        poll = await self.get(poll_id)
        assert poll is not None
        return poll

    async def delete(self, poll_id: int) -> None:
        """Forget a poll entirely (used when its message could not be posted)."""
        await self._db.execute("DELETE FROM wp_polls WHERE id = ?", (poll_id,))

    async def set_message(self, poll_id: int, message_id: int) -> None:
        await self._db.execute("UPDATE wp_polls SET message_id = ? WHERE id = ?", (message_id, poll_id))

    async def get(self, poll_id: int) -> Poll | None:
        """A poll with its slots, or None."""
        row = await self._db.fetchone("SELECT * FROM wp_polls WHERE id = ?", (poll_id,))
        if row is None:
            return None
        slots = await self._db.fetchall(
            "SELECT slot, starts_at, label FROM wp_slots WHERE poll_id = ? ORDER BY slot", (poll_id,)
        )
        return _poll(row, slots)

    async def live(self, guild_id: int) -> list[Poll]:
        """Open, tied and scheduled polls in a server, oldest first (two queries, however many polls)."""
        rows = await self._db.fetchall(
            "SELECT * FROM wp_polls WHERE guild_id = ? AND state IN (?, ?, ?) ORDER BY id",
            (guild_id, *LIVE_STATES),
        )
        slot_rows = await self._db.fetchall(
            "SELECT s.poll_id, s.slot, s.starts_at, s.label FROM wp_slots s JOIN wp_polls p ON p.id = s.poll_id "
            "WHERE p.guild_id = ? AND p.state IN (?, ?, ?) ORDER BY s.poll_id, s.slot",
            (guild_id, *LIVE_STATES),
        )
        slots: dict[int, list[Any]] = {}
        for slot in slot_rows:
            slots.setdefault(int(slot["poll_id"]), []).append(slot)
        return [_poll(row, slots.get(int(row["id"]), [])) for row in rows]

    async def toggle_vote(self, poll_id: int, slot: int, user_id: int, now: datetime) -> VoteResult | None:
        """Approve a slot, or withdraw an approval, in one transaction; None when the poll isn't open."""
        async with self._db.transaction() as tx:
            if not await _is_open_slot(tx, poll_id, slot):
                return None
            withdrew = (
                await tx.execute(
                    "DELETE FROM wp_votes WHERE poll_id = ? AND slot = ? AND user_id = ?",
                    (poll_id, slot, user_id),
                )
                > 0
            )
            if not withdrew:
                await tx.execute(
                    "INSERT INTO wp_votes (poll_id, slot, user_id, voted_at) VALUES (?, ?, ?, ?)",
                    (poll_id, slot, user_id, now.timestamp()),
                )
            counts = await _counts(tx, poll_id)
        return VoteResult(not withdrew, counts)

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
        async with self._db.transaction() as tx:
            if (
                await tx.execute("DELETE FROM wp_pings WHERE poll_id = ? AND user_id = ?", (poll_id, user_id))
                > 0
            ):
                return False
            await tx.execute("INSERT INTO wp_pings (poll_id, user_id) VALUES (?, ?)", (poll_id, user_id))
        return True

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
        state = SCHEDULED if slot is not None else CLOSED
        changed = await self._db.execute(
            "UPDATE wp_polls SET state = ?, winner_slot = ? WHERE id = ? AND state = ?",
            (state, slot, poll_id, TIED),
        )
        return changed > 0

    async def cancel(self, poll_id: int) -> bool:
        """Cancel a live poll or party; False when it had already ended."""
        changed = await self._db.execute(
            "UPDATE wp_polls SET state = ? WHERE id = ? AND state IN (?, ?, ?)",
            (CANCELLED, poll_id, *LIVE_STATES),
        )
        return changed > 0

    async def set_event(self, poll_id: int, event_id: int) -> None:
        await self._db.execute("UPDATE wp_polls SET event_id = ? WHERE id = ?", (event_id, poll_id))

    async def set_announced(self, poll_id: int, state: str) -> None:
        """Record that the channel has been told about this state."""
        await self._db.execute("UPDATE wp_polls SET announced = ? WHERE id = ?", (state, poll_id))


async def _is_open_slot(tx: Transaction, poll_id: int, slot: int) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM wp_polls p JOIN wp_slots s ON s.poll_id = p.id "
        "WHERE p.id = ? AND s.slot = ? AND p.state = ?",
        (poll_id, slot, OPEN),
    )
    return row is not None


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
