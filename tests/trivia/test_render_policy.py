"""Every question of the bank, as posted in an ordinary channel and in a spoiler channel, follows the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.films import load_pack
from bot.policy import Place, Reader, public_reader
from bot.spoilers import hidden_text, visible_text
from bot.storage.trivia_rows import Asked
from cogs.trivia._bank import Question, build_bank
from cogs.trivia._render import button_labels, question_embed, reveal_embed

FILM = load_pack(Path(__file__).resolve().parents[2] / "data" / "films" / "rush.toml")
BANK = build_bank(FILM)
PUBLIC = public_reader(FILM.setup_end)
EVERYTHING = Reader(Place.SPOILER_CHANNEL, None)


def _asked(question: Question, mode: str = "buttons") -> Asked:
    return Asked(
        1,
        1,
        1,
        None,
        None,
        "2026-12-01",
        question.id,
        mode,
        question.to_payload(),
        1,
        0.0,
        60.0,
        None,
        "open",
    )


def _later(question: Question) -> list[str]:
    texts = [c for i, c in enumerate(question.choices) if question.choice_reveal(i) > FILM.setup_end]
    if question.answer_reveal > FILM.setup_end:
        texts += list(question.answers)
    return texts


@pytest.mark.parametrize("question", BANK.questions, ids=[q.id for q in BANK.questions])
def test_an_ordinary_channel_sees_nothing_later_untagged(question: Question) -> None:
    embed = question_embed(question, _asked(question), "Question 1 of 1", PUBLIC)
    reveal = reveal_embed(question, _asked(question), [], FILM, PUBLIC)
    labels = button_labels(question, PUBLIC)
    untaggable = [embed.title or "", reveal.title or "", *labels, *(f.name or "" for f in reveal.fields)]
    shown = visible_text(embed.description or "") + visible_text(reveal.description or "")
    shown += "".join(visible_text(f.value or "") for f in reveal.fields)
    for text in _later(question):
        assert text not in shown and all(text not in place for place in untaggable)
    if question.reveal > FILM.setup_end:
        assert any(text in hidden_text(embed.description or "") for text in _later(question)) or not _later(
            question
        )


@pytest.mark.parametrize("question", BANK.questions, ids=[q.id for q in BANK.questions])
def test_buttons_carry_letters_only_unless_every_choice_may_be_shown(question: Question) -> None:
    labels = button_labels(question, PUBLIC)
    every_choice_shown = all(
        question.choice_reveal(i) <= FILM.setup_end for i in range(len(question.choices))
    )
    assert (labels == ["A", "B", "C", "D"]) == (not every_choice_shown)
    assert all(" · " in label for label in button_labels(question, EVERYTHING))


def test_a_spoiler_channel_shows_the_whole_question() -> None:
    late = max(BANK.questions, key=lambda q: q.reveal)
    embed = question_embed(late, _asked(late), "Question 1 of 1", EVERYTHING)
    assert "||" not in (embed.description or "").replace("\\|", "")
    assert reveal_embed(late, _asked(late), [], FILM, EVERYTHING).title == "Answer: " + " / ".join(
        late.answers
    )


def test_questions_without_reveal_points_count_as_revealing_the_end() -> None:
    payload = BANK.questions[0].to_payload()
    del payload["reveals"]
    old = Question.from_payload(payload)
    assert not PUBLIC.sees(old.reveal) and button_labels(old, PUBLIC) == ["A", "B", "C", "D"]


def test_reveal_points_survive_the_stored_snapshot() -> None:
    for question in BANK.questions:
        assert Question.from_payload(question.to_payload()) == question
