"""Running trivia on Discord: asking, answering, revealing, rounds and the daily question."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.bounded import remember
from bot.errors import UserError, send_ephemeral
from bot.films.model import Film, SpoilerLevel
from bot.policy import Reader, reader_for
from bot.readers import channel_reader, is_spoiler_place
from bot.scheduler import PermanentJobError
from bot.storage.jobs import Job
from bot.storage.trivia_rows import AnswerResult, Asked, Choose, Round
from bot.usertext import plain
from bot.weekly import WeeklySpec, next_slot, plan_run
from cogs.trivia import _render as render
from cogs.trivia._bank import LETTERS, Bank, Question, build_bank
from cogs.trivia._daily import slot_key
from cogs.trivia._engine import (
    DAILY_KEY,
    DEFAULT_TIMEOUT,
    TIMEOUT_KEY,
    DailySettings,
    check_typed,
    pick_next,
    scorer,
)
from cogs.trivia._views import AnswerModal, question_view

if TYPE_CHECKING:
    from bot.bot import FilmClubBot
    from bot.storage import Step

log = logging.getLogger(__name__)

CLOSE_JOB = "trivia.close"
QUESTIONS_KEPT = 2_000  # parsed asked questions: every channel's current and recent ones
DAILY_JOB = "trivia.daily"
Picks = list[tuple[dict[str, Any], Question]]  # a chooser's picks: the payload stored, the question
Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.StageChannel


class Game:
    """The trivia engine bound to the bot: posts questions, records answers, reveals and schedules."""

    def __init__(self, bot: FilmClubBot, rng: random.Random | None = None) -> None:
        self.bot = bot
        self._rng = rng or random.Random()
        self._banks: dict[str, tuple[Film, Bank]] = {}
        self._asked: dict[int, tuple[Asked, Question]] = {}  # open questions, cached on their first click
        self._answered: dict[int, set[int]] = {}  # members known to have answered a cached open question
        # An asked question's stored snapshot never changes: each is parsed once, for its post, close and reveal.
        self._questions: dict[int, Question] = {}

    @property
    def store(self) -> Any:
        return self.bot.db.trivia

    def question_of(self, asked: Asked) -> Question:
        """The question an asked row stored (its snapshot, parsed once per asked id)."""
        question = self._questions.get(asked.id)
        if question is None:
            question = Question.from_payload(asked.payload)
            remember(self._questions, asked.id, question, QUESTIONS_KEPT)
        return question

    def now(self) -> float:
        return self.bot.clock.now().timestamp()

    def bank(self, film: Film) -> Bank:
        """The film's question bank, rebuilt when the film data object changes (a reload)."""
        cached = self._banks.get(film.key)
        if cached is None or cached[0] is not film:
            bank = build_bank(film, list(self.bot.films.films.values()))
            self._banks[film.key] = (film, bank)
            log.info("Trivia bank for %s: %d questions", film.key, len(bank))
            return bank
        return cached[1]

    async def timeout(self, guild_id: int) -> int:
        return int(await self.bot.db.config.get(guild_id, TIMEOUT_KEY, DEFAULT_TIMEOUT))

    async def daily_settings(self, guild_id: int) -> DailySettings | None:
        return DailySettings.from_json(await self.bot.db.config.get(guild_id, DAILY_KEY))

    # --- channels and posting ------------------------------------------------------------------

    async def channel(self, channel_id: int) -> Postable | None:
        """A channel the bot can post in, from the cache or the API; None when it is gone."""
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, Postable) else None

    async def _post_question(self, channel: Postable, asked: Asked, heading: str, nonce: str) -> None:
        if asked.message_id is not None:
            return
        question = self.question_of(asked)
        reader = await self.reader(asked.guild_id, channel, question.film_key)
        message = await channel.send(
            embed=render.question_embed(question, asked, heading, reader),
            view=question_view(question, asked.id, asked.mode, reader),
            nonce=nonce,
        )
        await self.store.set_message(asked.id, message.id)
        self.bot.scheduler.wake(datetime.fromtimestamp(asked.closes_at, UTC))

    async def reader(self, guild_id: int, channel: Postable, film_key: str) -> Reader:
        """Who reads a question or reveal posted in this channel: everyone, so the setup only unless it is
        a spoiler channel (or a thread under one)."""
        film = self.bot.films.films.get(film_key)
        if film is not None:
            return await channel_reader(self.bot, guild_id, channel, film)
        spoiler = await is_spoiler_place(self.bot, guild_id, channel, channel.id)
        return reader_for(setup_end=0, spoiler_channel=spoiler, private=False)  # film gone: show nothing

    async def _close_message(
        self, channel: Postable, asked: Asked, reader: Reader, total: int | None = None
    ) -> None:
        """Take the buttons off a closed question and say it has closed (best effort). `reader`: who reads
        the channel; `total`: the number of questions in its round, when the caller has the round at hand."""
        if asked.message_id is None:
            return
        question = self.question_of(asked)
        heading = "Daily question"
        if asked.round_id is not None:
            if total is None:
                round_ = await self.store.get_round(asked.round_id)
                total = round_.total if round_ else None
            heading = f"Question {asked.position} of {total}" if total else "Question"
        embed = render.question_embed(question, asked, heading, reader, closed_at=self.now())
        try:
            await channel.get_partial_message(asked.message_id).edit(embed=embed, view=None)
        except discord.HTTPException as exc:
            log.info("Could not close the buttons of question %d: %s", asked.id, exc)

    # --- rounds ------------------------------------------------------------------------------

    async def start_round(
        self, interaction: discord.Interaction[Any], count: int, level: SpoilerLevel, mode: str
    ) -> None:
        """Create the round, answer the command and post the first question."""
        guild, channel = _guild_channel(interaction)
        require_postable_here(interaction)
        film = await self.bot.current_film(guild.id)
        eligible = self.bank(film).eligible(level, typed=mode == "typed")
        if not eligible:
            raise UserError(
                "No questions fit those settings: allow a higher spoiler level or use buttons mode."
            )
        total = min(count, len(eligible))
        choose, picked = self._chooser(eligible)
        opened = await self.store.open_round(
            guild_id=guild.id,
            channel_id=channel.id,
            starter_id=interaction.user.id,
            film_key=film.key,
            mode=mode,
            max_level=int(level),
            total=total,
            timeout=await self.timeout(guild.id),
            now=self.now(),
            choose=choose,
            close_kind=CLOSE_JOB,
        )
        if opened is None:
            raise UserError(
                "A round is already running in this channel. Wait for it to end or use `/trivia stop`."
            )
        round_, first = opened
        self._adopt(first, picked)
        await interaction.response.send_message(render.intro_text(film.title, round_, level, len(eligible)))
        try:
            if first is not None:
                await self._post_question(channel, first, f"Question 1 of {round_.total}", f"tq{first.id}")
        except discord.HTTPException:
            await self.store.end_round(round_.id, "stopped", self.now())
            raise UserError("I couldn't post the question here, so the round was stopped.") from None

    def _chooser(self, eligible: list[Question]) -> tuple[Choose, Picks]:
        """How a round picks its next question from the `eligible` ones (the bank's, for its level and mode):
        unseen in the server's cycle, never twice in the round; and the list each pick is added to, with the
        payload stored for it (see `_adopt`)."""
        picked: Picks = []

        def choose(cycle: int, seen: set[str], used: set[str]) -> tuple[dict[str, Any], int] | None:
            pick = pick_next(eligible, seen, used, self._rng)
            if pick is None:
                return None
            payload = pick.question.to_payload()
            picked.append((payload, pick.question))
            return payload, cycle + 1 if pick.new_cycle else cycle

        return choose, picked

    def _adopt(self, asked: Asked | None, picked: Picks) -> None:
        """Keep the question just picked as the asked row's parsed snapshot, so posting it parses nothing.
        Only when the row holds exactly that pick's payload: a row found stored already is left to
        `question_of`."""
        if asked is not None and picked and asked.payload == picked[-1][0]:
            remember(self._questions, asked.id, picked[-1][1], QUESTIONS_KEPT)

    async def ask(self, round_: Round, position: int, channel: Postable) -> Asked | None:
        """Pick, store (with its close job) and post the question at `position`; None when none is left."""
        film = self.bot.films.films.get(round_.film_key)
        if film is None:
            return None
        level = SpoilerLevel(round_.max_level)
        choose, picked = self._chooser(self.bank(film).eligible(level, typed=round_.mode == "typed"))
        asked = await self.store.ask_next(round_, position, choose, self.now(), CLOSE_JOB)
        if asked is None:
            return None
        self._adopt(asked, picked)
        await self._post_question(channel, asked, f"Question {position} of {round_.total}", f"tq{asked.id}")
        return asked

    async def on_close(self, job: Job) -> None:
        """Scheduler job: close a question, score it, post the reveal, then continue or end its round."""
        reveal = await self.store.reveal(int(job.payload["asked"]), scorer)
        if reveal is None:
            return
        asked: Asked = reveal.asked
        self._forget(asked.id)
        channel = await self.channel(asked.channel_id)
        if channel is None:
            if asked.round_id is not None:
                await self.store.end_round(asked.round_id, "stopped", self.now())
            raise PermanentJobError(f"trivia channel {asked.channel_id} is gone")
        await self._close_and_reveal(channel, asked, reveal.answers)
        if asked.round_id is not None:
            await self._advance(asked.round_id, asked.position or 0, channel)

    async def _close_and_reveal(
        self, channel: Postable, asked: Asked, answers: Any, total: int | None = None
    ) -> None:
        """A closed question's buttons taken off and its reveal posted, both for one reader."""
        reader = await self.reader(asked.guild_id, channel, self.question_of(asked).film_key)
        await self._close_message(channel, asked, reader, total)
        await self._post_reveal(channel, asked, answers, reader)

    async def _post_reveal(self, channel: Postable, asked: Asked, answers: Any, reader: Reader) -> None:
        question = self.question_of(asked)
        film = self.bot.films.films.get(question.film_key)
        try:
            await channel.send(
                embed=render.reveal_embed(question, asked, answers, film, reader), nonce=f"tr{asked.id}"
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PermanentJobError(f"can't post the trivia reveal: {exc}") from exc

    async def _advance(self, round_id: int, position: int, channel: Postable) -> None:
        round_ = await self.store.get_round(round_id)
        if round_ is None or round_.state != "running":
            return
        if position < round_.total and await self.ask(round_, position + 1, channel) is not None:
            return
        await self.finish(round_, channel, stopped=False)

    async def finish(self, round_: Round, channel: Postable, *, stopped: bool) -> None:
        """Post the scoreboard, then mark the round over (so a crash re-posts it, deduplicated by nonce)."""
        rows = await self.store.round_scoreboard(round_.id)
        asked = len(await self.store.round_questions(round_.id))
        await channel.send(embed=render.scoreboard_embed(rows, asked, stopped), nonce=f"ts{round_.id}")
        await self.store.end_round(round_.id, "stopped" if stopped else "finished", self.now())

    async def stop(self, interaction: discord.Interaction[Any], is_moderator: bool) -> None:
        """`/trivia stop`: the starter or a moderator ends the round; the open question is revealed now.
        The check, the audit of a moderator's stop, the round's end and the reveal are one transaction."""
        _, channel = _guild_channel(interaction)
        user_id = interaction.user.id

        def audit(round_: Round) -> Step | None:  # a moderator stopping someone's round: logged
            if user_id == round_.starter_id:
                return None
            return self.bot.db.config.recording_action(
                round_.guild_id, user_id, "trivia_stop", f"round #{round_.id} running", "stopped"
            )

        stopped = await self.store.stop_round(
            channel.id,
            may_stop=lambda round_: user_id == round_.starter_id or is_moderator,
            audit=audit,
            close_kind=CLOSE_JOB,
            scorer=scorer,
            now=self.now(),
        )
        if stopped is None:
            raise UserError("There's no trivia round running in this channel.")
        if not stopped.allowed:
            raise UserError("Only the member who started this round, or a moderator, can stop it.")
        await interaction.response.send_message("Stopping the round.", ephemeral=True)
        for reveal in stopped.reveals:
            self._forget(reveal.asked.id)
            await self._close_and_reveal(channel, reveal.asked, reveal.answers, stopped.round.total)
        embed = render.scoreboard_embed(list(stopped.scoreboard), len(stopped.questions), True)
        await channel.send(embed=embed, nonce=f"ts{stopped.round.id}")

    # --- answers -----------------------------------------------------------------------------

    async def _lookup(self, asked_id: int) -> tuple[Asked, Question] | None:
        """A question and its parsed payload; an open one is kept, with who has answered it so far, until
        it closes (a guild's interactions all reach the process holding its shard)."""
        cached = self._asked.get(asked_id)
        if cached is None:
            asked = await self.store.get_asked(asked_id)
            if asked is None:
                return None
            cached = (asked, self.question_of(asked))
            if asked.state == "open":
                self._answered[asked_id] = await self.store.answered_members(asked_id)
                self._asked[asked_id] = cached
        return cached

    def _forget(self, asked_id: int) -> None:
        self._asked.pop(asked_id, None)
        self._answered.pop(asked_id, None)

    def _note_answer(self, asked_id: int, user_id: int, result: AnswerResult) -> None:
        if result is not AnswerResult.CLOSED and asked_id in self._answered:
            self._answered[asked_id].add(user_id)

    async def on_choice(self, interaction: discord.Interaction[Any], asked_id: int, choice: int) -> None:
        """A button click: one small transaction, then an ephemeral acknowledgement right away."""
        found = await self._lookup(asked_id)
        if found is None or choice >= len(found[1].choices):
            await send_ephemeral(interaction, "That question isn't available any more.")
            return
        asked, question = found
        result = await self.store.record_answer(
            asked_id, interaction.user.id, str(choice), choice in question.correct, self.now()
        )
        self._note_answer(asked_id, interaction.user.id, result)
        await send_ephemeral(interaction, _ack(result, asked, f"**{LETTERS[choice]}**"))

    async def on_answer_button(self, interaction: discord.Interaction[Any], asked_id: int) -> None:
        """The typed question's Answer button: open the form unless the member can't answer."""
        found = await self._lookup(asked_id)
        if found is None:
            await send_ephemeral(interaction, "That question isn't available any more.")
            return
        asked = found[0]
        if asked.state != "open" or asked.closes_at <= self.now():
            await send_ephemeral(interaction, _ack(AnswerResult.CLOSED, asked, ""))
        elif interaction.user.id in self._answered.get(asked_id, ()):  # the insert still decides repeats
            await send_ephemeral(interaction, _ack(AnswerResult.DUPLICATE, asked, ""))
        else:
            await interaction.response.send_modal(AnswerModal(asked_id, interaction.user.id))

    async def on_typed(self, interaction: discord.Interaction[Any], asked_id: int, text: str) -> None:
        """A submitted typed answer: matched fairly, stored once."""
        found = await self._lookup(asked_id)
        if found is None:
            await send_ephemeral(interaction, "That question isn't available any more.")
            return
        asked, question = found
        cleaned = " ".join(text.split())[:100]
        if not cleaned:
            await send_ephemeral(interaction, "That answer was empty; press Answer to try again.")
            return
        result = await self.store.record_answer(
            asked_id, interaction.user.id, cleaned, check_typed(question, cleaned), self.now()
        )
        self._note_answer(asked_id, interaction.user.id, result)
        shown = plain(cleaned, 100)
        await send_ephemeral(interaction, _ack(result, asked, f"“{shown}”"))

    # --- the daily question ------------------------------------------------------------------

    async def schedule_daily(self, guild_id: int, settings: DailySettings | None) -> datetime | None:
        """Replace the server's pending daily job with one for the next slot (none when switched off)."""
        step, slot = await self._daily_job(guild_id, settings)
        await self.bot.db.atomic(step)
        return self._woken(slot)

    async def set_daily(
        self, guild_id: int, settings: DailySettings | None, *, actor_id: int
    ) -> datetime | None:
        """Store the daily-question setting and re-time its job in one transaction: never one without the
        other. Returns the next slot (None when switched off)."""
        step, slot = await self._daily_job(guild_id, settings)
        value = settings.to_json() if settings is not None else None
        await self.bot.db.config.set(guild_id, DAILY_KEY, value, actor_id=actor_id, then=step)
        return self._woken(slot)

    async def _daily_job(self, guild_id: int, settings: DailySettings | None) -> tuple[Step, datetime | None]:
        """The write that puts the server's daily job at its next slot (or drops it), and that slot."""
        prefix = f"daily:{guild_id}:"
        if settings is None:
            return self.bot.db.jobs.cancelling(DAILY_JOB, prefix, guild_id=guild_id), None
        spec = WeeklySpec(settings.at, settings.weekdays, await self.bot.guild_timezone(guild_id))
        slot = next_slot(self.bot.clock.now(), spec)
        key = slot_key(guild_id, slot)
        return self.bot.db.jobs.replacing(DAILY_JOB, prefix, key, slot, guild_id=guild_id), slot

    def _woken(self, slot: datetime | None) -> datetime | None:
        if slot is not None:
            self.bot.scheduler.wake(slot)
        return slot

    async def retime_daily(self, guild_id: int) -> None:
        """Move the server's daily job back to the next local slot if it points past it (the clock moved).

        An overdue job stays for the catch-up rule, and so does one that is running.
        """
        settings = await self.daily_settings(guild_id)
        if settings is None:
            return
        spec = WeeklySpec(settings.at, settings.weekdays, await self.bot.guild_timezone(guild_id))
        slot = next_slot(self.bot.clock.now(), spec)
        key = slot_key(guild_id, slot)
        prefix = f"daily:{guild_id}:"
        replace = self.bot.db.jobs.replacing(
            DAILY_JOB, prefix, key, slot, guild_id=guild_id, keep_sooner=True
        )
        if await self.bot.db.atomic(replace):
            log.info("Daily question of guild %s re-timed to %s", guild_id, slot)
            self.bot.scheduler.wake(slot)

    async def on_daily(self, job: Job) -> None:
        """Scheduler job for one daily slot: schedule the next slot first, then post (at most once)."""
        guild_id = job.guild_id
        settings = await self.daily_settings(guild_id) if guild_id is not None else None
        if guild_id is None or settings is None:
            return
        spec = WeeklySpec(settings.at, settings.weekdays, await self.bot.guild_timezone(guild_id))
        plan = plan_run(job.due_at, self.bot.clock.now(), spec)
        await self.bot.scheduler.schedule(
            DAILY_JOB, slot_key(guild_id, plan.next_slot), plan.next_slot, guild_id=guild_id
        )
        if not plan.post:
            log.info(
                "Skipping the daily question for slot %s in guild %s: missed by too long", plan.slot, guild_id
            )
            return
        await self._post_daily(guild_id, settings, slot_key(guild_id, plan.slot), plan.late, job.nonce)

    async def _post_daily(
        self, guild_id: int, settings: DailySettings, slot: str, late: bool, nonce: str
    ) -> None:
        channel = await self.channel(settings.channel_id)
        if channel is None:
            raise PermanentJobError(f"the daily trivia channel {settings.channel_id} is gone")
        if isinstance(channel, discord.abc.GuildChannel) and not can_post(channel, channel.guild):
            raise PermanentJobError(f"no permission to post the daily trivia question in #{channel.name}")
        asked = await self.store.daily_asked(guild_id, slot)
        if asked is None:
            asked = await self._store_daily(guild_id, channel.id, settings, slot)
            if asked is None:
                raise PermanentJobError(
                    "the question bank has no setup-level questions for the daily question"
                )
        heading = "Daily question (late: the bot was offline)" if late else "Daily question"
        try:
            await self._post_question(channel, asked, heading, nonce)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PermanentJobError(f"can't post the daily trivia question: {exc}") from exc

    async def _store_daily(
        self, guild_id: int, channel_id: int, settings: DailySettings, slot: str
    ) -> Asked | None:
        film = await self.bot.current_film(guild_id)
        cycle, seen = await self.store.seen(guild_id, film.key)
        pick = pick_next(self.bank(film).eligible(SpoilerLevel.SETUP), seen, set(), self._rng)
        if pick is None:
            return None
        now = self.now()
        asked: Asked = await self.store.ask(
            guild_id=guild_id,
            channel_id=channel_id,
            payload=pick.question.to_payload(),
            mode="buttons",
            season=await self.store.current_season(guild_id),
            opened_at=now,
            closes_at=now + settings.window.total_seconds(),
            cycle=cycle + 1 if pick.new_cycle else cycle,
            daily_slot=slot,
            close_kind=CLOSE_JOB,
        )
        return asked


def _ack(result: AnswerResult, asked: Asked, shown: str) -> str:
    if result is AnswerResult.RECORDED:
        return f"Got it: your answer {shown} is in. The reveal comes <t:{int(asked.closes_at)}:R>."
    if result is AnswerResult.DUPLICATE:
        return "You already answered this question; one answer each."
    return "This question is closed; the reveal is on its way."


def can_post(channel: discord.abc.GuildChannel | discord.Thread, guild: discord.Guild) -> bool:
    """Whether the bot may read, post and embed in the channel."""
    return _posting_allowed(channel.permissions_for(guild.me))


def require_postable_here(interaction: discord.Interaction[Any]) -> None:
    """UserError unless the bot can post embeds in the interaction's channel (the permissions Discord
    sends with the interaction: the bot's own there, overwrites included)."""
    if not _posting_allowed(interaction.app_permissions):
        raise UserError(
            "I can't post there: I need View Channel, Send Messages and Embed Links in that channel."
        )


def _posting_allowed(perms: discord.Permissions) -> bool:
    return perms.view_channel and perms.send_messages and perms.embed_links


def _guild_channel(interaction: discord.Interaction[Any]) -> tuple[discord.Guild, Postable]:
    if interaction.guild is None:
        raise UserError("Trivia works in a server channel, not in direct messages.")
    channel = interaction.channel
    if not isinstance(channel, Postable):
        raise UserError("Trivia works in text channels and threads.")
    return interaction.guild, channel


def utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)
