"""Whether the database answers, and the last outage: shown to moderators by `/config show`."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class Health:
    """Updated by the backend on every connection failure and every answer after one."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.last_error = ""
        self.last_outage: tuple[float, float] | None = None  # (start, end) of the latest outage that ended

    def failed(self, error: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.time()
            log.error("Database unreachable: %s", error)
        self.last_error = f"{type(error).__name__}: {error}"[:200]

    def answered(self) -> None:
        if self.down_since is not None:
            self.last_outage = (self.down_since, time.time())
            log.warning("Database reachable again after %.1f s", self.last_outage[1] - self.down_since)
            self.down_since = None


def describe(health: Health, now: float | None = None) -> str | None:
    """One line for moderators about a current or recent outage (the last day); None when all is well."""
    now = time.time() if now is None else now
    if health.down_since is not None:
        return f"unreachable since <t:{int(health.down_since)}:R>; retrying ({health.last_error})"
    if health.last_outage is not None and now - health.last_outage[1] < 86_400:
        start, end = health.last_outage
        return (
            f"was unreachable for {end - start:.0f} s from <t:{int(start)}:T>; reconnected <t:{int(end)}:R>"
        )
    return None
