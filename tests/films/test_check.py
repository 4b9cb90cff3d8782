"""The pack check: report objects, evidence traced to source documents, and the command's exit codes."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.films import SpoilerLevel, SynopsisPart, load_pack, pack_problems
from bot.films.__main__ import main
from bot.films.check import (
    check,
    check_pack,
    citation_problems,
    default_packs_dir,
    evidence_problems,
    format_report,
)
from tests.films.test_loader import TINY, mutate, write_pack

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "data" / "films" / "rush.toml"
SEEDS = ROOT.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not shipped")
DOC = "Tiny is a film made in 2001.\nAnn Actor plays the hero; it starts\n   slowly and it ends.\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A folder holding the tiny pack and its one source document."""
    write_pack(tmp_path)
    (tmp_path / "doc.txt").write_text(DOC, encoding="utf-8")
    return tmp_path


def test_default_packs_dir_is_the_repository_folder() -> None:
    assert default_packs_dir() == ROOT / "data" / "films"


def test_shipped_pack_reports_its_disputes_and_gaps() -> None:
    report = check_pack(PACK)
    assert report.problems == ()
    assert not report.sources_checked
    disputed = {fact.key for fact in report.disputed}
    assert {"release_year", "setting_place", "setting_time", "cast.sam-elliott.character"} <= disputed
    assert {"novel_title", "cast.tony-frank.character"} <= {fact.key for fact in report.unstated}
    assert len(report.traced) + len(report.unstated) == len(report.facts)
    assert report.evidence_count > len(report.facts)


@needs_seeds
def test_shipped_pack_is_traced_to_its_sources() -> None:
    report = check(PACK, SEEDS)
    assert report.ok, format_report(report)
    assert report.packs[0].sources_checked


def test_evidence_found_with_whitespace_runs_squashed(tiny: Path) -> None:
    film = load_pack(tiny / "tiny.toml")
    assert evidence_problems(film, tiny) == []


def test_every_missing_phrase_is_reported_with_its_field(tiny: Path) -> None:
    text = mutate('quote = "it ends"', 'quote = "it never ends"')
    text = mutate('quote = "the hero" }]', 'quote = "the villain" }]', text)
    write_pack(tiny, text)
    report = check(tiny / "tiny.toml", tiny)
    assert not report.ok
    fields = [problem.field for problem in report.all_problems]
    assert fields == ["characters[0].evidence[0].quote", "beats[1].evidence[0].quote"]
    assert "not found in doc.txt: 'it never ends'" in format_report(report)


def test_missing_document_is_a_problem(tiny: Path) -> None:
    (tiny / "doc.txt").unlink()
    (problem,) = check(tiny / "tiny.toml", tiny).all_problems
    assert problem.field == "sources[0].file"
    assert "doc.txt" in problem.message


def test_malformed_pack_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write_pack(tmp_path, mutate("number = 2", "number = 5"))
    report = check(tmp_path)
    assert not report.ok
    (problem,) = report.all_problems
    assert (problem.field, problem.file) == ("beats[1].number", str(tmp_path / "tiny.toml"))


def test_unloadable_pack_is_reported(tmp_path: Path) -> None:
    write_pack(tmp_path, TINY.replace('title = "Tiny"\n', "", 1))
    report = check(tmp_path / "tiny.toml")
    assert report.packs[0].film is None
    assert "could not be loaded" in format_report(report)


def test_empty_folder_is_a_problem(tmp_path: Path) -> None:
    report = check(tmp_path)
    assert not report.ok
    assert "no film packs" in format_report(report)


def test_cross_references_are_checked_on_built_films() -> None:
    film = load_pack(PACK)
    spoiled = dataclasses.replace(film, synopsis_safe=(SynopsisPart(film.last_beat, "It ends."),))
    assert pack_problems(spoiled) == [
        (
            "synopsis.safe[0].reveal",
            f"the spoiler-free synopsis holds setup passages only (the setup ends at beat {film.setup_end})",
        )
    ]
    reordered = dataclasses.replace(film, beats=film.beats[::-1])
    assert (
        "beats[0].number",
        f"beats must be numbered 1..n in order: expected 1, got {len(film.beats)}",
    ) in (pack_problems(reordered))


