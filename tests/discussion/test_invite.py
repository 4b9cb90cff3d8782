"""The rooms' permissions: asked for by the invite link, named in the README, checked by the same list."""

from __future__ import annotations

from pathlib import Path

import discord

from bot.bot import PERMISSIONS
from cogs.discussion._rooms import NEEDED, missing_permissions, missing_text

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_invite_link_asks_for_everything_the_rooms_need() -> None:
    for flag, name in NEEDED:
        assert getattr(PERMISSIONS, flag), f"the invite link lacks {name}"


def test_the_readme_names_every_permission_the_rooms_need() -> None:
    readme = README.read_text(encoding="utf-8")
    for _, name in NEEDED:
        assert f"**{name}**" in readme or f"**{name}s**" in readme, name


def test_missing_permissions_are_named_in_discords_words() -> None:
    everything = discord.Permissions(PERMISSIONS.value)
    assert missing_permissions(everything) == []
    lacking = discord.Permissions(everything.value)
    lacking.manage_threads = lacking.create_private_threads = lacking.pin_messages = False
    assert missing_permissions(lacking) == ["Create Private Threads", "Manage Threads", "Pin Messages"]
    lacking.manage_messages = True  # pinning also works with Manage Messages
    assert missing_permissions(lacking) == ["Create Private Threads", "Manage Threads"]


def test_the_message_says_what_to_do() -> None:
    channel = discord.Object(5)
    channel.mention = "<#5>"  # type: ignore[attr-defined]
    text = missing_text(channel, ["Manage Threads"])  # type: ignore[arg-type]
    assert (
        "missing Manage Threads" in text
        and "that permission" in text
        and "/config discussion channel" in text
    )
