"""Whole-bot checks: every cog loads, no command name is used twice, the tree fits Discord's limits."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.bot import GC_THRESHOLDS, FilmClubBot, extension_names
from bot.components import RoutedButton, RoutedModal
from bot.films import load_library
from bot.settings import DEFAULT_FILMS_DIR, Settings
from bot.standin.limits import check_commands
from bot.storage import Database

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture
async def loaded_bot(tmp_path: Path) -> AsyncIterator[FilmClubBot]:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "bot.db")})
    async with Database(settings.database_path) as db:
        bot = FilmClubBot(settings, db, load_library(DEFAULT_FILMS_DIR))
        for name in extension_names():
            await bot.load_extension(name)
        yield bot
        for name in list(bot.extensions):
            await bot.unload_extension(name)
        await bot.scheduler.stop()


def _payload(bot: FilmClubBot) -> list[dict[str, Any]]:
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


def _leaf_names(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group, prefix: str = ""
) -> list[str]:
    name = f"{prefix}{command.name}"
    if isinstance(command, app_commands.Group):
        return [leaf for child in command.commands for leaf in _leaf_names(child, f"{name} ")]
    return [name]


async def test_every_cog_loads(loaded_bot: FilmClubBot) -> None:
    names = extension_names()
    assert {"cogs.config", "cogs.meta"} <= set(names)
    assert set(loaded_bot.extensions) == set(names)
    assert len(loaded_bot.cogs) >= len(names)


async def test_no_command_name_is_used_twice(loaded_bot: FilmClubBot) -> None:
    top = [command.name for command in loaded_bot.tree.get_commands()]
    assert len(top) == len(set(top))
    leaves = [leaf for command in loaded_bot.tree.get_commands() for leaf in _leaf_names(command)]
    assert len(leaves) == len(set(leaves))


async def test_tree_fits_discord_limits(loaded_bot: FilmClubBot) -> None:
    assert check_commands(_payload(loaded_bot)) == []


README = Path(__file__).resolve().parents[2] / "README.md"


async def test_every_command_is_in_the_readme(loaded_bot: FilmClubBot) -> None:
    readme = README.read_text(encoding="utf-8")
    for command in loaded_bot.tree.get_commands():
        assert f"/{command.name}" in readme, f"/{command.name} is missing from README's command table"


async def test_tree_hash_is_stable_and_sensitive(loaded_bot: FilmClubBot) -> None:
    first = loaded_bot.command_tree_hash()
    assert loaded_bot.command_tree_hash() == first

    @app_commands.command(name="extra-probe", description="probe")
    async def probe(interaction: Any) -> None:  # pragma: no cover - never invoked
        pass

    loaded_bot.tree.add_command(probe)
    assert loaded_bot.command_tree_hash() != first


def test_a_bot_on_sqlite_never_imports_the_postgresql_driver() -> None:
    """asyncpg costs start-up time; only a DATABASE_URL brings it in (bot/storage/postgres.py)."""
    code = (
        "import sys\n"
        "import bot.__main__\n"
        "from bot.bot import extension_names\n"
        "for name in extension_names():\n"
        "    __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'asyncpg'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def _button_classes(cls: type[Any]) -> set[type[Any]]:
    found = set()
    for sub in cls.__subclasses__():
        if sub.__module__.startswith(("bot.", "cogs.")):
            found.add(sub)
        found |= _button_classes(sub)
    return found


async def test_every_button_and_form_class_is_routed_once_its_cog_loads(loaded_bot: FilmClubBot) -> None:
    # by name: loading an extension imports its module afresh, so a class may exist twice
    defined = {f"{cls.__module__}.{cls.__qualname__}" for cls in _button_classes(RoutedButton)}
    forms = {f"{cls.__module__}.{cls.__qualname__}" for cls in _button_classes(RoutedModal)}
    routed = {f"{cls.__module__}.{cls.__qualname__}" for cls in loaded_bot.buttons}
    assert len(defined) >= 13 and len(forms) >= 1
    missing = (defined | forms) - routed
    assert not missing, f"buttons and forms no cog routes (they would go unanswered): {missing}"
    plain_forms = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _button_classes(discord.ui.Modal)
        if not issubclass(cls, RoutedModal)
    }
    assert not plain_forms, f"forms discord.py must keep to answer (lost at a restart): {plain_forms}"


def _schema(payload: Any) -> Any:
    """What discord.py parses an interaction against: names, types, options, choices, autocomplete."""
    kept = ("name", "type", "options", "required", "choices", "autocomplete", "channel_types", "value")
    if isinstance(payload, dict):
        return {k: _schema(v) for k, v in payload.items() if k in kept}
    if isinstance(payload, list):
        return [_schema(item) for item in payload]
    return payload


async def test_the_benchmark_baseline_parses_commands_against_the_same_tree(loaded_bot: FilmClubBot) -> None:
    """The bare bot of benchmarks/ registers the film bot's synced commands on discord.py's own tree, so
    both bots' commands are parsed and routed alike (see benchmarks/bare.py)."""
    from benchmarks.bare import Bare

    synced = _payload(loaded_bot)
    bare = Bare({}, json.loads(json.dumps(synced)))
    theirs = sorted(
        json.dumps(_schema(c.to_dict(bare.tree)), sort_keys=True) for c in bare.tree.get_commands()
    )
    ours = sorted(json.dumps(_schema(c), sort_keys=True) for c in synced)
    assert theirs == ours


async def test_what_start_up_built_is_frozen_once_the_gateway_is_first_ready(loaded_bot: FilmClubBot) -> None:
    film = loaded_bot.films.get("rush")
    assert gc.get_freeze_count() == 0 and gc.is_tracked(film.beats)
    thresholds = gc.get_threshold()
    try:
        await loaded_bot.on_ready()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] > thresholds[0]
        survivors = gc.get_objects()  # what a full collection walks: not the film pack any more
        assert not any(obj is film.beats for obj in survivors)
        await loaded_bot.on_ready()  # a later READY (a new session) freezes nothing more
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
