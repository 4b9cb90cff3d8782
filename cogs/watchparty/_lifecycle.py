"""A poll's life after voting: closing, ties, the Discord event, announcements and reminders.

Everything here runs from scheduler jobs, so it survives restarts: `wp-close:<poll>` closes voting at the
deadline (an early close just moves that job to now), `wp-tie:<poll>` settles a tie that moderators left
alone, and `wp-remind:<poll>:<minutes>` posts each reminder once. Each job posts at most one message, with
`nonce=job.nonce`, and records what it announced, so a re-run after a crash doesn't repeat itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.policy import public_reader
from bot.scheduler import MAX_ATTEMPTS
from bot.storage import Step
from bot.storage.jobs import Job
from bot.storage.watchparty import CANCELLED, CLOSED, OPEN, SCHEDULED, TIED, Decision, Poll
from cogs.watchparty import _render as render
from cogs.watchparty._tally import (
    DEFAULT_REMINDERS,
    DEFAULT_RUNTIME_MINUTES,
    OutcomeKind,
    can_schedule,
    decide,
    event_end,
    reminder_still_due,
    reminder_times,
    tie_deadline,
    tie_fallback,
)
from cogs.watchparty._views import poll_view, tie_view

if TYPE_CHECKING:
    from bot.bot import FilmClubBot

log = logging.getLogger(__name__)

CLOSE_KIND = "wp-close"
TIE_KIND = "wp-tie"
REMIND_KIND = "wp-remind"
REMINDERS_KEY = "watchparty_reminders"
NO_PLACE = "Online (see the poll)"


def close_key(poll_id: int) -> str:
    return f"{CLOSE_KIND}:{poll_id}"


def tie_key(poll_id: int) -> str:
    return f"{TIE_KIND}:{poll_id}"


def remind_key(poll_id: int, minutes: int) -> str:
    return f"{REMIND_KIND}:{poll_id}:{minutes}"


class Lifecycle:
    """Job handlers and the steps that follow a decision, shared by jobs and buttons."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self.store = bot.db.watchparty

    async def reminders(self, guild_id: int) -> tuple[int, ...]:
        """The server's reminder offsets in minutes (60 and 10 by default)."""
        stored = await self.bot.db.config.get(guild_id, REMINDERS_KEY)
        return tuple(int(m) for m in stored) if isinstance(stored, list) else DEFAULT_REMINDERS

    async def on_close_job(self, job: Job) -> None:
        """Close voting (once) and carry the poll on to its next step."""
        poll_id = int(job.payload["poll"])
        now = self.bot.clock.now()
        closed = await self.store.close_voting(
            poll_id, now, lambda poll, counts: _decision(poll, counts, now)
        )
        poll = closed or await self.store.get(poll_id)
        if poll is not None:
            log.info("Watch-party poll %d closed: %s", poll_id, poll.state)
            await self.advance(poll, job)

    async def on_tie_job(self, job: Job) -> None:
        """Apply the tie fallback if moderators haven't picked, then carry on."""
        poll_id = int(job.payload["poll"])
        poll = await self.store.get(poll_id)
        if poll is None:
            return
        if poll.state == TIED:
            tied = decide(await self.store.counts(poll_id)).slots
            winner = tie_fallback(tied, [s.starts_at for s in poll.slots], self.bot.clock.now())
            await self.store.settle_tie(poll_id, winner)
            log.info("Watch-party poll %d: tie fell back to slot %s", poll_id, winner)
            poll = await self.store.get(poll_id)
        if poll is not None:
            await self.advance(poll, job)

    async def on_remind_job(self, job: Job) -> None:
        """Post one reminder, unless the party was cancelled or has started."""
        poll = await self.store.get(int(job.payload["poll"]))
        minutes = int(job.payload["minutes"])
        if poll is None or poll.state != SCHEDULED or poll.winner is None:
            return
        offsets = await self.reminders(poll.guild_id)
        if not reminder_still_due(minutes, offsets, poll.winner.starts_at, self.bot.clock.now()):
            log.info("Skipping the %d-minute reminder for poll %d: its moment has passed", minutes, poll.id)
            return
        users = await self.store.opted_in_voters(poll.id, poll.winner.index)
        content, mentioned = render.mentioned_prefix(users, render.reminder_content(poll, minutes))
        await self._channel(poll).send(
            content, allowed_mentions=render.allowed_users(mentioned), nonce=job.nonce
        )

    async def advance(self, poll: Poll, job: Job) -> None:
        """Do whatever the poll's state still needs: the tie prompt, the event, the announcement."""
        if poll.state in (OPEN, CANCELLED) or poll.announced == poll.state:
            return
        if poll.state == TIED:
            await self._announce_tie(poll, job)
        elif poll.state == CLOSED:
            await self._announce_closed(poll, job)
        elif poll.state == SCHEDULED:
            await self._set_up_party(poll, job)
        await self.store.set_announced(poll.id, poll.state)
        await self.refresh_message(poll.id)

    async def refresh_message(self, poll_id: int) -> None:
        """Redraw the poll message from the database (counts, state, buttons)."""
        poll = await self.store.get(poll_id)
        if poll is None or poll.message_id is None:
            return
        counts = await self.store.counts(poll_id)
        message = self._channel(poll).get_partial_message(poll.message_id)
        try:
            await message.edit(embed=render.poll_embed(poll, counts), view=poll_view(poll, counts))
        except discord.NotFound:
            log.info("The message of watch-party poll %d is gone; not redrawing it", poll_id)

    def dropping_jobs(self, poll: Poll) -> list[Step]:
        """The writes that drop a cancelled poll's jobs, to run in the cancel's own transaction."""
        jobs = self.bot.db.jobs
        return [
            jobs.dropping(CLOSE_KIND, close_key(poll.id)),
            jobs.dropping(TIE_KIND, tie_key(poll.id)),
            jobs.cancelling(REMIND_KIND, f"{REMIND_KIND}:{poll.id}:", guild_id=poll.guild_id),
        ]

    async def clean_up(self, poll: Poll) -> None:
        """Cancel a cancelled poll's Discord event and redraw its message (REST calls, after the reply)."""
        if poll.event_id is not None:
            await self._cancel_event(poll)
        await self.refresh_message(poll.id)

    async def _announce_tie(self, poll: Poll, job: Job) -> None:
        outcome = decide(await self.store.counts(poll.id))
        due = poll.tie_due_at or self.bot.clock.now()
        await self.bot.scheduler.schedule(
            TIE_KIND, tie_key(poll.id), due, guild_id=poll.guild_id, payload={"poll": poll.id}
        )
        fallback_index = tie_fallback(outcome.slots, [s.starts_at for s in poll.slots], due)
        fallback = poll.slots[fallback_index] if fallback_index is not None else None
        embed = render.tie_embed(poll, outcome.slots, outcome.top, due, fallback)
        await self._channel(poll).send(embed=embed, view=tie_view(poll.id, outcome.slots), nonce=job.nonce)

    async def _announce_closed(self, poll: Poll, job: Job) -> None:
        counts = await self.store.counts(poll.id)
        embed = render.no_votes_embed(poll) if not any(counts) else render.tie_lost_embed(poll)
        await self._channel(poll).send(embed=embed, nonce=job.nonce)

    async def _set_up_party(self, poll: Poll, job: Job) -> None:
        winner = poll.winner
        assert winner is not None
        film = await self.bot.current_film(poll.guild_id)
        end, defaulted = event_end(winner.starts_at, film.runtime_minutes)
        runtime_note = render.runtime_note(film, DEFAULT_RUNTIME_MINUTES if defaulted else None)
        if decide(await self.store.counts(poll.id)).kind is OutcomeKind.TIE:
            runtime_note = f"{render.TIE_SETTLED}\n{runtime_note}"
        # The event is read by everyone and cannot hold a spoiler tag.
        title = public_reader(film.setup_end).plain(film.title, film.title_reveal, "the club's film")
        event_note = await self._ensure_event(poll, end, job, title)
        users = await self.store.opted_in_voters(poll.id, winner.index)
        content, mentioned = render.mentioned_prefix(users, "🍿 The watch party is set!")
        await self._channel(poll).send(
            content,
            embed=render.winner_embed(poll, end, runtime_note, event_note),
            allowed_mentions=render.allowed_users(mentioned),
            nonce=job.nonce,
        )
        await self._schedule_reminders(poll, winner.starts_at)

    async def _ensure_event(self, poll: Poll, end: datetime, job: Job, film_title: str) -> str:
        """Create the Discord event unless it exists; returns a line for the announcement."""
        winner = poll.winner
        assert winner is not None
        if poll.event_id is not None:
            return "📅 Added to the server's events."
        if not can_schedule(winner.starts_at, self.bot.clock.now()):
            return "That time has already passed, so no server event was made."
        try:
            event = await self._create_event(poll, winner.starts_at, end, film_title)
        except discord.Forbidden:
            log.warning("No permission to create the event for watch-party poll %d", poll.id)
            return "I couldn't add a server event: I need the Create Events permission."
        except discord.HTTPException:
            if job.attempts < MAX_ATTEMPTS:
                raise
            log.exception("Giving up on the event for watch-party poll %d", poll.id)
            return "Discord wouldn't take the server event, so there isn't one."
        await self.store.set_event(poll.id, event.id)
        return "📅 Added to the server's events."

    async def _create_event(
        self, poll: Poll, start: datetime, end: datetime, film_title: str
    ) -> discord.ScheduledEvent:
        guild = self.bot.get_guild(poll.guild_id) or await self.bot.fetch_guild(poll.guild_id)
        description = f"Watch party for {film_title}, chosen by poll #{poll.id}."
        if poll.voice_channel_id is not None:
            return await guild.create_scheduled_event(
                name=poll.title,
                start_time=start,
                end_time=end,
                entity_type=discord.EntityType.voice,
                channel=discord.Object(poll.voice_channel_id, type=discord.VoiceChannel),
                privacy_level=discord.PrivacyLevel.guild_only,
                description=description,
            )
        return await guild.create_scheduled_event(
            name=poll.title,
            start_time=start,
            end_time=end,
            entity_type=discord.EntityType.external,
            location=poll.place or NO_PLACE,
            privacy_level=discord.PrivacyLevel.guild_only,
            description=description,
        )

    async def _schedule_reminders(self, poll: Poll, start: datetime) -> None:
        now = self.bot.clock.now()
        for minutes, due in reminder_times(start, await self.reminders(poll.guild_id), now):
            await self.bot.scheduler.schedule(
                REMIND_KIND,
                remind_key(poll.id, minutes),
                due,
                guild_id=poll.guild_id,
                payload={"poll": poll.id, "minutes": minutes},
            )

    async def _cancel_event(self, poll: Poll) -> None:
        assert poll.event_id is not None
        try:
            guild = self.bot.get_guild(poll.guild_id) or await self.bot.fetch_guild(poll.guild_id)
            event = await guild.fetch_scheduled_event(poll.event_id)
            await event.cancel(reason=f"Watch party #{poll.id} cancelled")
        except discord.NotFound:
            log.info("The event of watch-party poll %d was already gone", poll.id)

    def _channel(self, poll: Poll) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)


def _decision(poll: Poll, counts: list[int], now: datetime) -> Decision:
    outcome = decide(counts)
    if outcome.kind is OutcomeKind.NO_VOTES:
        return Decision(CLOSED)
    if outcome.kind is OutcomeKind.WINNER:
        return Decision(SCHEDULED, winner_slot=outcome.slots[0])
    due = tie_deadline(now, [poll.slots[index].starts_at for index in outcome.slots])
    if due <= now:  # no time left for moderators to pick: the fallback applies at once
        fallback = tie_fallback(outcome.slots, [s.starts_at for s in poll.slots], now)
        return Decision(SCHEDULED, winner_slot=fallback) if fallback is not None else Decision(CLOSED)
    return Decision(TIED, tie_due_at=due)
