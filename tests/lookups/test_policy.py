"""The spoiler policy, decided as plain code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.films.model import SpoilerLevel
from cogs.lookups._policy import Reader, Treatment, needs_tag, progress_level, treatment

levels = st.sampled_from(list(SpoilerLevel))
beats = st.none() | st.integers(min_value=1, max_value=40)
readers = st.builds(
    Reader,
    ephemeral=st.booleans(),
    spoiler_channel=st.booleans(),
    progress=st.none() | st.integers(min_value=1, max_value=40),
    progress_level=st.none() | levels,
    opt_in=st.booleans(),
)


@given(readers, levels, beats)
def test_public_posts_never_show_later_text_untagged_outside_a_spoiler_channel(
    reader: Reader, level: SpoilerLevel, beat: int | None
) -> None:
    public = Reader(
        ephemeral=False,
        spoiler_channel=False,
        progress=reader.progress,
        progress_level=reader.progress_level,
        opt_in=reader.opt_in,
    )
    if level > SpoilerLevel.SETUP:
        assert treatment(public, level, beat) is not Treatment.SHOW


@given(readers, levels, beats)
def test_a_spoiler_channel_never_tags(reader: Reader, level: SpoilerLevel, beat: int | None) -> None:
    here = Reader(reader.ephemeral, True, reader.progress, reader.progress_level, reader.opt_in)
    assert treatment(here, level, beat) is not Treatment.TAG


@given(readers, beats)
def test_setup_text_is_untagged_without_progress(reader: Reader, beat: int | None) -> None:
    fresh = Reader(reader.ephemeral, reader.spoiler_channel, None, None, reader.opt_in)
    assert treatment(fresh, SpoilerLevel.SETUP, beat) is Treatment.SHOW


@given(readers, levels, beats)
def test_without_opt_in_later_text_is_left_out(reader: Reader, level: SpoilerLevel, beat: int | None) -> None:
    shy = Reader(reader.ephemeral, reader.spoiler_channel, reader.progress, reader.progress_level, False)
    assert (treatment(shy, level, beat) is Treatment.OMIT) == (level > SpoilerLevel.SETUP)


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=40), levels)
def test_ephemeral_progress_tags_exactly_the_beats_after_it(
    progress: int, beat: int, level: SpoilerLevel
) -> None:
    reader = Reader(ephemeral=True, progress=progress, progress_level=SpoilerLevel.MIDDLE)
    assert needs_tag(reader, level, beat) == (beat > progress)


def test_progress_is_ignored_in_public_posts() -> None:
    reader = Reader(ephemeral=False, progress=40, progress_level=SpoilerLevel.ENDING)
    assert needs_tag(reader, SpoilerLevel.ENDING, 3)
    assert needs_tag(reader, SpoilerLevel.MIDDLE)


def test_text_without_a_beat_follows_the_level_reached() -> None:
    reader = Reader(ephemeral=True, progress=5, progress_level=SpoilerLevel.MIDDLE)
    assert not needs_tag(reader, SpoilerLevel.MIDDLE)
    assert needs_tag(reader, SpoilerLevel.ENDING)


def test_ephemeral_without_progress_is_as_careful_as_public() -> None:
    reader = Reader(ephemeral=True)
    assert needs_tag(reader, SpoilerLevel.MIDDLE, 4)
    assert not needs_tag(reader, SpoilerLevel.SETUP, 1)


def test_progress_level_is_the_furthest_seen() -> None:
    assert progress_level([SpoilerLevel.SETUP, SpoilerLevel.MIDDLE]) is SpoilerLevel.MIDDLE
    assert progress_level([]) is SpoilerLevel.SETUP
