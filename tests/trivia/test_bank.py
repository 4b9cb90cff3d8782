"""The question bank: generated from the pack, never contradicting it, honest about disputes and gaps."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.films import find_cast, load_library
from bot.films.model import Beat, CastMember, Character, Evidence, Fact, Film, SpoilerLevel, Theme, Variant
from bot.names import fold, person_variants
from bot.settings import DEFAULT_FILMS_DIR
from cogs.trivia._bank import CHOICES, Question, build_bank, slug
from cogs.trivia._engine import check_typed, pick_next

E = (Evidence("s1", "a short quote"),)


def fact(key: str, *values: str, level: SpoilerLevel = SpoilerLevel.SETUP, amount: int | None = None) -> Fact:
    return Fact(
        key,
        key,
        tuple(Variant(v, E, amount) for v in values),
        "they disagree" if len(values) > 1 else "",
        level,
    )


def member(actor: str, *names: str, key: str | None = None) -> CastMember:
    return CastMember(actor, E, fact("c", *names), key, fact("r"))


def film(cast: tuple[CastMember, ...] = (), facts: dict[str, Fact] | None = None, **extra: object) -> Film:
    return Film(
        key="tiny",
        title="Tiny",
        facts=MappingProxyType(facts or {}),
        cast=cast,
        characters=extra.get("characters", ()),
        beats=extra.get("beats", ()),
        synopsis_safe=(),
        synopsis_full=(),
        themes=extra.get("themes", ()),
        sources=(),
    )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def rush() -> Film:
    return load_library(DEFAULT_FILMS_DIR).get("rush")


def test_rush_bank_size_and_kinds(rush: Film) -> None:
    bank = build_bank(rush)
    assert len(bank) == 36
    assert bank.counts() == {
        "beat-first": 14,
        "cast-actor": 4,
        "cast-character": 4,
        "cast-role": 5,
        "director": 1,
        "novel": 1,
        "release-year": 1,
        "runtime": 1,
        "screenplay": 1,
        "theme": 4,
    }
    assert build_bank(rush) == bank  # stable: same choices and order every time


def test_every_question_is_well_formed(rush: Film) -> None:
    for q in build_bank(rush).questions:
        assert len(q.choices) == CHOICES, q.id
        assert len({fold(c) for c in q.choices}) == CHOICES, q.id  # distinct choices
        right = {fold(q.choices[i]) for i in q.correct}
        assert q.correct and all(fold(c) not in right for i, c in enumerate(q.choices) if i not in q.correct)
        assert q.sources and all(rush.source(s) for s in q.sources), q.id
        assert Question.from_payload(q.to_payload()) == q
        assert ":" in q.id and q.id == q.id.lower()


def test_no_question_contradicts_the_pack(rush: Film) -> None:
    bank = build_bank(rush)
    actors = {c.actor for c in rush.cast}
    parts = {c.actor: c for c in rush.cast}
    for q in bank.questions:
        right = [q.choices[i] for i in sorted(q.correct)]
        wrong = [c for i, c in enumerate(q.choices) if i not in q.correct]
        if q.kind in ("cast-actor", "cast-role"):
            assert right[0] == q.id.split(":")[1].replace("-", " ").title() or right[0] in actors
            assert set(wrong) <= actors  # other actors: same kind
        if q.kind == "cast-character":
            member = next(c for a, c in parts.items() if q.id.endswith(a.lower().replace(" ", "-")))
            assert set(right) == {v.value for v in member.character.variants}
            names = {ch.name for ch in rush.characters}
            assert set(wrong) <= names and not set(wrong) & set(right)
        if q.kind == "director":
            assert right == [rush.fact("director").variants[0].value]
        if q.kind == "beat-first":
            numbers = {b.title: b.number for b in rush.beats}
            assert all(numbers[right[0]] < numbers[w] for w in wrong)  # the answer really comes first
            assert q.level == max(b.level for b in rush.beats if b.title in q.choices)
        if q.kind == "theme":
            theme = next(t for t in rush.themes if t.name == right[0])
            assert theme.description in q.prompt and {t.name for t in rush.themes} >= set(q.choices)


def test_disputed_facts_accept_every_variant_and_say_so(rush: Film) -> None:
    bank = build_bank(rush)
    year = bank.get("release-year:rush")
    assert year is not None and year.note and set(year.answers) == {"1991", "1992"}
    assert {year.choices[i] for i in year.correct} == {"1991", "1992"}
    assert check_typed(year, "1992") and check_typed(year, "1991") and not check_typed(year, "1990")
    elliott = bank.get("cast-character:sam-elliott")
    assert elliott is not None and elliott.note
    assert check_typed(elliott, "Larry") and check_typed(elliott, "captain dodd")


def test_unstated_facts_make_no_question(rush: Film) -> None:
    bank = build_bank(rush)
    assert bank.get("cast-character:max-perlich") is None  # his character's name is unstated
    assert bank.get("cast-character:tony-frank") is None and bank.get("cast-role:tony-frank") is None
    assert not any(
        q.kind.startswith("setting") or q.kind == "studio" for q in bank.questions
    )  # no same-kind options


def test_typed_aliases(rush: Film) -> None:
    bank = build_bank(rush)
    director = bank.get("director:rush")
    assert director is not None
    for answer in ("Lili Fini Zanuck", "zanuck", "Lili Zanuck", "Zanuk", "Lily Fini Zanuck", "Lili"):
        assert check_typed(director, answer), answer
    assert not check_typed(director, "Pete Dexter")
    runtime = bank.get("runtime:rush")
    assert runtime is not None
    for answer in ("About 2 hours", "about 2 hours", "2 hours", "two hours", "120 minutes", "2h"):
        assert check_typed(runtime, answer), answer
    assert not check_typed(runtime, "2 h 30 min")
    for question_id, answer in [
        ("cast-actor:sam-elliott", "sam eliot"),
        ("cast-actor:gregg-allman", "greg allman"),
    ]:
        question = bank.get(question_id)
        assert question is not None and check_typed(question, answer), answer


def test_spoiler_levels_filter(rush: Film) -> None:
    bank = build_bank(rush)
    setup = bank.eligible(SpoilerLevel.SETUP)
    assert setup and all(q.level == SpoilerLevel.SETUP for q in setup)
    assert len(bank.eligible(SpoilerLevel.ENDING)) == len(bank)
    assert all(q.typeable for q in bank.eligible(SpoilerLevel.ENDING, typed=True))


def test_too_few_same_kind_options_make_no_question() -> None:
    cast = (member("Ann Lee", "Nora"), member("Bo Diaz", "Max"), member("Cy Ota", "Rex"))
    bank = build_bank(film(cast, {"studio": fact("studio", "Big Studio")}))
    assert bank.get("cast-actor:ann-lee") is None  # two other actors only
    assert bank.get("studio:tiny") is None  # no other studio anywhere
    bigger = build_bank(film((*cast, member("Di Park", "Zed"))))
    question = bigger.get("cast-actor:ann-lee")
    assert question is not None and sorted(question.choices) == ["Ann Lee", "Bo Diaz", "Cy Ota", "Di Park"]


def test_a_fact_with_too_many_variants_or_two_actors_for_a_part_is_skipped() -> None:
    cast = (member(f"Actor {n}", f"Part {n}") for n in "ABCDE")
    characters = (Character("twin", "Twin", (), "d", E),)
    shared = (member("Pat Roe", "Twin", key="twin"), member("Sam Roe", "Twin", key="twin"))
    bank = build_bank(
        film((*cast, *shared), {"director": fact("director", "A", "B", "C", "D")}, characters=characters)
    )
    assert bank.get("director:tiny") is None
    assert bank.get("cast-actor:pat-roe") is None and bank.get("cast-actor:sam-roe") is None


def test_shared_surnames_are_not_accepted_alone() -> None:
    cast = (member("Pat Roe", "A"), member("Sam Roe", "B"), member("Cy Ota", "C"), member("Di Park", "D"))
    question = build_bank(film(cast)).get("cast-actor:pat-roe")
    assert question is not None and "Roe" not in question.aliases and check_typed(question, "pat roe")


def test_beats_and_themes_from_hand_made_film() -> None:
    beats = tuple(Beat(n, f"Beat {n}", "s", SpoilerLevel.SETUP, E) for n in range(1, 6))
    themes = tuple(Theme(f"Theme {n}", f"About {n}", E) for n in range(3))
    bank = build_bank(film(beats=beats, themes=themes))
    assert {q.id for q in bank.questions} == {"beat-first:beat-1", "beat-first:beat-2"}  # 3 themes: too few


def test_pick_next_never_repeats_until_the_bank_is_used_up(rush: Film) -> None:
    eligible = build_bank(rush).eligible(SpoilerLevel.SETUP)
    seen: set[str] = set()
    for _ in eligible:
        pick = pick_next(eligible, seen, set())
        assert pick is not None and not pick.new_cycle and pick.question.id not in seen
        seen.add(pick.question.id)
    pick = pick_next(eligible, seen, {eligible[0].id})
    assert pick is not None and pick.new_cycle and pick.question.id != eligible[0].id
    assert pick_next(eligible, seen, {q.id for q in eligible}) is None


def test_readme_reports_the_bank_size(rush: Film) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"**{len(build_bank(rush))} questions**" in readme


def test_every_listed_answer_and_alias_is_accepted_and_no_other_choice(rush: Film) -> None:
    """The answer the reveal shows is always accepted; the wrong choices never are."""
    for question in build_bank(rush).questions:
        for accepted in (*question.answers, *question.aliases):
            assert check_typed(question, accepted), (question.id, accepted)
        for index, choice in enumerate(question.choices):
            assert check_typed(question, choice) == (index in question.correct), (question.id, choice)


def _typos(name: str) -> st.SearchStrategy[str]:
    """A name as people type it: case changed, a letter doubled, dropped or swapped in a long word."""

    def mangle(data: tuple[int, int, int]) -> str:
        pick, at, how = data
        words = name.split()
        word = words[pick % len(words)]
        if len(word) >= 6:
            i = at % (len(word) - 1)
            word = [
                word[:i] + word[i + 1 :],
                word[:i] + word[i] + word[i:],
                word[:i] + word[i + 1] + word[i] + word[i + 2 :],
            ][how % 3]
        words[pick % len(words)] = word
        return " ".join(words)

    return st.tuples(st.integers(0, 9), st.integers(0, 30), st.integers(0, 2)).map(mangle)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_what_cast_finds_for_a_name_trivia_accepts_for_that_person(rush: Film, data: st.DataObject) -> None:
    """A form of an actor's name that /cast resolves to that actor alone is a right typed answer about them."""
    bank = build_bank(rush)
    member = data.draw(st.sampled_from(rush.cast))
    form = data.draw(st.sampled_from(person_variants(member.actor)))
    typed = data.draw(st.one_of(st.just(form), st.just(form.upper()), _typos(form)))
    found = find_cast(rush, typed).matches
    questions = [bank.get(f"{kind}:{slug(member.actor)}") for kind in ("cast-actor", "cast-role")]
    if [m.actor for m in found] == [member.actor]:
        for question in filter(None, questions):
            assert check_typed(question, typed), (question.id, typed)


