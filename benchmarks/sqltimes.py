"""The film bot with the CPU time of each SQL statement counted: `python benchmarks/sqltimes.py`.

For `python -m benchmarks.profile --sql`. Every sqlite3 connection the bot opens (the loop's own and
aiosqlite's) is made with a `Connection` whose `execute` adds the calling thread's CPU time to its
statement's total, so the figures are SQLite's own work (and the sqlite3 module's), wherever it runs.
Counting starts on SIGUSR1; SIGUSR2 stops it and writes the totals to the file SQL_TIMES names, as JSON:
{statement: [calls, thread CPU seconds]}. Each call's figure includes about a microsecond of reading the
thread's clock. Same contract as `python -m bot` otherwise.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # this folder's modules (profile.py…) must not shadow the standard library's

TOTALS: dict[str, list[float]] = {}
COUNTING = False


class TimedConnection(sqlite3.Connection):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if not COUNTING:
            return super().execute(sql, parameters)
        started = time.thread_time()
        try:
            return super().execute(sql, parameters)
        finally:
            spent = time.thread_time() - started
            entry = TOTALS.setdefault(sql, [0, 0.0])
            entry[0] += 1
            entry[1] += spent


_plain_connect = sqlite3.connect


def _connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    kwargs.setdefault("factory", TimedConnection)
    return _plain_connect(*args, **kwargs)


def _start(*_: object) -> None:
    global COUNTING
    TOTALS.clear()
    COUNTING = True


def _stop(*_: object) -> None:
    global COUNTING
    COUNTING = False
    Path(os.environ["SQL_TIMES"]).write_text(json.dumps(TOTALS), encoding="utf-8")


if __name__ == "__main__":
    sqlite3.connect = _connect  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    sys.argv[0] = "bot"
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
