"""The spoiler policy: for a reader and a piece of film text, show it, tag it or leave it out.

Plain code, no discord import. The rules, in order:

1. In a channel moderators marked as a spoiler channel, nothing is tagged.
2. An ephemeral answer to a member with saved progress is untagged up to that beat and tagged after it
   (text tied to no beat is tagged when its level is past the furthest level the member has reached).
3. Otherwise (a public post, or a member with no saved progress) everything past the setup is tagged:
   other readers' progress differs.
4. Text that would be past the setup is left out instead when the reader did not opt in to spoilers
   (the default `/synopsis`); asking for a beat or the full synopsis is opting in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.films.model import SpoilerLevel


class Treatment(enum.Enum):
    """What to do with one piece of text for one reader."""

    SHOW = "show"
    TAG = "tag"
    OMIT = "omit"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who will read a reply and where: everything the policy needs, as plain values."""

    ephemeral: bool = False
    spoiler_channel: bool = False
    progress: int | None = None  # the beat the member has watched up to (ephemeral replies only)
    progress_level: SpoilerLevel | None = None  # the highest level among beats up to `progress`
    opt_in: bool = True  # False for the default, spoiler-free synopsis

    @property
    def uses_progress(self) -> bool:
        """Whether the member's own progress decides (ephemeral, not in a spoiler channel)."""
        return self.ephemeral and not self.spoiler_channel and self.progress is not None


def needs_tag(reader: Reader, level: SpoilerLevel, beat: int | None = None) -> bool:
    """Whether text at `level` (from beat number `beat`, if any) must be inside spoiler tags."""
    if reader.spoiler_channel:
        return False
    if reader.uses_progress:
        assert reader.progress is not None
        if beat is not None:
            return beat > reader.progress
        return level > (reader.progress_level or SpoilerLevel.SETUP)
    return level > SpoilerLevel.SETUP


def treatment(reader: Reader, level: SpoilerLevel, beat: int | None = None) -> Treatment:
    """Show, tag or omit text at `level` (from beat `beat`, if any) for this reader."""
    if not reader.opt_in and level > SpoilerLevel.SETUP:
        return Treatment.OMIT
    return Treatment.TAG if needs_tag(reader, level, beat) else Treatment.SHOW


def progress_level(levels_up_to_progress: list[SpoilerLevel]) -> SpoilerLevel:
    """The furthest level a member has seen, given the levels of the beats up to their progress."""
    return max(levels_up_to_progress, default=SpoilerLevel.SETUP)
