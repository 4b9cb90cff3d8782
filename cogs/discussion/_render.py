"""What the discussion feature shows: the rooms' index, prompts, ratings and short notes.

Small functions over plain data; every film text goes through the spoiler policy's reader, and every
review (a member's words) through the reader's `render_member_text`, which makes it inert with the shared
user-text helper (`bot.usertext.plain`) and tags it without escaping it a second time.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.films.model import Film, Prompt
from bot.policy import Reader
from bot.ratings import Summary, average_text, bars, star_number, stars
from bot.render import fit_embed
from bot.storage.discussion import Room
from bot.storage.ratings import FilmAverage, Rating
from cogs.discussion._stages import Stage

REVIEW_LIMIT = 300
REVIEWS_SHOWN = 5
COLOUR = discord.Colour.dark_teal()


def stage_of_room(room: Room) -> Stage:
    return Stage(room.stage, room.stages, room.first_beat, room.last_beat)


def index_embed(film: Film, rooms: Sequence[Room]) -> discord.Embed:
    """The pinned index: one line per stage, naming only beat numbers, never beat titles."""
    lines = [
        f"Discussion rooms for **{discord.utils.escape_markdown(film.title)}**, one for each stage of the film.",
        "",
    ]
    for room in rooms:
        stage = stage_of_room(room)
        access = (
            "open to everyone" if not room.private else f"opens when your progress reaches beat {stage.first}"
        )
        lines.append(f"**Stage {stage.number}** ({stage.beats}): <#{room.thread_id}>, {access}")
    lines += [
        "",
        "Save your progress with `/progress set` and I add you to each room as you reach it. "
        "A Join button past your progress warns you first; confirming moves your progress to that stage.",
    ]
    embed = discord.Embed(
        title=f"{film.title}: discussion rooms", description="\n".join(lines), colour=COLOUR
    )
    return fit_embed(embed)


def closed_index_embed(film: Film) -> discord.Embed:
    """The old index once the server moved on to another film."""
    text = (
        f"The rooms for **{discord.utils.escape_markdown(film.title)}** are archived and locked. "
        "They stay readable; new rooms are open for the server's current film."
    )
    return discord.Embed(title=f"{film.title}: rooms closed", description=text, colour=COLOUR)


def join_warning(stage: Stage, progress: int | None) -> str:
    """A plain warning before joining past one's progress: beat numbers only."""
    where = f"your saved progress is beat {progress}" if progress else "you have no saved progress"
    return (
        f"Stage {stage.number} covers {stage.beats}, and {where}. Its room discusses everything "
        f"up to beat {stage.last}, so it will spoil what you haven't watched. Joining also moves your "
        f"progress to beat {stage.first}."
    )


def added_note(rooms: Sequence[Room]) -> str:
    """The one-line ephemeral note when progress opens rooms."""
    places = ", ".join(f"<#{room.thread_id}> (stage {room.stage})" for room in rooms)
    return f"Your progress opened a discussion room: I added you to {places}."


def prompt_message(prompt: Prompt, reader: Reader, stage: Stage) -> str:
    """A prompt as posted in its stage's room (tagged if the reader's point is before its reveal)."""
    return f"**Discussion prompt** for stage {stage.number} ({stage.beats})\n{reader.render(prompt.text, prompt.reveal)}"


def review_text(review: str, reader: Reader, last_beat: int) -> str:
    """A review as this reader may see it: inert, escaped, and tagged unless they finished the film."""
    return reader.render_member_text(review, last_beat, REVIEW_LIMIT)


def ratings_embed(
    film: Film, summary: Summary, reviews: Sequence[Rating], reader: Reader, *, hidden_note: bool
) -> discord.Embed:
    """The club's ratings of a film: average, count, distribution as bars, and the latest reviews."""
    embed = discord.Embed(
        title=f"Club ratings: {film.title}",
        description="\n".join([f"**{average_text(summary)}**", "", *bars(summary)]),
        colour=COLOUR,
    )
    last = len(film.beats)
    shown = [r for r in reviews if r.review][:REVIEWS_SHOWN]
    for rating in shown:
        # One field per review keeps each within the field limit; the name holds only the stars.
        embed.add_field(
            name=f"{stars(rating.halves)} {star_number(rating.halves)}",
            value=f"<@{rating.user_id}> {review_text(rating.review or '', reader, last)}",
            inline=False,
        )
    if shown and hidden_note:
        embed.set_footer(text="Reviews may discuss the ending, so they are hidden until you finish the film.")
    embed.set_footer(text=embed.footer.text or "Rate it yourself with /rate.")
    return fit_embed(embed)


def history_embed(entries: Sequence[tuple[str, FilmAverage | None]]) -> discord.Embed:
    """The club's diary: each film watched with its average."""
    lines = []
    for title, average in entries:
        shown = discord.utils.escape_markdown(title)
        if average is None:
            lines.append(f"**{shown}**: no ratings yet")
        else:
            mean = average.mean_halves / 2
            noun = "rating" if average.count == 1 else "ratings"
            lines.append(f"**{shown}**: {mean:.1f} ★ from {average.count} {noun}")
    embed = discord.Embed(
        title="The club's films", description="\n".join(lines) or "No films rated yet.", colour=COLOUR
    )
    return fit_embed(embed)


def saved_rating(film: Film, halves: int, before: Rating | None, summary: Summary, reviewed: bool) -> str:
    """The confirmation after /rate."""
    was = f" (was {star_number(before.halves)})" if before is not None and before.halves != halves else ""
    note = " with your review" if reviewed else ""
    return (
        f"Saved your rating of **{discord.utils.escape_markdown(film.title)}**: {stars(halves)} "
        f"{star_number(halves)}{was}{note}. Club: {average_text(summary)}."
    )
