"""Embeds and messages for trivia, built from plain data; Discord's limits are enforced here."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import discord

from bot.films.model import Film, SpoilerLevel
from bot.policy import Reader
from bot.render import FIELD_VALUE_LIMIT, fit_embed, truncate
from bot.spoilers import spoiler
from bot.storage.trivia_rows import AnswerRow, Asked, Round, StandingRow
from cogs.trivia._bank import LETTERS, Bank, Question
from cogs.trivia._scoring import SCORING_RULE, Standing, ranked

COLOUR = discord.Colour.blurple()
REVEAL_COLOUR = discord.Colour.green()
DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
BUTTON_LABEL_LIMIT = 80


_MARKS = re.compile(r"\*\*|\*|^> ", re.MULTILINE)


def choices_shown(question: Question, reader: Reader) -> bool:
    """Whether the choices may be shown untagged: all of them or none, so the shown ones give no hint."""
    return reader.sees_all(question.choice_reveals or (question.reveal,))


def plural(count: int, noun: str) -> str:
    """`1 question`, `3 questions`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def choice_label(index: int, text: str) -> str:
    """A button label: `A · Jason Patric`, cut to Discord's 80 characters."""
    return truncate(f"{LETTERS[index]} · {text}", BUTTON_LABEL_LIMIT)


def button_labels(question: Question, reader: Reader) -> list[str]:
    """Button labels cannot hold a spoiler tag: the letters alone unless every choice may be shown."""
    if choices_shown(question, reader):
        return [choice_label(i, text) for i, text in enumerate(question.choices)]
    return list(LETTERS[: len(question.choices)])


def film_text(text: str, reveal: int, reader: Reader) -> str:
    """Question text as markdown: as written when the reader may see it, else plain inside spoiler tags."""
    if reader.sees(reveal):
        return text
    return spoiler(_MARKS.sub("", text))


def question_embed(
    question: Question, asked: Asked, heading: str, reader: Reader, *, closed_at: float | None = None
) -> discord.Embed:
    """The public question message; text past the reader's point is inside spoiler tags, and once closed
    (on time or stopped early) it says so."""
    lines = [film_text(question.prompt, question.prompt_reveal, reader), ""]
    if asked.mode == "buttons":
        shown = choices_shown(question, reader)
        lines += [
            f"**{LETTERS[i]}.** {choice if shown else spoiler(choice)}"
            for i, choice in enumerate(question.choices)
        ]
        how = "Pick a button; one answer each."
    else:
        how = "Press **Answer** and type it; spelling slips are forgiven, one answer each."
    closes = int(asked.closes_at)
    if closed_at is None:
        lines += ["", f"{how} Open until <t:{closes}:T> (<t:{closes}:R>)."]
    else:
        lines += ["", f"Closed at <t:{int(closed_at)}:T>. The answer is in the next message."]
    embed = discord.Embed(title=heading, description="\n".join(lines), colour=COLOUR)
    embed.set_footer(text=_question_footer(question.level, question.difficulty))
    return fit_embed(embed)


@functools.cache
def _question_footer(level: int, difficulty: int) -> str:
    return f"Spoiler level: {SpoilerLevel(level).label} · {DIFFICULTY.get(difficulty, '?')}"


def mention_list(user_ids: Sequence[int], limit: int = FIELD_VALUE_LIMIT) -> str:
    """Mentions as text (no pings: the bot's AllowedMentions is none), cut to fit with a count."""
    shown: list[str] = []
    length = 0
    for index, user_id in enumerate(user_ids):
        piece = f"<@{user_id}>"
        rest = len(user_ids) - index
        if length + len(piece) + 2 > limit - 20:
            shown.append(f"and {rest} more")
            break
        shown.append(piece)
        length += len(piece) + 2
    return ", ".join(shown) or "nobody"


def source_line(film: Film | None, keys: Sequence[str]) -> str:
    """Source titles for the reveal (keys as a fallback when the film is gone)."""
    titles: list[str] = []
    for key in keys:
        try:
            source = film.source(key) if film else None
        except KeyError:
            source = None
        titles.append(f"{source.title} ({source.kind})" if source else key)
    return "; ".join(titles) or "the film pack"


