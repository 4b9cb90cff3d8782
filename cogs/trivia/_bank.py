"""The question bank, generated from a film pack. No discord import.

Every question comes from facts in the pack and carries its sources. Distractors are
other things of the same kind found in the data (other actors, other characters, other
credited people, other beats, other themes); when there are too few, no question is made.
A disputed fact is either skipped or accepts every variant and says so at the reveal; an
unstated fact makes no question. Ids are derived from the fact (`cast-actor:jason-patric`)
so they survive restarts and pack reloads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.films.model import Beat, CastMember, Fact, Film, SpoilerLevel, Theme
from bot.names import fold, unambiguous_variants
from cogs.trivia._reveals import answer_reveal, character_reveals, names_reveal, reveals_of, variant_reveals

CHOICES = 4
LETTERS = "ABCD"
CREW_FACTS: dict[str, tuple[str, str, int]] = {
    # fact key: (kind, prompt, difficulty)
    "director": ("director", "Who directed *{title}*?", 1),
    "screenplay": ("screenplay", "Who wrote the screenplay for *{title}*?", 2),
    "novel": ("novel", "*{title}* is based on a novel. Who wrote it?", 3),
}
PLACE_FACTS: dict[str, tuple[str, str, int]] = {
    "studio": ("studio", "Which studio is named for *{title}*?", 2),
    "setting_town": ("setting", "In which town is *{title}* set?", 2),
    "setting_state": ("setting-state", "In which state is *{title}* set?", 2),
}
EASY, MEDIUM, HARD = 1, 2, 3


@dataclass(frozen=True, slots=True)
class Question:
    """One question: its choices (right ones included), accepted typed answers and sources."""

    id: str
    film_key: str
    kind: str
    prompt: str
    choices: tuple[str, ...]
    correct: frozenset[int]  # indexes into choices
    answers: tuple[str, ...]  # every right answer, for the reveal
    aliases: tuple[str, ...]  # what a typed answer may match
    level: SpoilerLevel
    difficulty: int
    sources: tuple[str, ...]  # Source keys of the film
    note: str = ""  # set when the sources disagree: said at the reveal
    typeable: bool = True
    # Reveal points (beats) of each part: the prompt, each choice, the right answer, the note.
    prompt_reveal: int = 0
    choice_reveals: tuple[int, ...] = ()
    answer_reveal: int = 0
    note_reveal: int = 0

    @property
    def disputed(self) -> bool:
        return bool(self.note)

    @property
    def reveal(self) -> int:
        """The latest reveal point of anything the question or its reveal shows."""
        note = self.note_reveal if self.note else 0
        return max(self.prompt_reveal, *self.choice_reveals, self.answer_reveal, note)

    def choice_reveal(self, index: int) -> int:
        """The reveal point of one choice (unknown choices count as the question's latest)."""
        if index < len(self.choice_reveals):
            return self.choice_reveals[index]
        return self.reveal

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready snapshot, stored with each asked question so reloads can't change it."""
        return {
            "id": self.id,
            "film_key": self.film_key,
            "kind": self.kind,
            "prompt": self.prompt,
            "choices": list(self.choices),
            "correct": sorted(self.correct),
            "answers": list(self.answers),
            "aliases": list(self.aliases),
            "level": int(self.level),
            "difficulty": self.difficulty,
            "sources": list(self.sources),
            "note": self.note,
            "typeable": self.typeable,
            "reveals": [self.prompt_reveal, self.answer_reveal, self.note_reveal, *self.choice_reveals],
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Question:
        """The inverse of `to_payload`."""
        return cls(
            id=str(data["id"]),
            film_key=str(data["film_key"]),
            kind=str(data["kind"]),
            prompt=str(data["prompt"]),
            choices=tuple(data["choices"]),
            correct=frozenset(int(i) for i in data["correct"]),
            answers=tuple(data["answers"]),
            aliases=tuple(data["aliases"]),
            level=SpoilerLevel(int(data["level"])),
            difficulty=int(data["difficulty"]),
            sources=tuple(data["sources"]),
            note=str(data.get("note", "")),
            typeable=bool(data.get("typeable", True)),
            **_reveals_from(data, len(data["choices"])),
        )


UNKNOWN_REVEAL = 10_000  # a question stored before reveal points existed: treated as revealing the end


def _reveals_from(data: dict[str, Any], choices: int) -> dict[str, Any]:
    stored = [int(value) for value in data.get("reveals", ())]
    if len(stored) != 3 + choices:
        stored = [UNKNOWN_REVEAL] * (3 + choices)
    prompt, answer, note, *each = stored
    return {
        "prompt_reveal": prompt,
        "answer_reveal": answer,
        "note_reveal": note,
        "choice_reveals": tuple(each),
    }


@dataclass(frozen=True, slots=True)
class Bank:
    """All the questions one film supports."""

    film_key: str
    questions: tuple[Question, ...]
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def get(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def __len__(self) -> int:
        return len(self.questions)

    def eligible(self, max_level: SpoilerLevel, *, typed: bool = False) -> list[Question]:
        """Questions at or below a spoiler level (and, for typed rounds, that can be typed)."""
        return [q for q in self.questions if q.level <= max_level and (q.typeable or not typed)]

    def counts(self) -> dict[str, int]:
        """How many questions of each kind."""
        return dict(sorted(Counter(q.kind for q in self.questions).items()))

    def level_counts(self) -> dict[SpoilerLevel, int]:
        """How many questions at each spoiler level."""
        return {level: sum(q.level == level for q in self.questions) for level in SpoilerLevel}


def slug(text: str) -> str:
    """A stable, readable id part: `Jason Patric` -> `jason-patric`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def _seed(question_id: str) -> int:
    return int.from_bytes(hashlib.sha256(question_id.encode()).digest()[:8], "big")


def _same(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def _distinct(values: Iterable[str], excluded: Iterable[str]) -> list[str]:
    """Candidates in order, without repeats and without anything equal to an excluded value."""
    banned = {fold(v) for v in excluded}
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        key = fold(value)
        if key and key not in banned and key not in seen:
            seen.add(key)
            result.append(value)
    return result


def assemble(
    question_id: str,
    right: Sequence[str],
    candidates: Sequence[str],
    *,
    excluded: Iterable[str] = (),
) -> tuple[tuple[str, ...], frozenset[int]] | None:
    """Pick distractors and shuffle the choices, stably per id; None when there are too few distractors."""
    rights = _distinct(right, ())
    if not rights or len(rights) >= CHOICES:
        return None
    pool = _distinct(candidates, [*rights, *excluded])
    needed = CHOICES - len(rights)
    if len(pool) < needed:
        return None
    rng = random.Random(_seed(question_id))
    chosen = rng.sample(pool, needed)
    choices = [*rights, *chosen]
    rng.shuffle(choices)
    correct = frozenset(i for i, c in enumerate(choices) if any(_same(c, r) for r in rights))
    return tuple(choices), correct


def _question(film: Film, **fields: Any) -> Question:
    """A Question whose spoiler level is the range its latest reveal point falls in."""
    question = Question(level=SpoilerLevel.SETUP, **fields)
    return dataclasses.replace(question, level=film.level_of(question.reveal))


def _note(fact: Fact) -> str:
    if not fact.disputed:
        return ""
    return fact.note or "The sources disagree; every version they give was accepted."


def _fact_sources(*facts: Fact) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for fact in facts for v in fact.variants for s in v.sources))


@dataclass(frozen=True, slots=True)
class _People:
    """Everyone credited across the library: crew first, then actors (same-kind pools)."""

    crew: tuple[str, ...]
    actors: tuple[str, ...]

    @property
    def everyone(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.crew, *self.actors]))

    def aliases(self, name: str) -> tuple[str, ...]:
        """The full name and every short form of it that names nobody else credited (see bot.names)."""
        return unambiguous_variants(name, self.everyone)


def _people(films: Sequence[Film]) -> _People:
    crew = [v.value for f in films for key in CREW_FACTS if key in f.facts for v in f.facts[key].variants]
    actors = [c.actor for f in films for c in f.cast]
    return _People(tuple(dict.fromkeys(crew)), tuple(dict.fromkeys(actors)))


def build_bank(film: Film, library: Sequence[Film] = ()) -> Bank:
    """Every question the film's data honestly supports; `library` lends same-kind distractors."""
    films = [film, *(f for f in library if f.key != film.key)]
    people = _people(films)
    questions: list[Question] = []
    questions += _cast_questions(film, people)
    questions += _crew_questions(film, people)
    questions += _place_questions(film, films)
    questions += _amount_questions(film)
    questions += _beat_questions(film)
    questions += _theme_questions(film)
    unique = {q.id: q for q in questions}
    return Bank(film.key, tuple(unique.values()))


# --- cast -----------------------------------------------------------------------------------


def _character_names(film: Film, member: CastMember) -> tuple[str, ...]:
    names = [v.value for v in member.character.variants]
    if member.character_key:
        try:
            character = film.character(member.character_key)
        except KeyError:
            return tuple(names)
        names = [*names, character.name]
    return tuple(dict.fromkeys(names))


def _character_aliases(film: Film, member: CastMember) -> tuple[str, ...]:
    aliases = list(_character_names(film, member))
    if member.character_key:
        with contextlib.suppress(KeyError):
            aliases += film.character(member.character_key).aliases
    return tuple(dict.fromkeys(aliases))


def _part_name(film: Film, member: CastMember) -> str | None:
    if member.character_key:
        try:
            return film.character(member.character_key).name
        except KeyError:
            pass
    variant = member.character.value
    return variant.value if variant else None


def _unique_parts(film: Film) -> list[CastMember]:
    """Cast entries with one stated part per actor and one actor per part (no second right answer)."""
    actors = Counter(c.actor for c in film.cast)
    parts = Counter(c.character_key for c in film.cast if c.character_key)
    return [
        c
        for c in film.cast
        if c.character.stated
        and actors[c.actor] == 1
        and (c.character_key is None or parts[c.character_key] == 1)
    ]


def _cast_questions(film: Film, people: _People) -> list[Question]:
    questions: list[Question] = []
    parts = _unique_parts(film)
    for member in parts:
        questions += filter(None, [_who_played(film, member, people), _whom_played(film, member, parts)])
    for member in film.cast:
        questions += filter(None, [_role_question(film, member, people)])
    return questions


def _who_played(film: Film, member: CastMember, people: _People) -> Question | None:
    character = member.character
    display = _part_name(film, member)
    if display is None:
        return None  # a disputed name with no linked character: no clear way to ask
    qid = f"cast-actor:{slug(member.actor)}"
    others = [c.actor for c in film.cast if c.actor != member.actor] + list(people.actors)
    picked = assemble(qid, [member.actor], others)
    if picked is None:
        return None
    choices, correct = picked
    return _question(
        film,
        id=qid,
        film_key=film.key,
        kind="cast-actor",
        prompt=f"Who plays **{display}** in *{film.title}*?",
        choices=choices,
        correct=correct,
        answers=(member.actor,),
        aliases=people.aliases(member.actor),
        prompt_reveal=names_reveal(film, member),
        choice_reveals=(0,) * len(choices),
        note_reveal=character.note_reveal,
        difficulty=EASY,
        sources=tuple(dict.fromkeys([*(e.source for e in member.actor_evidence), *_fact_sources(character)])),
        note=_note(character),
    )


def _whom_played(film: Film, member: CastMember, parts: Sequence[CastMember]) -> Question | None:
    character = member.character
    if len(character.variants) >= CHOICES:
        return None
    rights = [v.value for v in character.variants]
    excluded = _character_aliases(film, member)
    others = [_part_name(film, c) or "" for c in film.cast if c is not member]  # one name per other part
    others += [ch.name for ch in film.characters if ch.key != member.character_key]
    qid = f"cast-character:{slug(member.actor)}"
    picked = assemble(qid, rights, others, excluded=excluded)
    if picked is None:
        return None
    choices, correct = picked
    return _question(
        film,
        id=qid,
        film_key=film.key,
        kind="cast-character",
        prompt=f"Whom does **{member.actor}** play in *{film.title}*?",
        choices=choices,
        correct=correct,
        answers=tuple(rights),
        aliases=tuple(dict.fromkeys([*rights, *excluded])),
        prompt_reveal=0,
        choice_reveals=reveals_of(choices, character_reveals(film)),
        answer_reveal=answer_reveal(character),
        note_reveal=character.note_reveal,
        difficulty=MEDIUM,
        sources=_fact_sources(character),
        note=_note(character),
    )


def _role_question(film: Film, member: CastMember, people: _People) -> Question | None:
    role = member.description.value  # a disputed or unstated description makes no question
    if role is None or len(role.value) > 300:
        return None
    qid = f"cast-role:{slug(member.actor)}"
    others = [c.actor for c in film.cast if c.actor != member.actor] + list(people.actors)
    picked = assemble(qid, [member.actor], others)
    if picked is None:
        return None
    choices, correct = picked
    return _question(
        film,
        id=qid,
        film_key=film.key,
        kind="cast-role",
        prompt=f"In *{film.title}*, which actor plays this part?\n> {role.value}",
        choices=choices,
        correct=correct,
        answers=(member.actor,),
        aliases=people.aliases(member.actor),
        prompt_reveal=role.reveal,
        choice_reveals=(0,) * len(choices),
        difficulty=HARD,
        sources=role.sources,
    )


# --- crew, places, numbers ------------------------------------------------------------------


def _crew_questions(film: Film, people: _People) -> list[Question]:
    questions: list[Question] = []
    for key, (kind, prompt, difficulty) in CREW_FACTS.items():
        fact = film.facts.get(key)
        if fact is None or not fact.stated or len(fact.variants) >= CHOICES:
            continue
        rights = [v.value for v in fact.variants]
        qid = f"{kind}:{slug(film.key)}"
        picked = assemble(qid, rights, people.everyone)
        if picked is None:
            continue
        aliases = tuple(dict.fromkeys(a for r in rights for a in people.aliases(r)))
        questions.append(
            _question(
                film,
                id=qid,
                film_key=film.key,
                kind=kind,
                prompt=prompt.format(title=film.title),
                choices=picked[0],
                correct=picked[1],
                answers=tuple(rights),
                aliases=aliases,
                choice_reveals=reveals_of(picked[0], variant_reveals(fact)),
                answer_reveal=answer_reveal(fact),
                note_reveal=fact.note_reveal,
                difficulty=difficulty,
                sources=_fact_sources(fact),
                note=_note(fact),
            )
        )
    return questions


def _place_questions(film: Film, films: Sequence[Film]) -> list[Question]:
    """Studio and setting: the distractors are the same facts of other films (none in a one-film library)."""
    questions: list[Question] = []
    for key, (kind, prompt, difficulty) in PLACE_FACTS.items():
        fact = film.facts.get(key)
        if fact is None or not fact.stated or len(fact.variants) >= CHOICES:
            continue
        rights = [v.value for v in fact.variants]
        others = [
            v.value for f in films if f.key != film.key and key in f.facts for v in f.facts[key].variants
        ]
        qid = f"{kind}:{slug(film.key)}"
        picked = assemble(qid, rights, others)
        if picked is None:
            continue
        questions.append(
            _question(
                film,
                id=qid,
                film_key=film.key,
                kind=kind,
                prompt=prompt.format(title=film.title),
                choices=picked[0],
                correct=picked[1],
                answers=tuple(rights),
                aliases=tuple(rights),
                choice_reveals=reveals_of(picked[0], variant_reveals(fact)),
                answer_reveal=answer_reveal(fact),
                note_reveal=fact.note_reveal,
                difficulty=difficulty,
                sources=_fact_sources(fact),
                note=_note(fact),
            )
        )
    return questions


def format_minutes(minutes: int) -> str:
    """`About 2 h`, `About 1 h 45 min`."""
    hours, rest = divmod(minutes, 60)
    text = " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)
    return f"About {text}"


def runtime_aliases(minutes: int) -> tuple[str, ...]:
    """Ways to type a runtime: `120`, `120 minutes`, `2 hours`, `2h`."""
    found = [f"{minutes}", f"{minutes} minutes", f"{minutes} mins", f"{minutes} min", f"{minutes}m"]
    if minutes % 60 == 0:
        hours = minutes // 60
        found += [f"{hours} hours", f"{hours} hour", f"{hours} hrs", f"{hours} hr", f"{hours}h", f"{hours} h"]
    return tuple(found)


def _offsets(rights: Sequence[int], step: int, count: int, floor: int) -> list[int]:
    """Numbers `step` apart on either side of the right ones, never equal to or between them."""
    low, high = min(rights), max(rights)
    found: list[int] = []
    for k in range(1, count + 2):
        found += [v for v in (high + k * step, low - k * step) if v > floor]
    return found


def _amount_questions(film: Film) -> list[Question]:
    """Runtime and release year: numbers whose wrong options are other numbers of the same unit."""
    questions: list[Question] = []
    runtime = film.facts.get("runtime")
    if runtime is not None and runtime.stated and all(v.amount for v in runtime.variants):
        rights = [v.amount for v in runtime.variants if v.amount]
        step = 30 if all(r % 60 == 0 for r in rights) else 15
        candidates = [format_minutes(m) for m in _offsets(rights, step, CHOICES, 30)]
        qid = f"runtime:{slug(film.key)}"
        picked = assemble(qid, [format_minutes(r) for r in rights], candidates)
        if picked and len(runtime.variants) < CHOICES:
            questions.append(
                _question(
                    film,
                    id=qid,
                    film_key=film.key,
                    kind="runtime",
                    prompt=f"Roughly how long does *{film.title}* run?",
                    choices=picked[0],
                    correct=picked[1],
                    answers=tuple(v.value for v in runtime.variants),
                    aliases=tuple(a for r in rights for a in (format_minutes(r), *runtime_aliases(r))),
                    choice_reveals=(answer_reveal(runtime),) * len(picked[0]),
                    answer_reveal=answer_reveal(runtime),
                    note_reveal=runtime.note_reveal,
                    difficulty=HARD,
                    sources=_fact_sources(runtime),
                    note=_note(runtime),
                )
            )
    year = film.facts.get("release_year")
    if (
        year is not None
        and year.stated
        and all(v.amount for v in year.variants)
        and len(year.variants) < CHOICES
    ):
        rights = [v.amount for v in year.variants if v.amount]
        candidates = [str(y) for y in _offsets(rights, 3, CHOICES, 1880)]
        qid = f"release-year:{slug(film.key)}"
        picked = assemble(qid, [str(r) for r in rights], candidates)
        if picked:
            questions.append(
                _question(
                    film,
                    id=qid,
                    film_key=film.key,
                    kind="release-year",
                    prompt=f"In which year did *{film.title}* come out?",
                    choices=picked[0],
                    correct=picked[1],
                    answers=tuple(v.value for v in year.variants),
                    aliases=tuple(str(r) for r in rights),
                    choice_reveals=reveals_of(picked[0], {str(v.amount): v.reveal for v in year.variants}),
                    answer_reveal=answer_reveal(year),
                    note_reveal=year.note_reveal,
                    difficulty=MEDIUM,
                    sources=_fact_sources(year),
                    note=_note(year),
                )
            )
    return questions


# --- beats and themes -----------------------------------------------------------------------


def _beat_questions(film: Film) -> list[Question]:
    """For a beat and three later ones: which comes first? Later beats at the same level are preferred."""
    questions: list[Question] = []
    beats = list(film.beats)
    for index, beat in enumerate(beats):
        later = beats[index + 1 :]
        ranked = sorted(later, key=lambda b: (b.level > beat.level, b.number))[: CHOICES - 1]
        if len(ranked) < CHOICES - 1:
            continue
        question = _beat_question(film, beat, ranked)
        if question is not None:
            questions.append(question)
    return questions


def _beat_question(film: Film, first: Beat, later: Sequence[Beat]) -> Question | None:
    qid = f"beat-first:{slug(first.title)}"
    picked = assemble(qid, [first.title], [b.title for b in later])
    if picked is None:
        return None
    shown = [first, *later]
    return _question(
        film,
        id=qid,
        film_key=film.key,
        kind="beat-first",
        prompt=f"Which of these comes first in *{film.title}*?",
        choices=picked[0],
        correct=picked[1],
        answers=(first.title,),
        aliases=(first.title,),
        choice_reveals=reveals_of(picked[0], {fold(b.title): b.title_reveal for b in shown}),
        answer_reveal=first.title_reveal,
        difficulty=HARD,
        sources=tuple(dict.fromkeys(e.source for b in shown for e in b.evidence)),
        typeable=False,
    )


def _theme_questions(film: Film) -> list[Question]:
    """Which theme does this description describe? The other themes are the distractors."""
    themes = list(film.themes)
    questions: list[Question] = []
    for theme in themes:
        others = [t for t in themes if t.name != theme.name]
        question = _theme_question(film, theme, others)
        if question is not None:
            questions.append(question)
    return questions


def _theme_question(film: Film, theme: Theme, others: Sequence[Theme]) -> Question | None:
    qid = f"theme:{slug(theme.name)}"
    picked = assemble(qid, [theme.name], [t.name for t in others])
    if picked is None:
        return None
    shown = [theme, *(t for t in others if t.name in picked[0])]
    return _question(
        film,
        id=qid,
        film_key=film.key,
        kind="theme",
        prompt=f"Which of the themes of *{film.title}* is this?\n> {theme.description}",
        choices=picked[0],
        correct=picked[1],
        answers=(theme.name,),
        aliases=(theme.name,),
        prompt_reveal=theme.description_reveal,
        choice_reveals=reveals_of(picked[0], {fold(t.name): t.reveal for t in shown}),
        answer_reveal=theme.reveal,
        difficulty=MEDIUM,
        sources=tuple(dict.fromkeys(e.source for e in theme.evidence)),
        typeable=False,
    )
