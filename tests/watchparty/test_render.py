"""Rendered watch-party payloads fit Discord's limits, whatever the poll holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord

from bot.storage.watchparty import OPEN, SCHEDULED, Poll, Slot
from cogs.watchparty import _render as render
from cogs.watchparty._views import PollViews, poll_view, tie_view

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_poll(state: str = OPEN, slots: int = 10, title: str = "T" * 100) -> Poll:
    return Poll(
        id=123456789,
        guild_id=1,
        channel_id=2,
        message_id=3,
        creator_id=4,
        title=title,
        voice_channel_id=None,
        place="P" * 100,
        closes_at=NOW + timedelta(hours=1),
        state=state,
        winner_slot=0 if state == SCHEDULED else None,
        tie_due_at=None,
        event_id=None,
        announced=None,
        slots=tuple(Slot(i, NOW + timedelta(days=i + 1), "x" * 90) for i in range(slots)),
    )


def test_poll_view_has_at_most_five_rows_and_short_ids() -> None:
    poll = make_poll()
    view = poll_view(poll, [999] * 10)
    rows = view.to_components()
    assert len(rows) <= 5 and all(len(row["components"]) <= 5 for row in rows)
    ids = [c["custom_id"] for row in rows for c in row["components"]]
    assert len(ids) == 13 and len(set(ids)) == 13 and all(len(i) <= 100 for i in ids)
    closed = poll_view(make_poll(SCHEDULED), [1] * 10).to_components()
    assert [c["custom_id"] for row in closed for c in row["components"]] == [f"wp:voters:{poll.id}"]
    assert len(tie_view(poll.id, list(range(10))).to_components()) == 2


def test_embeds_fit_and_use_discord_timestamps() -> None:
    poll = make_poll()
    embed = render.poll_embed(poll, [5] * 10)
    assert len(embed) <= 6000 and len(embed.description or "") <= 4096
    assert f"<t:{int(poll.slots[0].starts_at.timestamp())}:F>" in (embed.description or "")
    voters = render.voters_embed(poll, {i: list(range(10**17, 10**17 + 60)) for i in range(10)})
    assert len(voters) <= 6000 and all(len(f.value or "") <= 1024 for f in voters.fields)
    winner = render.winner_embed(make_poll(SCHEDULED), NOW, "note", "event")
    assert len(winner) <= 6000


def test_mentions_fit_and_allowed_mentions_are_exact() -> None:
    users = list(range(10**18, 10**18 + 200))
    content, mentioned = render.mentioned_prefix(users, "lead")
    assert len(content) <= 2000 and mentioned == users[: len(mentioned)] and mentioned
    allowed = render.allowed_users([7, 8]).to_dict()
    assert allowed["parse"] == [] and allowed["users"] == [7, 8] and "roles" not in allowed
    assert discord.AllowedMentions.none().to_dict()["parse"] == []


def test_titles_are_escaped() -> None:
    assert render.title_text(make_poll(title="**bold** _x_")) == "\\*\\*bold\\*\\* \\_x\\_"


def test_a_polls_view_is_built_once_per_state_and_relabelled_per_vote() -> None:
    views = PollViews()
    poll = make_poll(slots=3)
    first = views.view(poll, [0, 0, 0])
    again = views.view(poll, [2, 1, 0])
    assert again is first  # the same view, relabelled
    assert again.to_components() == poll_view(poll, [2, 1, 0]).to_components()
    closed = make_poll(SCHEDULED, slots=3)
    redrawn = views.view(closed, [2, 1, 0])
    assert redrawn is not first and redrawn.to_components() == poll_view(closed, [2, 1, 0]).to_components()


def test_the_poll_embed_redraws_only_the_counts() -> None:
    poll = make_poll(slots=3)
    before = render.poll_embed(poll, [0, 0, 0]).to_dict()
    after = render.poll_embed(poll, [1, 2, 0]).to_dict()
    assert before["title"] == after["title"] and before["footer"] == after["footer"]
    assert "— **0** votes" in before["description"] and "— **2** votes" in after["description"]
    assert "— **1** vote\n" in after["description"]
    won = render.poll_embed(make_poll(SCHEDULED, slots=3), [3, 1, 0]).description or ""
    assert won.count("🏆") == 1 and "🏆 **#1**" in won