def reveal_embed(
    question: Question, asked: Asked, answers: Sequence[AnswerRow], film: Film | None, reader: Reader
) -> discord.Embed:
    """The reveal: the right answer, who got it, points, and the sources; later text stays tagged."""
    right = [a for a in answers if a.correct]
    answer = " / ".join(question.answers)
    lines = []
    if reader.sees(question.answer_reveal):
        embed = discord.Embed(title=truncate("Answer: " + answer, 256), colour=REVEAL_COLOUR)
    else:  # an embed title cannot hold a spoiler tag
        embed = discord.Embed(title="Answer: behind the spoiler tag below", colour=REVEAL_COLOUR)
        lines.append(f"Answer: {spoiler(answer)}")
    if asked.mode == "buttons":
        letters = ", ".join(LETTERS[i] for i in sorted(question.correct))
        lines.append(f"The right choice: **{letters}**.")
    embed.description = "\n".join(lines) or None
    if question.note:
        note = film_text(question.note, question.note_reveal, reader)
        embed.add_field(
            name="The sources disagree", value=f"{note} Every version was accepted.", inline=False
        )
    if answers:
        embed.add_field(
            name=f"Right: {len(right)} of {len(answers)}", value=mention_list([a.user_id for a in right])
        )
    else:
        embed.add_field(name="Answers", value="Nobody answered this one.")
    scored = sorted((a for a in right if a.points), key=lambda a: (-(a.points or 0), a.answered_at))[:10]
    if scored:
        embed.add_field(name="Points", value="\n".join(f"<@{a.user_id}> +{a.points}" for a in scored))
    embed.add_field(name="Source", value=source_line(film, question.sources), inline=False)
    return fit_embed(embed)


def scoreboard_embed(rows: Sequence[tuple[int, int, int]], asked_count: int, stopped: bool) -> discord.Embed:
    """The end-of-round scoreboard."""
    title = "Round stopped" if stopped else "Round over"
    lines = [f"**{i}.** <@{u}> — {p} pts ({c} right)" for i, (u, p, c) in enumerate(rows[:20], start=1)]
    embed = discord.Embed(title=f"{title}: scoreboard", colour=COLOUR)
    embed.description = "\n".join(lines) or "Nobody answered this time."
    embed.set_footer(text=f"{plural(asked_count, 'question')} asked. {SCORING_RULE}")
    return fit_embed(embed)


def leaderboard_embed(season: int, current: int, rows: Sequence[StandingRow]) -> discord.Embed:
    """A season's leaderboard with shared ranks for ties."""
    standings = [Standing(r.user_id, r.points, r.correct, r.answered) for r in rows]
    lines = [
        f"**{rank}.** <@{s.user_id}> — {s.points} pts, {s.correct}/{s.answered} right"
        for rank, s in ranked(standings)
    ]
    suffix = " (current)" if season == current else ""
    embed = discord.Embed(title=f"Trivia leaderboard — season {season}{suffix}", colour=COLOUR)
    embed.description = "\n".join(lines) or "No answers yet this season."
    return fit_embed(embed)


def bank_lines(film: Film, bank: Bank) -> list[str]:
    """What `/trivia stats` says about the question bank."""
    levels = bank.level_counts()
    kinds = ", ".join(f"{kind} {count}" for kind, count in bank.counts().items())
    return [
        f"**Question bank for {film.title}:** {len(bank)} questions "
        f"({levels[SpoilerLevel.SETUP]} setup, {levels[SpoilerLevel.MIDDLE]} middle, "
        f"{levels[SpoilerLevel.ENDING]} ending).",
        f"Kinds: {kinds}.",
    ]


def member_lines(
    user_id: int, season: int, mine: StandingRow | None, rank: int | None, total: StandingRow | None
) -> list[str]:
    """A member's season and all-time figures."""
    if mine is None or mine.answered == 0:
        season_line = f"<@{user_id}> hasn't answered in season {season} yet."
    else:
        place = f", rank {rank}" if rank else ""
        season_line = (
            f"<@{user_id}>, season {season}: {mine.points} pts{place}, {mine.correct}/{mine.answered} right, "
            f"streak {mine.streak} (best {mine.best_streak})."
        )
    lines = [season_line]
    if total is not None and total.answered:
        lines.append(f"All seasons: {total.points} pts, {total.correct}/{total.answered} right.")
    return lines


def stats_embed(lines: Sequence[str]) -> discord.Embed:
    embed = discord.Embed(title="Trivia stats", description="\n".join(lines), colour=COLOUR)
    return fit_embed(embed)


def intro_text(title: str, round_: Round, level: SpoilerLevel, available: int) -> str:
    """The public reply to `/trivia start`."""
    mode = "buttons A–D" if round_.mode == "buttons" else "typed answers"
    more = "" if round_.total < available else " (every question that fits these settings)"
    return (
        f"**Trivia: {title}** — {plural(round_.total, 'question')}{more}, {mode}, spoilers up to *{level.label}*, "
        f"{int(round_.timeout)} s per question.\n{SCORING_RULE}"
    )
