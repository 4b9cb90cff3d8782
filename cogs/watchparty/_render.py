"""Messages and embeds for watch parties, built from plain data so Discord's limits are applied once."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.films.model import Film
from bot.pages import split_lines
from bot.policy import public_reader
from bot.render import CONTENT_LIMIT, FIELD_VALUE_LIMIT, fit_embed, inline_code, truncate
from bot.storage.watchparty import CANCELLED, CLOSED, LIVE_STATES, OPEN, SCHEDULED, TIED, Poll, Slot
from bot.usertext import plain
from cogs.watchparty._timeparse import format_local, timestamp_tag

ZONE_NOTE = "Times show in your own time zone."
TIE_SETTLED = (
    "The vote was tied and there was no time left for moderators to pick, so the earliest tied time won."
)
COLOUR = discord.Colour.blurple()


def title_text(poll: Poll) -> str:
    """A poll's title, safe inside markdown."""
    return plain(poll.title)


def where_text(poll: Poll) -> str:
    """Where the party happens: a voice channel mention, a place, or nothing said."""
    if poll.voice_channel_id is not None:
        return f"🔊 <#{poll.voice_channel_id}>"
    if poll.place:
        return f"📍 {plain(poll.place)}"
    return "📍 not set"


def slot_line(slot: Slot, count: int | None = None, *, mark: str = "") -> str:
    """`**#2** <t:…:F> (<t:…:R>) — 3 votes`."""
    when = f"{timestamp_tag(slot.starts_at)} ({timestamp_tag(slot.starts_at, 'R')})"
    return f"{mark}**#{slot.index + 1}** {when}{_votes(count)}"


def poll_embed(poll: Poll, counts: Sequence[int]) -> discord.Embed:
    """The poll message: title, place, deadline or result, and each slot with its count."""
    title, head, whens, footer = _poll_frame(poll)
    winner = poll.winner_slot if poll.state == SCHEDULED else None
    lines = [*head]
    for slot, when in zip(poll.slots, whens, strict=True):
        mark = "🏆 " if slot.index == winner else ""
        lines.append(f"{mark}**#{slot.index + 1}** {when}{_votes(counts[slot.index])}")
    embed = discord.Embed(title=title, description="\n".join(lines), colour=COLOUR)
    embed.set_footer(text=footer)
    return fit_embed(embed)


@functools.lru_cache(maxsize=1024)
def _poll_frame(poll: Poll) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    """What votes don't change, drawn once per poll state: the title, the lines above the slots, each slot's
    time and the footer (a vote redraws only the counts)."""
    footer = f"Poll #{poll.id} · {ZONE_NOTE}"
    if poll.state == OPEN:
        footer += " Click every slot you can make; click again to withdraw."
    whens = tuple(f"{timestamp_tag(s.starts_at)} ({timestamp_tag(s.starts_at, 'R')})" for s in poll.slots)
    return f"🎬 {title_text(poll)}", (where_text(poll), _status_line(poll), ""), whens, footer


def _votes(count: int | None) -> str:
    return "" if count is None else f" — **{count}** vote{'s' if count != 1 else ''}"


def _status_line(poll: Poll) -> str:
    closes = f"{timestamp_tag(poll.closes_at)} ({timestamp_tag(poll.closes_at, 'R')})"
    return {
        OPEN: f"Voting closes {closes}.",
        TIED: "Voting closed in a tie: the moderators are picking.",
        SCHEDULED: "Voting closed: the party is set.",
        CLOSED: "Voting closed with no party.",
        CANCELLED: "This watch party was cancelled.",
    }.get(poll.state, "")


def voters_embed(poll: Poll, voters: dict[int, list[int]]) -> discord.Embed:
    """Who approved each slot (sent ephemerally)."""
    embed = discord.Embed(title=f"Voters · {title_text(poll)}", colour=COLOUR)
    for slot in poll.slots:
        ids = voters.get(slot.index, [])
        value = ", ".join(f"<@{user}>" for user in ids) or "nobody yet"
        embed.add_field(
            name=f"#{slot.index + 1} · {len(ids)} vote{'s' if len(ids) != 1 else ''}",
            value=f"{timestamp_tag(slot.starts_at)}\n{truncate(value, FIELD_VALUE_LIMIT - 40)}",
            inline=False,
        )
    embed.set_footer(text=ZONE_NOTE)
    return fit_embed(embed)


