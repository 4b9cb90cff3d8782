"""The spoiler policy: the one place that decides what a reader may see. Plain code, no discord import.

Every piece of film text carries a *reveal point*: the beat at which the film first reveals it (0 for
what is known before the film starts: title, cast names, the premise). Every surface of the bot asks
this module, and only this module, how to show a piece of text to a reader.

Readers (build one with `reader_for`):

- **Spoiler channel** (a channel moderators marked, or a thread under one): everything is shown.
- **Private reply** (ephemeral): the member's own saved progress, exact to the beat. A member who saved
  no progress is treated as a public reader.
- **Public reply in an ordinary channel**: as a member with no progress, i.e. the film's setup only.

For one reader and one reveal point, text is shown untagged (`Treatment.SHOW`), put inside spoiler tags
(`Treatment.TAG`) or left out (`Treatment.OMIT`, when the reader did not ask for spoilers at all).

Some places cannot hold a spoiler tag: button and select labels, autocomplete choices, modal titles and
labels, embed titles, author and footer lines, thread names, scheduled-event names and descriptions,
poll answers. For those, `Reader.plain` returns the real text when the reader may see it and a neutral
form otherwise (`beat_name(13)` is "Beat 13", `answer_name(0)` is "Answer A").

Typical use::

    reader = reader_for(setup_end=6, spoiler_channel=False, private=True, progress=7)
    reader.render("They invent evidence.", 12)   # "||They invent evidence.||"
    reader.plain("Making a case", 12, beat_name(12))   # "Beat 12"
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from bot.spoilers import Segment
from bot.usertext import plain

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Treatment(enum.Enum):
    """What to do with one piece of text for one reader."""

    SHOW = "show"
    TAG = "tag"
    OMIT = "omit"


class Place(enum.Enum):
    """Where a reply is read; decides whose point in the film counts."""

    SPOILER_CHANNEL = "spoiler channel"
    PRIVATE = "private reply"
    PUBLIC = "public reply"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a reply, reduced to what the policy needs: the last beat shown untagged.

    `beat` is None in a spoiler channel (no limit). `opt_in` is False where the member did not ask for
    spoilers (the default `/synopsis`): text past their beat is then left out instead of tagged.
    """

    place: Place
    beat: int | None
    opt_in: bool = True
    progress_saved: bool = False  # a private reader whose own saved progress decides

    def sees(self, reveal: int) -> bool:
        """Whether text revealed at beat `reveal` may be shown outside spoiler tags."""
        return self.beat is None or reveal <= self.beat

    def sees_all(self, reveals: Iterable[int]) -> bool:
        """Whether every one of these reveal points may be shown untagged."""
        return all(self.sees(reveal) for reveal in reveals)

    def treat(self, reveal: int) -> Treatment:
        """Show, tag or leave out text revealed at beat `reveal`."""
        if self.sees(reveal):
            return Treatment.SHOW
        return Treatment.TAG if self.opt_in else Treatment.OMIT

    def segment(self, text: str, reveal: int) -> Segment | None:
        """The text as a `Segment` (tagged when needed), or None when it must be left out."""
        how = self.treat(reveal)
        return None if how is Treatment.OMIT else Segment(text, how is Treatment.TAG)

    def render(self, text: str, reveal: int) -> str:
        """Discord markdown for the text: escaped, tagged when needed; "" when it must be left out."""
        segment = self.segment(text, reveal)
        return segment.render() if segment is not None else ""

    def render_member_text(self, text: str, reveal: int, limit: int | None = None) -> str:
        """A member's words (a review) as this reader may see them: made inert by the shared user-text
        helper (`bot.usertext.plain`, cut to `limit` before escaping), then tagged when needed."""
        how = self.treat(reveal)
        if how is Treatment.OMIT:
            return ""
        return Segment(plain(text, limit), how is Treatment.TAG, escaped=True).render()

    def plain(self, text: str, reveal: int, neutral: str) -> str:
        """For a place that cannot hold a tag: the text when the reader may see it, else `neutral`."""
        return text if self.sees(reveal) else neutral

    def with_opt_in(self, opt_in: bool) -> Reader:
        """The same reader, asking (or not asking) for spoilers."""
        return Reader(self.place, self.beat, opt_in, self.progress_saved)

    def shown_up_to(self, last_beat: int) -> str:
        """A sentence for members: which beats this reader sees untagged."""
        if self.beat is None or self.beat >= last_beat:
            return "every beat is shown untagged"
        if self.beat <= 0:
            return "nothing from the plot is shown untagged, only what is known before the film starts"
        return f"beats 1-{self.beat} are shown untagged" if self.beat > 1 else "beat 1 is shown untagged"


def reader_for(
    *,
    setup_end: int,
    spoiler_channel: bool,
    private: bool,
    progress: int | None = None,
    opt_in: bool = True,
) -> Reader:
    """The reader of one reply.

    `setup_end` is the last beat of the film's setup (what a member with no progress may see),
    `progress` the member's saved point (only used for a private reply outside a spoiler channel).
    """
    if spoiler_channel:
        return Reader(Place.SPOILER_CHANNEL, None, opt_in)
    if private and progress is not None:
        return Reader(Place.PRIVATE, max(progress, 0), opt_in, progress_saved=True)
    return Reader(Place.PRIVATE if private else Place.PUBLIC, setup_end, opt_in)


def public_reader(setup_end: int, *, spoiler_channel: bool = False) -> Reader:
    """The reader of a message posted in a channel for everyone (a trivia question, an announcement)."""
    return reader_for(setup_end=setup_end, spoiler_channel=spoiler_channel, private=False)


def beat_name(number: int) -> str:
    """The neutral name of a beat, safe anywhere: "Beat 13"."""
    return f"Beat {number}"


def answer_name(index: int) -> str:
    """The neutral name of a choice, safe anywhere: "Answer A"."""
    return f"Answer {LETTERS[index]}"
