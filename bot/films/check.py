"""Validate film packs and trace their facts to the source documents.

The logic behind `python -m bot.films check`: plain functions returning report
objects, so tests can call them directly; `__main__` only parses and prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.films.loader import PackError, iter_evidence, iter_facts, pack_problems, parse_pack
from bot.films.model import Evidence, Fact, Film
from bot.films.reveals import iter_reliance, iter_texts

# A sentence ends at . ! or ? (possibly followed by a closing bracket or quote) and white space; line breaks
# alone do not end one, since the documents wrap some sentences across lines.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][)\]\"'”’])\s+")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a pack: the file, the field path and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class PackReport:
    """What checking one pack found: its film (None when it did not load), facts and problems."""

    file: str
    film: Film | None
    problems: tuple[Problem, ...]
    facts: tuple[tuple[str, Fact], ...] = ()  # every fact with its field path
    evidence_count: int = 0
    sources_checked: bool = False

    @property
    def traced(self) -> tuple[Fact, ...]:
        return tuple(fact for _, fact in self.facts if fact.stated)

    @property
    def disputed(self) -> tuple[Fact, ...]:
        return tuple(fact for _, fact in self.facts if fact.disputed)

    @property
    def unstated(self) -> tuple[Fact, ...]:
        return tuple(fact for _, fact in self.facts if not fact.stated)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The result of checking one pack or a folder of packs."""

    packs: tuple[PackReport, ...]
    problems: tuple[Problem, ...] = ()  # problems that belong to no single pack

    @property
    def all_problems(self) -> tuple[Problem, ...]:
        return self.problems + tuple(problem for pack in self.packs for problem in pack.problems)

    @property
    def ok(self) -> bool:
        return not self.all_problems