def winner_embed(poll: Poll, end: datetime | None, runtime_note: str, event_note: str) -> discord.Embed:
    """The announcement: the winning time, where, until when, and what happened to the Discord event."""
    slot = poll.winner
    assert slot is not None
    lines = [
        f"**Starts** {timestamp_tag(slot.starts_at)} ({timestamp_tag(slot.starts_at, 'R')})",
        f"**Ends** {timestamp_tag(end, 't')}" if end else "",
        f"**Where** {where_text(poll)}",
        runtime_note,
        event_note,
    ]
    embed = discord.Embed(
        title=f"🍿 It's on: {title_text(poll)}", description="\n".join(x for x in lines if x), colour=COLOUR
    )
    embed.set_footer(text=f"Poll #{poll.id} · {ZONE_NOTE}")
    return fit_embed(embed)


def runtime_note(film: Film, planned: int | None) -> str:
    """The film's running time as its sources state it (`About 2 hours, per the review`), or the default.

    The announcement is read by everyone, so the film's text goes through the policy as a public reader.
    """
    reader = public_reader(film.setup_end)
    title = discord.utils.escape_markdown(reader.plain(film.title, film.title_reveal, "the club's film"))
    fact = film.facts.get("runtime")
    variant = fact.value if fact else None
    if planned is not None or variant is None:
        return f"The film data doesn't settle the runtime of *{title}*, so I planned {planned} minutes."
    sources = ", ".join(film.source(key).kind for key in variant.sources if _has_source(film, key))
    said = f", as the {sources} gives it" if sources else ""
    return f"Running time of *{title}*: {discord.utils.escape_markdown(variant.value.lower())}{said}."


def _has_source(film: Film, key: str) -> bool:
    return any(source.key == key for source in film.sources)


def mentions_content(user_ids: Sequence[int], lead: str) -> str:
    """Content that mentions exactly these users (allowed mentions must be set to match)."""
    text = lead
    for user in user_ids:
        candidate = f"{text} <@{user}>"
        if len(candidate) > CONTENT_LIMIT:
            break
        text = candidate
    return text


