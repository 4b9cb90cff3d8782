"""Spoiler tags that cannot be broken by the text inside them, and splitting that never cuts a tag.

Pure text functions (no discord import), shared by every feature that shows plot text.

Every character that Discord markdown could read as syntax is escaped with a backslash, so text
containing `||`, backticks or emphasis markers can neither close a spoiler tag early nor open a code
span that would swallow a tag. Tagged text is tagged line by line: each line is its own `||…||`
chunk, which also keeps block markdown (headings, quotes, lists) from splitting a tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

TAG = "||"
# Inline markdown: escaped wherever it appears.
_INLINE = re.compile(r"([\\*_~`|\[\]])")
# Block markdown only matters at the start of a line.
_LINE_START = re.compile(r"^(\s*)([#>\-+])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)(\.\s)", re.MULTILINE)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


@lru_cache(maxsize=4096)  # film text: the same lines are rendered for every reader
def escape(text: str) -> str:
    """Escape Discord markdown in text so it is shown literally, inside or outside a tag."""
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    return _ORDERED.sub(r"\1\\\2", escaped)


def spoiler(text: str, *, escaped: bool = False) -> str:
    """Escape text and wrap each non-blank line in its own spoiler tag.

    `escaped` is for text already made inert (a member's words, by `bot.usertext.plain`): it is tagged as
    it is, since escaping it again would show the backslashes.
    """
    return "\n".join(_tag_line(line, escaped) for line in text.split("\n"))


def _tag_line(line: str, escaped: bool) -> str:
    stripped = line.strip()
    return f"{TAG}{stripped if escaped else escape(stripped)}{TAG}" if stripped else ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text and whether it must be shown inside spoiler tags."""

    text: str
    tagged: bool = False
    escaped: bool = False  # already inert markdown (see `spoiler`): tag it, don't escape it again

    def render(self) -> str:
        """The segment as Discord text: escaped, and tagged when it must be."""
        if self.tagged:
            return spoiler(self.text, escaped=self.escaped)
        return self.text if self.escaped else escape(self.text)


def render(segments: Iterable[Segment], separator: str = " ") -> str:
    """Render segments joined by a separator (each tagged one on its own)."""
    return separator.join(segment.render() for segment in segments if segment.text.strip())


def split_segment(segment: Segment, limit: int) -> list[Segment]:
    """Split one segment at word boundaries so each piece renders within `limit` characters."""
    if len(segment.render()) <= limit:
        return [segment]
    pieces: list[Segment] = []
    current = ""
    for word in _words(segment.text):
        candidate = current + word
        if current and len(Segment(candidate.strip(), segment.tagged).render()) > limit:
            pieces.append(Segment(current.strip(), segment.tagged))
            current = word.lstrip()
        else:
            current = candidate
    if current.strip():
        pieces.append(Segment(current.strip(), segment.tagged))
    return [part for piece in pieces for part in _hard_split(piece, limit)]


def _words(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text)


def _hard_split(segment: Segment, limit: int) -> list[Segment]:
    """Split a segment with no usable word boundary character by character."""
    if len(segment.render()) <= limit:
        return [segment]
    pieces: list[Segment] = []
    current = ""
    for char in segment.text:
        if current and len(Segment(current + char, segment.tagged).render()) > limit:
            pieces.append(Segment(current, segment.tagged))
            current = ""
        current += char
    if current:
        pieces.append(Segment(current, segment.tagged))
    return pieces


def paginate(
    blocks: Sequence[str], limit: int, separator: str = "\n", max_blocks: int | None = None
) -> list[str]:
    """Pack rendered blocks into pages of at most `limit` characters (and `max_blocks`), never splitting one.

    A block longer than the limit raises ValueError: split it with `split_segment` first.
    """
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if len(block) > limit:
            raise ValueError(f"a block of {len(block)} characters cannot fit in {limit}")
        extra = len(block) + (len(separator) if current else 0)
        full = max_blocks is not None and len(current) >= max_blocks
        if current and (size + extra > limit or full):
            pages.append(separator.join(current))
            current, size = [], 0
            extra = len(block)
        current.append(block)
        size += extra
    if current:
        pages.append(separator.join(current))
    return pages


def unescape(text: str) -> str:
    """Undo `escape`: the text as a reader sees it."""
    return _ESCAPED.sub(r"\1", text)


def visible_text(rendered: str) -> str:
    """What a reader sees without clicking any spoiler tag (tagged chunks removed, escapes undone)."""
    return unescape("".join(part for part, hidden in spoiler_parts(rendered) if not hidden))


def hidden_text(rendered: str) -> str:
    """The text inside spoiler tags, escapes undone, chunks joined by newlines."""
    return "\n".join(unescape(part) for part, hidden in spoiler_parts(rendered) if hidden)


def spoiler_parts(rendered: str) -> list[tuple[str, bool]]:
    """Split rendered Discord text at unescaped `||` marks into (text, inside-a-tag) parts."""
    parts: list[tuple[str, bool]] = []
    hidden = False
    start = index = 0
    while index < len(rendered):
        if rendered[index] == "\\":
            index += 2
            continue
        if rendered.startswith(TAG, index):
            parts.append((rendered[start:index], hidden))
            hidden = not hidden
            index += len(TAG)
            start = index
            continue
        index += 1
    parts.append((rendered[start:], hidden))
    return parts


def unescaped_marks(rendered: str, mark: str) -> list[int]:
    """Positions of `mark` in rendered text that are not escaped by a backslash."""
    positions: list[int] = []
    index = 0
    while index < len(rendered):
        if rendered[index] == "\\":
            index += 2
        elif rendered.startswith(mark, index):
            positions.append(index)
            index += len(mark)
        else:
            index += 1
    return positions