def test_an_asked_question_is_parsed_once_and_stays_itself(
    rush: Film, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The game parses each asked question's stored snapshot once (its post, close and reveal share it),
    and never hands one asked id's question to another."""
    from types import SimpleNamespace

    from cogs.trivia import _game  # the modules as loaded now (a test may have reloaded the cogs)

    first, second = list(build_bank(rush).eligible(SpoilerLevel.ENDING))[:2]
    parsed: list[str] = []
    real = _game.Question.from_payload.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Question], data: dict[str, object]) -> Question:
        parsed.append(str(data["id"]))
        return real(cls, data)

    monkeypatch.setattr(_game.Question, "from_payload", classmethod(counting))
    game = _game.Game(bot=None)  # type: ignore[arg-type]  # question_of needs no bot
    one = SimpleNamespace(id=1, payload=first.to_payload())
    two = SimpleNamespace(id=2, payload=second.to_payload())
    got = [game.question_of(one) for _ in range(3)]  # type: ignore[arg-type]
    assert [q.to_payload() for q in got] == [first.to_payload()] * 3
    assert got[0] is got[1] is got[2]
    assert game.question_of(two).to_payload() == second.to_payload()  # type: ignore[arg-type]
    assert parsed == [first.id, second.id]


def test_a_pick_is_kept_only_for_the_row_that_holds_its_payload(rush: Film) -> None:
    """A round's freshly picked question is used as its asked row's snapshot without parsing it again, but
    only when the row stores exactly that payload: a row found stored already keeps its own snapshot."""
    from types import SimpleNamespace

    from cogs.trivia import _game

    first, second = list(build_bank(rush).eligible(SpoilerLevel.ENDING))[:2]
    game = _game.Game(bot=None)  # type: ignore[arg-type]
    picked = [(first.to_payload(), first)]
    same = SimpleNamespace(id=1, payload=first.to_payload())
    game._adopt(same, picked)  # type: ignore[arg-type]
    assert game.question_of(same) is first  # type: ignore[arg-type]
    other = SimpleNamespace(id=2, payload=second.to_payload())  # stored before, by another attempt
    game._adopt(other, picked)  # type: ignore[arg-type]
    assert game.question_of(other).to_payload() == second.to_payload()  # type: ignore[arg-type]
    edited = SimpleNamespace(id=3, payload=first.to_payload() | {"prompt": "an older wording"})
    game._adopt(edited, picked)  # type: ignore[arg-type]
    assert game.question_of(edited).prompt == "an older wording"  # type: ignore[arg-type]