def allowed_users(user_ids: Sequence[int]) -> discord.AllowedMentions:
    """Mention these users and nobody else: no @everyone, no roles, no reply ping."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(user) for user in user_ids]
    )


def mentioned_prefix(user_ids: Sequence[int], lead: str) -> tuple[str, list[int]]:
    """The content and the ids that actually fit in it."""
    content = mentions_content(user_ids, lead)
    return content, [user for user in user_ids if f"<@{user}>" in content]


def no_votes_embed(poll: Poll) -> discord.Embed:
    embed = discord.Embed(
        title=f"Poll closed: {title_text(poll)}",
        description="Nobody voted, so there's no watch party this time.",
        colour=discord.Colour.light_grey(),
    )
    embed.set_footer(text=f"Poll #{poll.id}")
    return fit_embed(embed)


def tie_lost_embed(poll: Poll) -> discord.Embed:
    embed = discord.Embed(
        title=f"Poll closed: {title_text(poll)}",
        description="The vote was tied and every tied time has now passed, so there's no watch party.",
        colour=discord.Colour.light_grey(),
    )
    embed.set_footer(text=f"Poll #{poll.id}")
    return fit_embed(embed)


def tie_embed(
    poll: Poll, tied: Sequence[int], top: int, due: datetime, fallback: Slot | None
) -> discord.Embed:
    """The tie prompt for moderators, with the fallback spelled out."""
    lines = [f"These slots tied with **{top}** vote{'s' if top != 1 else ''} each:"]
    lines += [slot_line(poll.slots[index]) for index in tied]
    if fallback is not None:
        lines.append(
            f"\n**Moderators:** pick one below. If nobody picks by {timestamp_tag(due)} "
            f"({timestamp_tag(due, 'R')}), "
            f"the earliest tied time still ahead (#{fallback.index + 1}) wins."
        )
    embed = discord.Embed(title=f"⚖️ Tie: {title_text(poll)}", description="\n".join(lines), colour=COLOUR)
    embed.set_footer(text=f"Poll #{poll.id} · {ZONE_NOTE}")
    return fit_embed(embed)


def reminder_content(poll: Poll, minutes: int) -> str:
    """`⏰ Rush night starts in 10 minutes …`."""
    slot = poll.winner
    assert slot is not None
    when = f"{timestamp_tag(slot.starts_at, 't')} ({timestamp_tag(slot.starts_at, 'R')})"
    return truncate(f"⏰ **{title_text(poll)}** starts {when} · {where_text(poll)}", CONTENT_LIMIT - 200)


LIST_LIMIT = 3500  # characters of lines per /watchparty list page, leaving room for headings
LIST_LINES = 12  # lines per page, headings included: a page stays easy to read


def list_page(
    polls: Sequence[Poll], now: datetime, jump: dict[int, str], page: int
) -> tuple[discord.Embed, int, int]:
    """Page `page` (the last one if past it) of a server's open polls and upcoming parties, in pages that
    never cut a line: its embed, its number from 0, and how many pages there are. Only that page is drawn."""
    open_lines = [
        f"#{p.id} [{title_text(p)}]({jump[p.id]}) · "
        + ("tied, moderators picking" if p.state == TIED else f"closes {timestamp_tag(p.closes_at, 'R')}")
        for p in polls
        if p.state in (OPEN, TIED)
    ]
    party_lines = [
        f"#{p.id} [{title_text(p)}]({jump[p.id]}) · {timestamp_tag(p.winner.starts_at)} · {where_text(p)}"
        for p in polls
        if p.state == SCHEDULED and p.winner is not None and p.winner.starts_at > now
    ]
    lines = [f"__Open polls__ ({len(open_lines)})", *(open_lines or ["none"])]
    lines += ["", f"__Upcoming parties__ ({len(party_lines)})", *(party_lines or ["none"])]
    pages = split_lines(lines, LIST_LIMIT, per_page=LIST_LINES)
    number = max(0, min(page, len(pages) - 1))
    title = "Watch parties" + (f" ({number + 1}/{len(pages)})" if len(pages) > 1 else "")
    embed = discord.Embed(title=title, description="\n".join(pages[number]).strip(), colour=COLOUR)
    embed.set_footer(text=ZONE_NOTE)
    return fit_embed(embed), number, len(pages)


def jump_url(poll: Poll) -> str:
    """A link to the poll message (or its channel when the message id is unknown)."""
    base = f"https://discord.com/channels/{poll.guild_id}/{poll.channel_id}"
    return f"{base}/{poll.message_id}" if poll.message_id else base


def _what(state: str) -> str:
    return "watch party" if state == SCHEDULED else "watch-party poll"


def cancel_question(poll: Poll) -> str:
    """The ephemeral question `/watchparty cancel` asks before anything changes."""
    lost = (
        "its server event is cancelled and its reminders are dropped"
        if poll.state == SCHEDULED
        else "voting stops and no party is set up"
    )
    return (
        f"Cancel the {_what(poll.state)} **{title_text(poll)}** (#{poll.id})? This can't be undone: {lost}. "
        "Press the button to confirm, or just ignore this message."
    )


def cancel_refused(poll: Poll) -> str:
    """The confirmation was pressed again, or after the poll moved on: nothing changed."""
    if poll.state == CANCELLED:
        return f"#{poll.id} was already cancelled, so nothing changed."
    if poll.state in LIVE_STATES:
        return (
            f"#{poll.id} changed since you asked (it is now a {_what(poll.state)}), so nothing changed. "
            "Run `/watchparty cancel` again if you still want to cancel it."
        )
    return f"#{poll.id} has already ended; there's nothing to cancel."


def cancelled_note(poll: Poll, asked: str, by: str) -> str:
    """The public line once the cancel is confirmed."""
    return f"❌ The {_what(asked)} **{title_text(poll)}** (#{poll.id}) was cancelled by {by}."


def poll_created_note(poll: Poll, zone: ZoneInfo) -> str:
    """The ephemeral line confirming what was understood, slot by slot, in the zone it was read in."""
    lines = [f"Poll #{poll.id} is up. I read your slots in the server's time zone, {zone.key}:"]
    lines += [
        f"• {inline_code(s.label)} → {format_local(s.starts_at, zone)} ({timestamp_tag(s.starts_at)} for you)"
        for s in poll.slots
    ]
    lines.append(
        f"Voting closes {format_local(poll.closes_at, zone)} ({timestamp_tag(poll.closes_at, 'R')})."
    )
    return truncate("\n".join(lines), CONTENT_LIMIT)
