"""What the discussion feature draws: reviews stay whole and tagged, payloads fit Discord's limits."""

from __future__ import annotations

from pathlib import Path

from bot.films import load_pack
from bot.policy import reader_for
from bot.ratings import summarise
from bot.spoilers import unescape, unescaped_marks
from bot.storage.discussion import Room
from bot.storage.ratings import Rating
from bot.usertext import ZWSP, plain
from cogs.discussion._render import index_embed, join_warning, ratings_embed, review_text
from cogs.discussion._stages import Stage

PACK = Path(__file__).resolve().parents[2] / "data" / "films" / "rush.toml"


def test_five_long_reviews_fit_and_each_stays_tagged_for_an_unfinished_reader() -> None:
    film = load_pack(PACK)
    reviews = [Rating(1000 + n, 10, f"Review {n} " + "x" * 260 + " <@1> @here ||end", 0.0) for n in range(5)]
    reader = reader_for(setup_end=6, spoiler_channel=False, private=False)
    embed = ratings_embed(film, summarise([10] * 5), reviews, reader, hidden_note=True)
    assert len(embed.fields) == 5 and len(embed) <= 6000
    for field in embed.fields:
        value = field.value or ""
        assert len(value) <= 1024 and value.count("||") % 2 == 0
        assert "Review" not in (field.name or "") and "Review" not in (embed.title or "")
        assert unescaped_marks(value, "<@1>") == [] and "@here" not in value  # shown as typed, inert
        assert value.split(" ", 1)[1].startswith("||")
    finished = reader_for(setup_end=6, spoiler_channel=False, private=True, progress=17)
    shown = ratings_embed(film, summarise([10] * 5), reviews, finished, hidden_note=False)
    assert "||Review" not in (shown.fields[0].value or "") and not shown.footer.text.startswith("Reviews")


def test_index_and_warning_name_beats_by_number_only() -> None:
    film = load_pack(PACK)
    rooms = [Room(100 + n, 1, 2, "rush", n, 3, first, last, n > 1, False) for n, (first, last) in
             enumerate([(1, 6), (7, 12), (13, 17)], start=1)]  # fmt: skip
    text = (index_embed(film, rooms).description or "") + join_warning(Stage(3, 3, 13, 17), 4)
    for beat in film.beats[6:]:
        assert beat.title not in text
    assert "beat 4" in join_warning(Stage(3, 3, 13, 17), 4)


def test_a_review_is_escaped_once_by_the_shared_helper_and_tagged_whole() -> None:
    film = load_pack(PACK)
    review = "Loved it <@1> @everyone [x](https://evil.example) || out \\"
    reader = reader_for(setup_end=6, spoiler_channel=False, private=False)
    tagged = review_text(review, reader, len(film.beats))
    assert tagged == f"||{plain(review)}||"  # the one helper's escaping, no second pass
    assert unescaped_marks(tagged, "||") == [0, len(tagged) - 2]
    assert "\\\\\\|" not in tagged and unescape(tagged).replace(ZWSP, "") == f"||{review}||"
    finished = reader_for(setup_end=6, spoiler_channel=False, private=True, progress=17)
    assert review_text(review, finished, len(film.beats)) == plain(review)
