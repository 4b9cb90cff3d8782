"""Watch-party polls: members approve candidate times; the winner becomes a Discord scheduled event.

Parsing, tallying and deadlines are plain code (`_timeparse`, `_plan`, `_tally`); the poll's life after
voting runs from scheduler jobs (`_lifecycle`); buttons carry their state in their custom_ids (`_views`).
See docs/watchparty.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import FilmClubBot
from bot.checks import is_moderator
from bot.errors import DISCORD_PROBLEM, UserError, defer
from bot.pages import page_buttons, show_page
from bot.storage import Step
from bot.storage.watchparty import LIVE_STATES, OPEN, TIED, NewPoll, Poll
from bot.usertext import code
from cogs.config import Config
from cogs.watchparty import _render as render
from cogs.watchparty._lifecycle import (
    CLOSE_KIND,
    REMIND_KIND,
    REMINDERS_KEY,
    TIE_KIND,
    Lifecycle,
    close_key,
    tie_key,
)
from cogs.watchparty._plan import PlanError, check_place, check_title, plan_poll
from cogs.watchparty._redraw import Drawn, Redraws
from cogs.watchparty._settings import WatchPartySettings, describe_reminders
from cogs.watchparty._tally import DEFAULT_REMINDERS
from cogs.watchparty._views import BUTTONS, COG_NAME, PollViews, cancel_view, poll_view, tie_view

log = logging.getLogger(__name__)
LIST_PAGES = "wp"  # kind of the /watchparty list pages (bot.pages)

_CHANNEL_REF = re.compile(r"<#(\d+)>|(\d{15,20})")
ANSWER_WITHIN = timedelta(seconds=2.5)  # a final answer inside Discord's 3 s, even when posting fails
MIN_POST_BUDGET = 0.5


@app_commands.guild_only()
class WatchParty(
    commands.GroupCog,
    name=COG_NAME,
    group_name="watchparty",
    group_description="Pick a watch-party time together",
):
    """Watch-party polls, their buttons, and the jobs that close them, settle ties and post reminders."""

    def __init__(self, bot: FilmClubBot) -> None:
        self.bot = bot
        self.lifecycle = Lifecycle(bot)
        self.settings = WatchPartySettings()
        self._redraws = Redraws()  # one write to a poll message at a time (_redraw)
        self._views = PollViews()  # the vote buttons' view per poll, relabelled for each write
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.buttons.add(*BUTTONS)
        self.bot.page_drawers[LIST_PAGES] = self._turn_list_page
        self.bot.scheduler.register(CLOSE_KIND, self.lifecycle.on_close_job)
        self.bot.scheduler.register(TIE_KIND, self.lifecycle.on_tie_job)
        self.bot.scheduler.register(REMIND_KIND, self.lifecycle.on_remind_job)
        config = self.bot.get_cog("Config")
        if isinstance(config, Config):
            config.attach(self.settings, self.settings_section, {REMINDERS_KEY: _describe_stored_reminders})
        else:
            log.warning("The config cog isn't loaded; /config watchparty is unavailable")

    async def cog_unload(self) -> None:
        try:
            await self.bot.db.watchparty.release_ids()
        except Exception as exc:  # shutting down: the unused ids stay a gap in the numbers
            log.warning("Could not give back the unused poll ids: %r", exc)
        self.bot.buttons.remove(*BUTTONS)
        self.bot.page_drawers.pop(LIST_PAGES, None)
        for kind in (CLOSE_KIND, TIE_KIND, REMIND_KIND):
            self.bot.scheduler.unregister(kind)
        config = self.bot.get_cog("Config")
        if isinstance(config, Config):
            config.detach(self.settings)

    async def settings_section(self, guild: discord.Guild) -> list[str]:
        """Lines for `/config show`."""
        return [f"**Reminders:** {describe_reminders(await self.lifecycle.reminders(guild.id))}"]

    # -- slash commands ---------------------------------------------------------------------------------

    @app_commands.command(name="poll", description="Poll the club for a watch-party time")
    @app_commands.describe(
        title="What you're watching or calling the party",
        slots="Up to 10 times in the server's time zone, split by , or ; (fri 8pm; tomorrow 19:30)",
        closes="When voting ends: in 2 hours, 2h, thu 6pm, 2026-11-27 18:00",
        where="A voice channel (pick one) or a place",
    )
    async def poll(
        self,
        interaction: discord.Interaction[FilmClubBot],
        title: app_commands.Range[str, 1, 200],
        slots: app_commands.Range[str, 1, 1000],
        closes: app_commands.Range[str, 1, 100],
        where: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        guild = _guild(interaction)
        zone = await self.bot.guild_timezone(guild.id)
        now = self.bot.clock.now()
        try:
            clean_title = check_title(title)
            voice_channel_id, place = _resolve_where(guild, where)
            plan = plan_poll(slots, closes, zone, now)
        except PlanError as exc:
            raise UserError(str(exc)) from None
        new = NewPoll(
            guild_id=guild.id,
            channel_id=_channel_id(interaction),
            creator_id=interaction.user.id,
            title=clean_title,
            voice_channel_id=voice_channel_id,
            place=place,
            closes_at=plan.closes.at,
            slots=tuple((slot.at, slot.text) for slot in plan.slots),
            created_at=now,
        )
        # Posting can be retried by discord.py for many seconds: answer first, within Discord's deadline.
        await defer(interaction, ephemeral=True)
        stored = await self._post_poll(new, answer_by=interaction.created_at + ANSWER_WITHIN)
        self.bot.scheduler.wake(stored.closes_at)
        # The deferred "thinking…" reply becomes the note (it is ephemeral already): an edit, not a new message.
        await interaction.edit_original_response(content=render.poll_created_note(stored, zone))

    async def _post_poll(self, new: NewPoll, *, answer_by: datetime) -> Poll:
        """Post the poll, then store it with its message, its slots and its closing job in one transaction;
        either both happen or neither is left behind (the member hears why)."""
        store = self.bot.db.watchparty
        draft = store.draft(new, await store.reserve_id())
        counts = [0] * len(draft.slots)
        channel = self.bot.get_partial_messageable(draft.channel_id, guild_id=draft.guild_id)
        budget = max(MIN_POST_BUDGET, (answer_by - discord.utils.utcnow()).total_seconds())
        try:
            async with asyncio.timeout(budget):
                message = await channel.send(
                    embed=render.poll_embed(draft, counts),
                    view=poll_view(draft, counts),
                    nonce=f"wp{draft.id}",
                )
        except (discord.HTTPException, TimeoutError) as exc:
            log.warning("Could not post watch-party poll in channel %s: %r", draft.channel_id, exc)
            if isinstance(exc, discord.Forbidden | discord.NotFound):
                raise UserError(
                    "I can't post in this channel. Try another one, or ask a moderator to let me."
                ) from None
            raise UserError(f"{DISCORD_PROBLEM} The poll wasn't created.") from None
        try:
            return await store.create(new, CLOSE_KIND, close_key, poll_id=draft.id, message_id=message.id)
        except Exception:
            # Rolled back, so not stored: take the message down, so nobody votes on a poll that doesn't exist.
            with contextlib.suppress(discord.HTTPException):
                await message.delete()
            raise

    @poll.autocomplete("where")
    async def where_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        needle = current.strip().lower()
        voice = [c for c in guild.voice_channels if needle in c.name.lower()] if guild else []
        choices = [app_commands.Choice(name=f"🔊 {c.name}"[:100], value=str(c.id)) for c in voice[:24]]
        if current.strip() and not any(c.name.lower() == needle for c in voice):
            choices.append(
                app_commands.Choice(name=f"📍 {current.strip()}"[:100], value=current.strip()[:100])
            )
        return choices[:25]

    @app_commands.command(name="list", description="Open watch-party polls and upcoming parties")
    async def list_parties(self, interaction: discord.Interaction[FilmClubBot]) -> None:
        await self.list_page(interaction, 0, first=True)

    async def list_page(
        self, interaction: discord.Interaction[Any], page: int, *, first: bool = False
    ) -> None:
        """Page `page` of the server's open polls and upcoming parties (also redrawn by its buttons)."""
        guild = _guild(interaction)
        polls = await self.bot.db.watchparty.live(guild.id)
        jumps = {poll.id: render.jump_url(poll) for poll in polls}
        embed, page, pages = render.list_page(polls, self.bot.clock.now(), jumps, page)
        await show_page(interaction, embed, page_buttons(LIST_PAGES, page, pages), first=first)

    async def _turn_list_page(self, interaction: discord.Interaction[Any], page: int) -> None:
        await self.list_page(interaction, page)

    @app_commands.command(name="cancel", description="Cancel a watch-party poll or a planned party")
    @app_commands.describe(poll="The poll or party to cancel")
    async def cancel(self, interaction: discord.Interaction[FilmClubBot], poll: int) -> None:
        """Ask first: cancelling can't be undone, so nothing changes until the button is pressed."""
        found = await self._poll_here(interaction, poll)
        await self._require_creator_or_moderator(interaction, found, "cancel it")
        if found.state not in LIVE_STATES:
            raise UserError(f"Poll #{found.id} has already ended; there's nothing to cancel.")
        await interaction.response.send_message(
            render.cancel_question(found), view=cancel_view(found), ephemeral=True
        )

    async def on_cancel(self, interaction: discord.Interaction[Any], poll_id: int, state: str) -> None:
        """The confirmation: the permission check again at click time, then at most one cancel."""
        found = await self._poll_here(interaction, poll_id)
        await self._require_creator_or_moderator(interaction, found, "cancel it")
        steps = self.lifecycle.dropping_jobs(found)
        if await self._audited(interaction, found):
            steps.append(self._audit_step(interaction, found, "watchparty_cancel", state, "cancelled"))
        if not await self.bot.db.watchparty.cancel(found.id, expected=state, then=steps):
            latest = await self._poll_here(interaction, poll_id)
            await interaction.response.edit_message(content=render.cancel_refused(latest), view=None)
            return
        await interaction.response.edit_message(  # answered first: the clean-up below talks to Discord
            content=f"Done: #{found.id} is cancelled.", view=None
        )
        try:
            await interaction.followup.send(render.cancelled_note(found, state, interaction.user.mention))
        except discord.HTTPException as exc:  # the cancel stands; the clean-up below still runs
            log.warning("Announcing the cancel of watch-party poll %d failed: %r", found.id, exc)
        try:
            await self.lifecycle.clean_up(found)
        except discord.HTTPException as exc:
            log.warning("Cleaning up cancelled watch-party poll %d failed: %r", found.id, exc)
            await interaction.followup.send(
                f"{DISCORD_PROBLEM} The poll is cancelled, but its server event or message may still show.",
                ephemeral=True,
            )

    @cancel.autocomplete("poll")
    async def cancel_autocomplete(
        self, interaction: discord.Interaction[FilmClubBot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild is None:
            return []
        polls = await self.bot.db.watchparty.live(interaction.guild.id)
        needle = current.strip().lower().lstrip("#")
        return [
            app_commands.Choice(name=f"#{p.id} {p.title} ({p.state})"[:100], value=p.id)
            for p in polls
            if needle in str(p.id) or needle in p.title.lower()
        ][:25]

    # -- buttons (called from _views) -------------------------------------------------------------------

    async def on_vote(self, interaction: discord.Interaction[Any], poll_id: int, slot: int) -> None:
        """Toggle the member's approval of a slot and redraw the counts (one write at a time: `_redraw`)."""
        result = await self.bot.db.watchparty.toggle_vote(
            poll_id, slot, interaction.user.id, self.bot.clock.now()
        )
        if result is None:
            raise UserError("This poll has closed, so votes can't change any more.")
        await self._redraws.vote_counted(interaction, poll_id, result.counts, partial(self._drawn, poll_id))

    async def _drawn(self, poll_id: int, counts: list[int] | None) -> Drawn | None:
        """The poll's embed and view for `counts` (read afresh when None); None once it is closed."""
        poll = await self.bot.db.watchparty.get(poll_id)
        if poll is None or poll.state != OPEN:
            return None
        if counts is None:
            counts = await self.bot.db.watchparty.counts(poll_id)
        return render.poll_embed(poll, counts), self._views.view(poll, counts)

    async def on_voters(self, interaction: discord.Interaction[Any], poll_id: int) -> None:
        """Show who approved each slot, only to the member who asked."""
        poll = await self._poll_by_id(poll_id)
        voters = await self.bot.db.watchparty.voters(poll_id)
        await interaction.response.send_message(embed=render.voters_embed(poll, voters), ephemeral=True)

    async def on_ping(self, interaction: discord.Interaction[Any], poll_id: int) -> None:
        """Opt in or out of being mentioned when the party is set and in its reminders."""
        poll = await self._poll_by_id(poll_id)
        if poll.state not in (OPEN, TIED):
            raise UserError("This poll has closed; opting in isn't possible any more.")
        if await self.bot.db.watchparty.toggle_ping(poll_id, interaction.user.id):
            text = (
                "🔔 I'll mention you when the party is set and in its reminders, "
                "if you voted for the winning time."
            )
        else:
            text = "🔕 I won't mention you for this watch party."
        await interaction.response.send_message(text, ephemeral=True)

    async def on_close(self, interaction: discord.Interaction[Any], poll_id: int) -> None:
        """Close voting now: the closing job is moved to now, so closing has one path only."""
        poll = await self._poll_by_id(poll_id)
        await self._require_creator_or_moderator(interaction, poll, "close it early")
        if poll.state != OPEN:
            raise UserError("This poll has already closed.")
        now = self.bot.clock.now()
        await self.bot.scheduler.reschedule(
            CLOSE_KIND, close_key(poll.id), now, guild_id=poll.guild_id, payload={"poll": poll.id}
        )
        await self._audit(interaction, poll, "watchparty_close", "open", "closed early")
        await interaction.response.send_message(
            "Closing the poll now; the result follows in a moment.", ephemeral=True
        )

    async def on_tie_pick(self, interaction: discord.Interaction[Any], poll_id: int, slot: int) -> None:
        """A moderator settles a tie; the tie job is moved to now to set the party up."""
        if not await is_moderator(interaction):
            raise UserError("Only moderators can settle a tie.")
        poll = await self._poll_by_id(poll_id)
        if not await self.bot.db.watchparty.settle_tie(poll_id, slot):
            raise UserError("This tie has already been settled.")
        await self._audit(interaction, poll, "watchparty_tie", "tied", f"slot #{slot + 1} picked")
        await self.bot.scheduler.reschedule(
            TIE_KIND,
            tie_key(poll.id),
            self.bot.clock.now(),
            guild_id=poll.guild_id,
            payload={"poll": poll.id},
        )
        message = interaction.message
        tied = [int(custom_id.rsplit(":", 1)[1]) for custom_id in _button_ids(message)] if message else [slot]
        await interaction.response.edit_message(view=tie_view(poll.id, tied, disabled=True))
        await interaction.followup.send(f"You picked #{slot + 1}; setting the party up now.", ephemeral=True)

    # -- helpers ----------------------------------------------------------------------------------------

    async def _audit(
        self, interaction: discord.Interaction[Any], poll: Poll, key: str, old: str, new: str
    ) -> None:
        """Log what a moderator did to someone's poll in the change log (creators' own actions aren't)."""
        if await self._audited(interaction, poll):
            await self.bot.db.config.record_action(
                poll.guild_id, interaction.user.id, key, _detail(poll, old), new
            )

    async def _audited(self, interaction: discord.Interaction[Any], poll: Poll) -> bool:
        return interaction.user.id != poll.creator_id or await is_moderator(interaction)

    def _audit_step(
        self, interaction: discord.Interaction[Any], poll: Poll, key: str, old: str, new: str
    ) -> Step:
        return self.bot.db.config.recording_action(
            poll.guild_id, interaction.user.id, key, _detail(poll, old), new
        )

    async def _poll_by_id(self, poll_id: int) -> Poll:
        poll = await self.bot.db.watchparty.get(poll_id)
        if poll is None:
            raise UserError("I can't find that watch-party poll any more.")
        return poll

    async def _poll_here(self, interaction: discord.Interaction[Any], poll_id: int) -> Poll:
        poll = await self.bot.db.watchparty.get(poll_id)
        if poll is None or interaction.guild is None or poll.guild_id != interaction.guild.id:
            raise UserError(
                f"There's no watch-party poll #{poll_id} in this server. `/watchparty list` shows them."
            )
        return poll

    async def _require_creator_or_moderator(
        self, interaction: discord.Interaction[Any], poll: Poll, what: str
    ) -> None:
        if interaction.user.id != poll.creator_id and not await is_moderator(interaction):
            raise UserError(f"Only the poll's creator or a moderator can {what}.")


def _describe_stored_reminders(value: Any) -> str:
    return describe_reminders(DEFAULT_REMINDERS if value is None else tuple(int(m) for m in value))


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def _channel_id(interaction: discord.Interaction[Any]) -> int:
    if interaction.channel_id is None:
        raise UserError("Run this in a text channel of the server.")
    return interaction.channel_id


def _resolve_where(guild: discord.Guild, where: str | None) -> tuple[int | None, str | None]:
    """A voice channel (id, mention, or exact name) or a free-text place."""
    if where is None or not where.strip():
        return None, None
    text = where.strip()
    if match := _CHANNEL_REF.fullmatch(text):
        channel = guild.get_channel(int(match.group(1) or match.group(2)))
        if isinstance(channel, discord.VoiceChannel):
            return channel.id, None
        raise PlanError(
            f"{code(text)} isn't a voice channel in this server. Pick one from the list, or type a place."
        )
    name = text.lstrip("#🔊 ").strip().lower()
    for channel in guild.voice_channels:
        if channel.name.lower() == name:
            return channel.id, None
    return None, check_place(text)


def _button_ids(message: discord.Message) -> list[str]:
    rows = [row for row in message.components if isinstance(row, discord.ActionRow)]
    return [
        c.custom_id for row in rows for c in row.children if isinstance(c, discord.Button) and c.custom_id
    ]


async def setup(bot: FilmClubBot) -> None:
    await bot.add_cog(WatchParty(bot))


def _detail(poll: Poll, old: str) -> str:
    """How the change log names a poll and the state it was in."""
    return f"#{poll.id} {poll.title[:60]}: {old}"
