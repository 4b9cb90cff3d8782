"""The shared limit helpers: nothing over a limit, and a cut never leaves a spoiler tag open."""

from __future__ import annotations

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.render import EMBED_TOTAL_LIMIT, FIELD_VALUE_LIMIT, fit_embed, truncate

WORDS = st.text(alphabet="abc |", min_size=0, max_size=12)
PIECES = st.lists(st.tuples(WORDS.map(lambda w: w.replace("|", "")), st.booleans()), max_size=30)


def _tagged(pieces: list[tuple[str, bool]]) -> str:
    return " ".join(f"||{text}||" if hidden else text for text, hidden in pieces)


@given(PIECES, st.integers(min_value=5, max_value=120))
def test_truncate_fits_and_keeps_tags_balanced(pieces: list[tuple[str, bool]], limit: int) -> None:
    text = _tagged(pieces)
    cut = truncate(text, limit)
    assert len(cut) <= limit
    assert cut.count("||") % 2 == 0
    if len(text) <= limit:
        assert cut == text


def test_a_cut_inside_a_tag_closes_it() -> None:
    assert truncate("safe ||the killer is never shown||", 20) == "safe ||the killer…||"


def test_fit_embed_respects_field_and_total_limits() -> None:
    embed = discord.Embed(title="t" * 300, description="d" * 5000)
    for _ in range(30):
        embed.add_field(name="n", value="||" + "v" * 2000 + "||")
    fit_embed(embed)
    assert len(embed.fields) <= 25 and len(embed) <= EMBED_TOTAL_LIMIT
    assert all(
        len(f.value or "") <= FIELD_VALUE_LIMIT and (f.value or "").count("||") % 2 == 0 for f in embed.fields
    )
