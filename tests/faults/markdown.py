"""A small reader of Discord's inline markdown, for tests: what a member sees, and what it links or mentions.

It follows Discord's rules closely enough to catch markup that user text could smuggle in: a backslash
escapes any punctuation; code spans (``` and `) show their content raw; `||` toggles a spoiler; `**`,
`__`, `*`, `_` and `~~` toggle emphasis; `[text](url)` is a masked link; `scheme://…` and `<scheme://…>`
are links (a masked link's target is read ignoring zero-width characters, as a lenient client might);
`<@id>`, `<@!id>`, `<@&id>`, `<#id>`, `@everyone` and `@here` are mentions; `#`, `>`, `-`, `*`,
`+` and `1.` at a line start are block markup. Spoiler boundaries appear in `text` as `SPOILER_MARK`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

SPOILER_MARK = "\x01"
_PUNCT = re.compile(r"[^0-9A-Za-z\s]")
_MASKED = re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\(\s*<?([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s)>]+)>?\s*\)")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s<]+[^<.,:;\"')\]\s]")
_ANGLE_URL = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s>]+)>")
_TAG = re.compile(r"<(@[!&]?\d+|#\d+)>")
_MASS = re.compile(r"@(everyone|here)\b")
_OTHER_TAG = re.compile(r"<(t:-?\d+(?::[tTdDfFR])?|a?:\w+:\d+)>")
_BLOCK = re.compile(r"^(#{1,3} |-# |> |>>> |[-*+] |\d+[.)] )")
_EMPHASIS = ("**", "__", "~~", "*", "_")


@dataclass
class Rendered:
    text: str = ""
    links: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    open_marks: list[str] = field(default_factory=list)  # emphasis or spoiler left open at the end

    @property
    def spoiler_open(self) -> bool:
        return "||" in self.open_marks


def render(markdown: str) -> Rendered:
    """Read markdown the way Discord's client would show it."""
    out = Rendered()
    for number, line in enumerate(markdown.split("\n")):
        if number:
            out.text += "\n"
        if block := _BLOCK.match(line):
            out.blocks.append(block.group(1))
            line = line[block.end() :]
        _inline(line, out)
    return out


def _toggle(out: Rendered, mark: str) -> None:
    if mark in out.open_marks:
        out.open_marks.remove(mark)
    else:
        out.open_marks.append(mark)


def _inline(line: str, out: Rendered) -> None:
    i = 0
    while i < len(line):
        rest = line[i:]
        if rest.startswith("\\") and len(rest) > 1 and _PUNCT.match(rest[1]):
            out.text += rest[1]
            i += 2
            continue
        if rest.startswith("```") and (end := rest.find("```", 3)) != -1:
            out.text += rest[3:end]
            i += end + 3
            continue
        if rest.startswith("`") and (end := rest.find("`", 1)) != -1:
            out.text += rest[1:end]
            i += end + 1
            continue
        if rest.startswith("||"):
            _toggle(out, "||")
            out.text += SPOILER_MARK
            i += 2
            continue
        if match := _MASKED.match(_without_invisible(rest)):
            out.links.append(match.group(2))
            _inline(rest[_raw_length(rest, match.start(1)) : _raw_length(rest, match.end(1))], out)
            i += _raw_length(rest, match.end())
            continue
        if match := _ANGLE_URL.match(rest) or _URL.match(rest):
            out.links.append(match.group(1) if match.re is _ANGLE_URL else match.group(0))
            out.text += match.group(0)
            i += match.end()
            continue
        if match := _TAG.match(rest) or _MASS.match(rest):
            out.mentions.append(match.group(0))
            out.text += match.group(0)
            i += match.end()
            continue
        if match := _OTHER_TAG.match(rest):
            out.text += match.group(0)
            i += match.end()
            continue
        mark = next((m for m in _EMPHASIS if rest.startswith(m)), None)
        if mark is not None:
            _toggle(out, mark)
            i += len(mark)
            continue
        out.text += line[i]
        i += 1


def _without_invisible(text: str) -> str:
    """A masked link's target as a lenient client reads it: zero-width characters ignored."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _raw_length(raw: str, visible_length: int) -> int:
    """How many characters of `raw` make up its first `visible_length` characters without invisible ones."""
    seen = 0
    for index, ch in enumerate(raw):
        if seen == visible_length:
            return index
        if unicodedata.category(ch) != "Cf":
            seen += 1
    return len(raw)
