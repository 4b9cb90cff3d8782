"""Reads kept in memory until this process writes anything: for reads that pages show again and again
(`/config show`'s history and next jobs) whose rows any of several stores' writes may change.

Tracking which write touches which row would need every writer (a setting's audit step run in another
store's transaction, a job claim) to say what it changed. Instead the database counts its write units: the
count goes up when one begins and again when it ends, so a read is kept only while the count stands still.
A read that overlapped a write in any way is used once and not kept.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from bot.bounded import remember

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Another process's writes don't move this process's count: an entry is read again after this long (the
# settings cache's bound; see `bot.storage.config.CHECK_INTERVAL`).
TTL = 0.5
KEPT = 4096  # entries per cache (one per server that looked lately)


class WriteCount:
    """This process's write units: up by one when one begins, and by one more when it ends.

    `with count.writing():` brackets one unit. It is a plain context manager rather than a generator one:
    every write of every store passes through it."""

    def __init__(self) -> None:
        self.generation = 0
        self.open = 0

    def writing(self) -> WriteCount:
        return self

    def __enter__(self) -> None:
        self.generation += 1
        self.open += 1

    def __exit__(self, *exc_info: object) -> None:
        self.open -= 1
        self.generation += 1


class ReadCache(Generic[K, V]):
    """Values read for a key, served again while no write began or ended since, for at most `ttl` s."""

    def __init__(
        self,
        writes: WriteCount,
        *,
        ttl: float = TTL,
        limit: int = KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._writes = writes
        self._ttl = ttl
        self._limit = limit
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._generation = -1

    async def get(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        writes = self._writes
        generation = writes.generation
        if generation != self._generation:  # something was written: every entry may be stale
            self._entries.clear()
            self._generation = generation
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        quiet = writes.open == 0  # a read taken while a write is open may or may not see it
        value = await read()
        if quiet and writes.generation == generation:
            remember(self._entries, key, (now, value), self._limit)
        return value
