"""Group commit: concurrent writes of one kind share a transaction and a hand-off to the database.

A burst of trivia clicks is hundreds of one-row inserts at once. Each alone costs a hand-off to the database
thread and a commit; written together they cost one of each. Nothing waits for company: the first write
starts a batch at once, and whatever arrives while that batch is being written goes in the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage import Database

MAX_BATCH = 500  # statements per transaction at most


class WriteCoalescer:
    """`execute` a write statement; statements that arrive together are written in one transaction.

    Each caller gets its own statement's row count. If the transaction fails, every statement in it was
    rolled back and every caller gets the error: nothing is half-saved.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[str, tuple[Any, ...], asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((sql, tuple(params), done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="write-coalescer")
        return await done

    async def _write_all(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    counts = await self._db.batch([(sql, params) for sql, params, _ in batch])
                except BaseException as error:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for (_, _, done), count in zip(batch, counts, strict=True):
                    if not done.done():
                        done.set_result(count)
        finally:
            self._writer = None
