"""The core spoiler policy, decided as plain code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.policy import Place, Reader, Treatment, answer_name, beat_name, public_reader, reader_for
from bot.spoilers import hidden_text, visible_text

reveals = st.integers(min_value=0, max_value=40)
progresses = st.none() | st.integers(min_value=0, max_value=40)
setups = st.integers(min_value=0, max_value=10)


@given(setups, progresses, reveals, st.booleans())
def test_a_spoiler_channel_shows_everything(
    setup: int, progress: int | None, reveal: int, private: bool
) -> None:
    reader = reader_for(setup_end=setup, spoiler_channel=True, private=private, progress=progress)
    assert reader.place is Place.SPOILER_CHANNEL
    assert reader.treat(reveal) is Treatment.SHOW


@given(setups, progresses, reveals)
def test_a_public_reply_shows_the_setup_only_whatever_the_progress(
    setup: int, progress: int | None, reveal: int
) -> None:
    reader = reader_for(setup_end=setup, spoiler_channel=False, private=False, progress=progress)
    assert reader.sees(reveal) == (reveal <= setup)
    assert reader == public_reader(setup)


@given(setups, st.integers(min_value=0, max_value=40), reveals)
def test_a_private_reply_follows_saved_progress_exactly(setup: int, progress: int, reveal: int) -> None:
    reader = reader_for(setup_end=setup, spoiler_channel=False, private=True, progress=progress)
    assert reader.sees(reveal) == (reveal <= progress)
    assert reader.progress_saved


@given(setups, reveals)
def test_a_private_reply_without_progress_is_as_careful_as_a_public_one(setup: int, reveal: int) -> None:
    reader = reader_for(setup_end=setup, spoiler_channel=False, private=True, progress=None)
    assert reader.sees(reveal) == public_reader(setup).sees(reveal)
    assert not reader.progress_saved


@given(setups, progresses, reveals)
def test_without_opt_in_later_text_is_left_out_not_tagged(
    setup: int, progress: int | None, reveal: int
) -> None:
    reader = reader_for(setup_end=setup, spoiler_channel=False, private=True, progress=progress, opt_in=False)
    expected = Treatment.SHOW if reader.sees(reveal) else Treatment.OMIT
    assert reader.treat(reveal) is expected
    assert (reader.render("text", reveal) == "") == (expected is Treatment.OMIT)


def test_render_tags_exactly_past_the_beat() -> None:
    reader = reader_for(setup_end=6, spoiler_channel=False, private=True, progress=7)
    assert visible_text(reader.render("The first fix", 7)) == "The first fix"
    shown = reader.render("They invent evidence", 12)
    assert visible_text(shown) == ""
    assert hidden_text(shown) == "They invent evidence"


def test_untaggable_places_get_the_neutral_form_past_the_beat() -> None:
    reader = public_reader(6)
    assert reader.plain("A rookie wins a race", 2, beat_name(2)) == "A rookie wins a race"
    assert reader.plain("On the stand", 15, beat_name(15)) == "Beat 15"
    assert reader.plain("Acquitted", 15, answer_name(1)) == "Answer B"


def test_with_opt_in_keeps_the_point() -> None:
    reader = reader_for(setup_end=6, spoiler_channel=False, private=True, progress=9)
    shy = reader.with_opt_in(False)
    assert (shy.beat, shy.place, shy.opt_in) == (9, Place.PRIVATE, False)


def test_sees_all() -> None:
    reader = Reader(Place.PRIVATE, 5)
    assert reader.sees_all([0, 3, 5])
    assert not reader.sees_all([0, 6])


def test_shown_up_to_names_the_beats() -> None:
    assert reader_for(setup_end=6, spoiler_channel=False, private=True, progress=7).shown_up_to(17) == (
        "beats 1-7 are shown untagged"
    )
    assert "nothing" in reader_for(setup_end=6, spoiler_channel=False, private=True, progress=0).shown_up_to(
        17
    )
    assert reader_for(setup_end=6, spoiler_channel=True, private=False).shown_up_to(17) == (
        "every beat is shown untagged"
    )


def test_neutral_names() -> None:
    assert beat_name(13) == "Beat 13"
    assert answer_name(0) == "Answer A"
