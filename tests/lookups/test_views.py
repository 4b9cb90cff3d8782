"""Page buttons carry their whole state in the custom_id."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cogs.lookups._views import CUSTOM_ID_LIMIT, PAGE_KINDS, TEMPLATE, PageState, pager

states = st.builds(
    PageState,
    kind=st.sampled_from(PAGE_KINDS),
    film=st.from_regex(r"[a-z0-9_-]{1,20}", fullmatch=True),
    private=st.booleans(),
    page=st.integers(min_value=0, max_value=50),
    arg=st.text(max_size=60),
)


@given(states)
def test_a_state_survives_the_round_trip_through_its_custom_id(state: PageState) -> None:
    match = re.fullmatch(TEMPLATE, state.custom_id, re.DOTALL)
    assert match is not None and PageState.from_match(match) == state
    assert state.custom_id.startswith("plot:page:")


@given(states, st.integers(min_value=1, max_value=60))
def test_page_buttons_have_unique_short_ids(state: PageState, pages: int) -> None:
    view = pager(state, pages)
    if pages == 1 or not state.fits:
        assert view is None
        return
    assert view is not None and view.timeout is None
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids)) == 2
    assert all(len(i) <= CUSTOM_ID_LIMIT for i in ids)
