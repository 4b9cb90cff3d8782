"""Turn message payloads into readable text: boxed embeds, numbered buttons and selects, visible spoilers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.standin.limits import (
    ACTION_ROW,
    BUTTON,
    CONTAINER,
    FILE,
    FLAG_EPHEMERAL,
    LABEL,
    LINK_STYLE,
    MEDIA_GALLERY,
    SECTION,
    SELECT_TYPES,
    SEPARATOR,
    TEXT_DISPLAY,
    TEXT_INPUT,
    THUMBNAIL,
    walk_components,
)

Payload = Mapping[str, Any]


def buttons(components: Sequence[Payload] | None) -> list[Payload]:
    """Every button of a message in display order; `[n ...]` in the rendering is position n in this list."""
    return [c for c in walk_components(components) if c.get("type") == BUTTON]


def selects(components: Sequence[Payload] | None) -> list[Payload]:
    """Every select menu of a message in display order, numbered like the rendering."""
    return [c for c in walk_components(components) if c.get("type") in SELECT_TYPES]


def text_inputs(modal: Payload) -> list[tuple[Payload, str]]:
    """(text input, label) pairs of a modal, whether wrapped in action rows or in labels."""
    found: list[tuple[Payload, str]] = []
    for component in modal.get("components") or ():
        if component.get("type") == LABEL:
            child = component.get("component") or {}
            if child.get("type") == TEXT_INPUT:
                found.append((child, str(component.get("label") or "")))
        for child in component.get("components") or ():
            if child.get("type") == TEXT_INPUT:
                found.append((child, str(child.get("label") or "")))
    return found


def _emoji(emoji: Payload | None) -> str:
    if not emoji:
        return ""
    return str(emoji.get("name") or "") + " "


def _button(button: Payload, number: int) -> str:
    label = _emoji(button.get("emoji")) + str(button.get("label") or "")
    suffix = " ↗ " + str(button.get("url")) if button.get("style") == LINK_STYLE else ""
    if button.get("disabled"):
        suffix += " (disabled)"
    return f"[{number} {label.strip()}{suffix}]"


def _select(select: Payload, number: int) -> list[str]:
    placeholder = select.get("placeholder") or "choose"
    lines = [f"<select {number}: {placeholder}>" + (" (disabled)" if select.get("disabled") else "")]
    for option in select.get("options") or ():
        text = f"   - {_emoji(option.get('emoji'))}{option.get('label')}"
        if option.get("value") != option.get("label"):
            text += f" = {option.get('value')}"
        if option.get("description"):
            text += f" ({option['description']})"
        lines.append(text)
    return lines


def box(lines: Sequence[str]) -> list[str]:
    """Frame lines in a left-hand box."""
    return ["┌" + "─" * 40, *("│ " + line for line in lines), "└" + "─" * 40]


def render_embed(embed: Payload) -> list[str]:
    """One embed as boxed lines: author, title, description, fields, image, footer."""
    lines: list[str] = []
    if (embed.get("author") or {}).get("name"):
        lines.append(f"({embed['author']['name']})")
    if embed.get("title"):
        title = f"**{embed['title']}**"
        lines.append(title + (f" <{embed['url']}>" if embed.get("url") else ""))
    if embed.get("description"):
        lines.extend(str(embed["description"]).splitlines())
    for field in embed.get("fields") or ():
        lines.append(f"▸ {field.get('name')}")
        lines.extend("  " + line for line in str(field.get("value")).splitlines())
    for key in ("image", "thumbnail"):
        if (embed.get(key) or {}).get("url"):
            lines.append(f"[{key}: {embed[key]['url']}]")
    footer = (embed.get("footer") or {}).get("text")
    if footer or embed.get("timestamp"):
        lines.append("— " + " · ".join(str(part) for part in (footer, embed.get("timestamp")) if part))
    return box(lines)


class _Numbering:
    def __init__(self) -> None:
        self.button = 0
        self.select = 0

    def next_button(self, button: Payload) -> str:
        self.button += 1
        return _button(button, self.button)

    def next_select(self, select: Payload) -> list[str]:
        self.select += 1
        return _select(select, self.select)


def _components(components: Sequence[Payload], numbers: _Numbering) -> list[str]:
    lines: list[str] = []
    for component in components:
        kind = component.get("type")
        if kind == ACTION_ROW:
            row = [c for c in component.get("components") or () if c.get("type") == BUTTON]
            if row:
                lines.append(" ".join(numbers.next_button(button) for button in row))
            for select in component.get("components") or ():
                if select.get("type") in SELECT_TYPES:
                    lines.extend(numbers.next_select(select))
        elif kind == BUTTON:
            lines.append(numbers.next_button(component))
        elif kind in SELECT_TYPES:
            lines.extend(numbers.next_select(component))
        elif kind == TEXT_DISPLAY:
            lines.extend(str(component.get("content") or "").splitlines())
        elif kind == SECTION:
            lines.extend(_components(component.get("components") or [], numbers))
            accessory = component.get("accessory")
            if accessory:
                lines.extend("    " + line for line in _components([accessory], numbers))
        elif kind == SEPARATOR:
            lines.append("─" * 20)
        elif kind == CONTAINER:
            inner = _components(component.get("components") or [], numbers)
            lines.extend(
                ("||" + line + "||" for line in box(inner)) if component.get("spoiler") else box(inner)
            )
        elif kind == THUMBNAIL:
            lines.append(f"[thumbnail: {(component.get('media') or {}).get('url')}]")
        elif kind == MEDIA_GALLERY:
            lines.extend(
                f"[image: {(item.get('media') or {}).get('url')}]" for item in component.get("items") or ()
            )
        elif kind == FILE:
            lines.append(f"[file: {(component.get('file') or {}).get('url')}]")
    return lines


def render_components(components: Sequence[Payload] | None) -> list[str]:
    """Components as lines, buttons numbered `[1 A] [2 B]` and selects numbered `<select 1: ...>`."""
    return _components(list(components or ()), _Numbering())


def _attachment(attachment: Payload) -> str:
    name = str(attachment.get("filename") or "file")
    text = f"[attachment: {name}]"
    return f"||{text}||" if name.startswith("SPOILER_") else text


def _poll(poll: Payload) -> list[str]:
    lines = [f"Poll: {(poll.get('question') or {}).get('text')}"]
    for number, answer in enumerate(poll.get("answers") or (), start=1):
        lines.append(f"  {number}) {(answer.get('poll_media') or {}).get('text')}")
    return lines


MARKUP = re.compile(r"<(@!?|@&|#)(\d+)>|<t:(-?\d+)(?::([tTdDfFR]))?>")


def _ago(seconds: float) -> str:
    amount = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if amount >= size or size == 1:
            count = int(amount // size)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return ""


def humanize(text: str, names: Mapping[str, str], now: float) -> str:
    """Show `<@id>`, `<#id>`, `<@&id>` by name and `<t:unix:style>` as a UTC date or "in 5 minutes"."""

    def replace(match: re.Match[str]) -> str:
        kind, snowflake, stamp, style = match.groups()
        if snowflake is not None:
            prefix = "#" if kind == "#" else "@"
            return prefix + names.get(snowflake, snowflake)
        if style == "R":
            return _ago(int(stamp) - now)
        return datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d %H:%M UTC")

    return MARKUP.sub(replace, text)


def render_message(
    message: Payload, *, header: bool = True, names: Mapping[str, str] | None = None, now: float | None = None
) -> str:
    """A whole message as text; spoilers keep their `||` markers so the hidden part is visible.

    With `names` (snowflake -> name), mentions and Discord timestamps are shown readably, relative to `now`.
    """
    text = _render_message(message, header)
    if names is None:
        return text
    return humanize(text, names, datetime.now(UTC).timestamp() if now is None else now)


def _render_message(message: Payload, header: bool) -> str:
    lines: list[str] = []
    flags = int(message.get("flags") or 0)
    if header:
        author = (message.get("author") or {}).get("username") or "?"
        note = " (only you can see this)" if flags & FLAG_EPHEMERAL else ""
        edited = " (edited)" if message.get("edited_timestamp") else ""
        lines.append(f"{author}{note}{edited}:")
    if flags & (1 << 7):
        lines.append("… is thinking")
    if message.get("content"):
        lines.extend(str(message["content"]).splitlines())
    for embed in message.get("embeds") or ():
        lines.extend(render_embed(embed))
    if message.get("poll"):
        lines.extend(_poll(message["poll"]))
    lines.extend(_attachment(attachment) for attachment in message.get("attachments") or ())
    lines.extend(render_components(message.get("components")))
    return "\n".join(lines)


def render_modal(modal: Payload) -> str:
    """A modal as text: its title and each field as `custom_id` = label."""
    lines = [f"Modal: {modal.get('title')}"]
    for field, label in text_inputs(modal):
        required = "" if field.get("required", True) is False else " (required)"
        default = f" [{field['value']}]" if field.get("value") else ""
        lines.append(f"  {field.get('custom_id')} = {label}{required}{default}")
    return "\n".join(box(lines))


def render_choices(choices: Sequence[Payload]) -> str:
    """Autocomplete choices, one per line."""
    if not choices:
        return "(no suggestions)"
    return "\n".join(
        f"  {c.get('name')}" + ("" if c.get("value") == c.get("name") else f" = {c.get('value')}")
        for c in choices
    )