def test_report_text_lists_variants_with_sources() -> None:
    text = format_report(check(PACK))
    assert "release_year: Release year" in text
    assert "- 1991 [explainer, review]" in text
    assert "- 1992 [summary]" in text
    assert "novel_title: Title of the source novel" in text
    assert text.endswith("ok: no problems")


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(PACK)]) == 0
    assert "disputed" in capsys.readouterr().out
    write_pack(tmp_path, mutate("number = 2", "number = 5"))
    assert main(["check", str(tmp_path)]) == 1
    assert "beats[1].number" in capsys.readouterr().out
    for argv in (
        ["check", str(tmp_path / "nothing.toml")],
        ["check", str(PACK), "--sources", "/nowhere"],
        [],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2


def test_main_defaults_to_the_repository_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "rush.toml: Rush (rush)" in capsys.readouterr().out


@needs_seeds
def test_command_line_against_the_sources() -> None:
    command = [
        sys.executable,
        "-m",
        "bot.films",
        "check",
        "data/films/rush.toml",
        "--sources",
        "../shared/seeds",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "found verbatim in the sources" in result.stdout


@needs_seeds
def test_every_source_naming_an_actor_is_cited() -> None:
    film = load_pack(PACK)
    assert citation_problems(film, SEEDS) == []
    patric = next(member for member in film.cast if member.actor == "Jason Patric")
    assert {e.source for e in patric.actor_evidence} == {"explainer", "review", "summary"}


@needs_seeds
def test_a_missing_citation_is_reported() -> None:
    film = load_pack(PACK)
    first = film.cast[0]
    trimmed = dataclasses.replace(first, actor_evidence=first.actor_evidence[1:2])
    problems = citation_problems(dataclasses.replace(film, cast=(trimmed, *film.cast[1:])), SEEDS)
    assert problems and all("is not cited" in problem.message for problem in problems)


# --- reveal points ---------------------------------------------------------------------------


def test_text_without_a_reveal_point_is_refused(tiny: Path) -> None:
    write_pack(tiny, mutate('title = "End"\ntitle_reveal = 2\n', 'title = "End"\n'))
    (problem,) = check(tiny / "tiny.toml").all_problems
    assert (problem.field, problem.message.split(" (")[0]) == (
        "beats[1].title_reveal",
        "missing reveal point",
    )


def test_a_title_may_not_reveal_a_later_beat(tiny: Path) -> None:
    write_pack(tiny, mutate("title_reveal = 1", "title_reveal = 2"))
    (problem,) = check(tiny / "tiny.toml").all_problems
    assert problem.field == "beats[0].title_reveal"
    assert "its own beat and earlier ones" in problem.message


def test_a_reveal_point_before_the_beat_sharing_its_evidence_is_refused(tiny: Path) -> None:
    # The character's phrase "it ends" is beat 2's own evidence, so it cannot be revealed at beat 1.
    text = mutate('quote = "the hero" }]', 'quote = "it ends" }]')
    write_pack(tiny, text)
    (problem,) = check(tiny / "tiny.toml").all_problems
    assert problem.field == "characters[0].description_reveal"
    assert "before beat 2" in problem.message


def test_a_reveal_point_before_the_beat_of_its_evidence_sentence_is_refused(tiny: Path) -> None:
    # "Ann Actor plays the hero" shares a sentence with beat 1's evidence: revealing it at 0 is too early.
    write_pack(tiny, mutate('value = "The Hero"\nreveal = 1', 'value = "The Hero"\nreveal = 0'))
    assert check(tiny / "tiny.toml").ok  # no phrase overlap: only the documents show the problem
    (problem,) = check(tiny / "tiny.toml", tiny).all_problems
    assert problem.field == "cast[0].character.variants[0].reveal"
    assert "before beat 1, whose evidence sentence it quotes" in problem.message


def test_full_synopsis_passages_end_at_later_and_later_beats(tiny: Path) -> None:
    text = mutate(
        '[[synopsis.full]]\nreveal = 2\ntext = "It starts and ends."',
        '[[synopsis.full]]\nreveal = 1\ntext = "It starts."\n\n[[synopsis.full]]\nreveal = 1\ntext = "Again."',
    )
    write_pack(tiny, text)
    fields = [problem.field for problem in check(tiny / "tiny.toml").all_problems]
    assert fields == ["synopsis.full[1].reveal", "synopsis.full"]


def test_levels_are_ranges_of_beats(tiny: Path) -> None:
    film = load_pack(write_pack(tiny))
    assert film.setup_end == 1
    assert [film.level_of(beat) for beat in (0, 1, 2)] == [
        SpoilerLevel.SETUP,
        SpoilerLevel.SETUP,
        SpoilerLevel.ENDING,
    ]
