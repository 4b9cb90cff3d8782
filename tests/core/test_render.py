"""The shared limit helpers: nothing over a limit, and a cut never leaves a spoiler tag open."""

from __future__ import annotations

import discord
from hypothesis import given, settings
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


def test_fit_embed_counts_the_author_and_footer_in_the_total() -> None:
    embed = discord.Embed(title="t" * 100, description="d" * 4000)
    embed.add_field(name="n" * 100, value="v" * 1000)
    embed.set_footer(text="f" * 790)  # 5990 without the author
    embed.set_author(name="a" * 20)
    fit_embed(embed)
    assert len(embed) <= EMBED_TOTAL_LIMIT


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.text(max_size=300), st.text(max_size=1500), st.booleans()), max_size=30),
    st.text(max_size=5000),
    st.text(max_size=2100),
    st.text(max_size=256),
)
def test_fit_embed_keeps_every_limit_and_leaves_a_fitting_embed_as_it_was(
    fields: list[tuple[str, str, bool]], description: str, footer: str, author: str
) -> None:
    embed = discord.Embed(description=description or None)
    if author:
        embed.set_author(name=author)  # counted in the 6000 too
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    before = embed.to_dict()
    fits = (
        len(fields) <= 25
        and len(description) <= 4096
        and len(footer) <= 2048
        and all(
            name and value and len(name) <= 256 and len(value) <= FIELD_VALUE_LIMIT
            for name, value, _ in fields
        )
        and len(embed) <= EMBED_TOTAL_LIMIT
    )
    fit_embed(embed)
    assert len(embed.fields) <= 25 and len(embed) <= EMBED_TOTAL_LIMIT
    assert all(
        f.name and f.value and len(f.name) <= 256 and len(f.value) <= FIELD_VALUE_LIMIT for f in embed.fields
    )
    assert len(embed.description or "") <= 4096 and len(embed.footer.text or "") <= 2048
    if fits:
        assert embed.to_dict() == before
