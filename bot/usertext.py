"""Showing text a member typed back to members, so that it reads exactly as typed and does nothing else.

One place for every echo of user text (poll titles and places, slot labels, typed answers, searches,
setting values): no mention, no link, no formatting, no block markup and no invisible characters survive.
Pure text functions, no discord import.

- `plain(text)` is for prose: inline markdown characters are backslash-escaped, `<` too (mentions,
  channel and timestamp tags), and `[`/`]` so no masked link can form; a leading heading, quote or list
  marker is escaped; `@everyone`/`@here` get a zero-width space after the `@`, and so does the colon
  of `scheme://`, so Discord doesn't turn a URL into a link.
- `code(text)` is for an inline code span, where Discord reads no markup at all: only a backtick could end
  the span, so backticks become a look-alike (and `@everyone`/`@here` are still defused, to be safe).

Both first drop invisible format characters (zero-width spaces and joiners, bidi overrides, BOM) and
control characters, and fold whitespace to single spaces, so nothing hidden or multi-line is echoed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ELLIPSIS = "…"
ZWSP = "\u200b"
_INLINE = re.compile(r"([\\*_~`|\[\]<])")
_LINE_START = re.compile(r"^([#>\-+])")
_ORDERED = re.compile(r"^(\d+)([.)])")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?=//)")
BACKTICK_STAND_IN = "ˋ"  # U+02CB, looks like a backtick and ends no code span


def clean(text: str) -> str:
    """The text without invisible or control characters, whitespace folded to single spaces."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co", "Cn"))
    return " ".join(visible.split())


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


@lru_cache(maxsize=4096)  # a pure function of its text, asked again at every redraw of a poll or page
def plain(text: str, limit: int | None = None) -> str:
    """User text for prose: shown literally, whatever it contains. `limit` counts the visible characters."""
    shown = _cut(clean(text), limit)
    escaped = _INLINE.sub(r"\\\1", shown)
    escaped = _ORDERED.sub(r"\1\\\2", _LINE_START.sub(r"\\\1", escaped))
    escaped = _SCHEME.sub(lambda m: f"{m.group(1)}:{ZWSP}", escaped)
    return _MASS_MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", escaped)


@lru_cache(maxsize=4096)
def code(text: str, limit: int | None = None) -> str:
    """User text as an inline code span, backticks included in the result (never empty)."""
    shown = _cut(clean(text), limit).replace("`", BACKTICK_STAND_IN)
    return f"`{_MASS_MENTION.sub(lambda m: f'@{ZWSP}{m.group(1)}', shown) or ' '}`"
