"""The change log's wording: each change is worded once, and afresh when what words it changes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from discord import app_commands

from bot.storage.config import ConfigChange
from cogs.config import Config


def _cog() -> tuple[Config, list[Any]]:
    bot = SimpleNamespace(films=SimpleNamespace(films={}, default_key="rush"))
    cog = Config(bot)  # type: ignore[arg-type]
    worded: list[Any] = []
    cog._describers["volume"] = lambda value: worded.append(value) or f"{value} dB"
    return cog, worded


def test_a_change_is_worded_once_until_a_feature_attaches_or_the_films_reload() -> None:
    cog, worded = _cog()
    change = ConfigChange(3, 42, "volume", 1, 2, 1_700_000_000.0)
    line = cog.change_line(change)
    assert line == "<t:1700000000:R> <@42> volume: 1 dB → 2 dB" and worded == [1, 2]
    assert cog.change_line(change) == line and worded == [1, 2]
    other = ConfigChange(4, 42, "volume", 2, 3, 1_700_000_001.0)
    assert cog.change_line(other).endswith("2 dB → 3 dB") and worded == [1, 2, 2, 3]
    group = app_commands.Group(name="sound", description="Sound settings")
    cog.attach(group, describers={"volume": lambda value: f"level {value}"})  # a feature's own wording
    assert cog.change_line(change).endswith("level 1 → level 2")
    cog._describers["volume"] = lambda value: f"step {value}"
    assert cog.change_line(change).endswith("level 1 → level 2")  # still the line worded before
    cog.bot.films = SimpleNamespace(films={}, default_key="rush")  # the films were reloaded
    assert cog.change_line(change).endswith("step 1 → step 2")