def default_packs_dir() -> Path:
    """The repository's film pack folder, `data/films/`."""
    return Path(__file__).resolve().parents[2] / "data" / "films"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _read_documents(film: Film, file: str, sources_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    texts: dict[str, str] = {}
    problems = []
    for index, source in enumerate(film.sources):
        try:
            texts[source.key] = _squash((sources_dir / source.file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(file, f"sources[{index}].file", f"cannot read {source.file}: {error}"))
    return texts, problems


def evidence_problems(film: Film, sources_dir: Path) -> list[Problem]:
    """Every evidence phrase not found verbatim (whitespace runs aside) in the document its source names."""
    file = film.pack_file
    texts, problems = _read_documents(film, file, sources_dir)
    files = {source.key: source.file for source in film.sources}
    for path, evidence in iter_evidence(film):
        text = texts.get(evidence.source)
        if text is not None and _squash(evidence.quote) not in text:
            where = files[evidence.source]
            problems.append(Problem(file, f"{path}.quote", f"not found in {where}: {evidence.quote!r}"))
    return problems


def _sentences(texts: Mapping[str, str]) -> dict[str, list[str]]:
    return {key: [_squash(part) for part in _SENTENCE_END.split(text)] for key, text in texts.items()}


def _sentence_beats(film: Film, sentences: Mapping[str, list[str]]) -> dict[tuple[str, int], int]:
    """For each (source, sentence index) holding a beat's own evidence, the earliest such beat."""
    found: dict[tuple[str, int], int] = {}
    for beat in film.beats:
        for evidence in beat.evidence:
            for index in _holding(sentences, evidence):
                place = (evidence.source, index)
                found[place] = min(found.get(place, beat.number), beat.number)
    return found


def _holding(sentences: Mapping[str, list[str]], evidence: Evidence) -> list[int]:
    quote = _squash(evidence.quote)
    return [i for i, sentence in enumerate(sentences.get(evidence.source, ())) if quote in sentence]


def reliance_problems(film: Film, sources_dir: Path) -> list[Problem]:
    """Texts revealed before a beat whose evidence sentence (in the source documents) they quote from.

    A phrase found in several sentences relies on the earliest beat among them (a sentence tied to
    no beat counts as 0); a text relies on the latest beat any of its phrases relies on.
    """
    raw: dict[str, str] = {}
    for source in film.sources:
        try:
            raw[source.key] = (sources_dir / source.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported by evidence_problems
    sentences = _sentences(raw)
    beats = _sentence_beats(film, sentences)
    problems = []
    for path, reveal, evidence in iter_reliance(film):
        needed = 0
        for item in evidence:
            places = _holding(sentences, item)
            if places:
                needed = max(needed, min(beats.get((item.source, i), 0) for i in places))
        if reveal < needed:
            message = f"reveal point {reveal} comes before beat {needed}, whose evidence sentence it quotes"
            problems.append(Problem(film.pack_file, path, message))
    return problems


def citation_problems(film: Film, sources_dir: Path) -> list[Problem]:
    """Every source that names an actor in full but is missing from that actor's citations."""
    texts, _ = _read_documents(film, film.pack_file, sources_dir)
    problems = []
    for index, member in enumerate(film.cast):
        cited = {evidence.source for evidence in member.actor_evidence}
        for key, text in texts.items():
            if key not in cited and member.actor in text:
                message = f"{member.actor} is named in {key} but that source is not cited"
                problems.append(Problem(film.pack_file, f"cast[{index}].actor_evidence", message))
    return problems


def check_pack(path: Path, sources_dir: Path | None = None) -> PackReport:
    """Load one pack, check its cross-references and, given a sources folder, its evidence phrases."""
    try:
        film = parse_pack(path)
    except PackError as error:
        return PackReport(str(path), None, (Problem(error.file, error.field, error.problem),))
    problems = [Problem(str(path), field, message) for field, message in pack_problems(film)]
    if sources_dir is not None:
        problems += evidence_problems(film, sources_dir) + citation_problems(film, sources_dir)
        problems += reliance_problems(film, sources_dir)
    return PackReport(
        file=str(path),
        film=film,
        problems=tuple(problems),
        facts=tuple(iter_facts(film)),
        evidence_count=sum(1 for _ in iter_evidence(film)),
        sources_checked=sources_dir is not None,
    )


def check(target: Path, sources_dir: Path | None = None) -> CheckReport:
    """Check one pack file, or every `*.toml` pack in a folder."""
    if target.is_file():
        return CheckReport((check_pack(target, sources_dir),))
    paths = sorted(target.glob("*.toml")) if target.is_dir() else []
    if not paths:
        return CheckReport((), (Problem(str(target), "(folder)", "no film packs (*.toml) found"),))
    packs = tuple(check_pack(path, sources_dir) for path in paths)
    keys = [pack.film.key for pack in packs if pack.film is not None]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    problems = tuple(Problem(str(target), "key", f"duplicate film key {key!r}") for key in duplicated)
    return CheckReport(packs, problems)


# --- text report -----------------------------------------------------------------------------


def _variant_lines(fact: Fact) -> list[str]:
    return [f"      - {variant.value} [{', '.join(variant.sources)}]" for variant in fact.variants]


def _pack_lines(pack: PackReport) -> list[str]:
    if pack.film is None:
        return [f"{pack.file}: could not be loaded"]
    traced = "found verbatim in the sources" if pack.sources_checked else "not compared with sources"
    lines = [
        f"{pack.file}: {pack.film.title} ({pack.film.key})",
        f"  facts: {len(pack.facts)} ({len(pack.traced)} traced to sources, {len(pack.disputed)} disputed, "
        f"{len(pack.unstated)} unstated); {pack.evidence_count} evidence phrases ({traced})",
        f"  reveal points: {sum(1 for _ in iter_texts(pack.film))} texts, each with the beat that first reveals it "
        f"(setup: beats 1-{pack.film.setup_end} of {pack.film.last_beat})",
        f"  discussion prompts: {len(pack.film.prompts)}",
        f"  disputed ({len(pack.disputed)}):",
    ]
    for fact in pack.disputed:
        lines += [f"    {fact.key}: {fact.label}", *_variant_lines(fact)]
    lines.append(f"  unstated ({len(pack.unstated)}):")
    lines += [
        f"    {fact.key}: {fact.label}" + (f" ({fact.note})" if fact.note else "") for fact in pack.unstated
    ]
    return lines


def format_report(report: CheckReport) -> str:
    """The report as plain text: per pack the traced, disputed and unstated facts, then every problem."""
    lines = [line for pack in report.packs for line in _pack_lines(pack)]
    problems = report.all_problems
    if problems:
        lines.append(f"problems ({len(problems)}):")
        lines += [f"  {problem}" for problem in problems]
    else:
        lines.append("ok: no problems")
    return "\n".join(lines)
