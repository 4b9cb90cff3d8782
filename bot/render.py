"""Discord's message limits, enforced in one place for every feature's rendering."""

from __future__ import annotations

import discord

from bot.usertext import code

CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CHOICE_NAME_LIMIT = 100
ELLIPSIS = "…"
SPOILER = "||"


def truncate(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, marking the cut with an ellipsis.

    A cut inside a spoiler tag closes the tag, so hidden text is never left showing.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    if cut.count(SPOILER) % 2:
        cut = cut[: limit - 1 - len(SPOILER)].rstrip()
        if cut.count(SPOILER) % 2:
            return cut + ELLIPSIS + SPOILER
    return cut + ELLIPSIS


def inline_code(text: str, limit: int = 60) -> str:
    """User text echoed as inline code: shown as typed (markdown escapes would show as backslashes),
    cut to `limit`, with backticks and line breaks swapped out so it can't leave the code span."""
    return code(text, limit)  # the one user-text helper (bot/usertext.py)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Trim an embed in place so it fits every per-part limit and the 6000-character total (an embed that
    already fits is only measured, in one pass over its parts: most do)."""
    if embed.title:
        embed.title = truncate(embed.title, EMBED_TITLE_LIMIT)
    if embed.description:
        embed.description = truncate(embed.description, EMBED_DESCRIPTION_LIMIT)
    fields = embed.fields
    while len(fields) > EMBED_FIELDS_LIMIT:
        embed.remove_field(-1)
        fields.pop()
    total = len(embed.title or "") + len(embed.description or "")  # what len(embed) counts, part by part
    for index, field in enumerate(fields):
        name, value = field.name or "\u200b", field.value or "\u200b"
        if (
            name != field.name
            or value != field.value
            or len(name) > FIELD_NAME_LIMIT
            or len(value) > FIELD_VALUE_LIMIT
        ):
            name, value = truncate(name, FIELD_NAME_LIMIT), truncate(value, FIELD_VALUE_LIMIT)
            embed.set_field_at(index, name=name, value=value, inline=bool(field.inline))
        total += len(name) + len(value)
    footer = embed.footer
    if footer.text:
        if len(footer.text) > FOOTER_LIMIT:
            embed.set_footer(text=truncate(footer.text, FOOTER_LIMIT), icon_url=footer.icon_url)
        total += min(len(footer.text), FOOTER_LIMIT)
    total += len(embed.author.name or "")
    if total <= EMBED_TOTAL_LIMIT:
        return embed
    total = len(embed)
    while total > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(-1)
        total = len(embed)
    if total > EMBED_TOTAL_LIMIT and embed.description:
        overflow = total - EMBED_TOTAL_LIMIT
        embed.description = truncate(embed.description, max(1, len(embed.description) - overflow))
    return embed
