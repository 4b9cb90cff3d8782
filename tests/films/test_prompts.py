"""Discussion prompts in a pack: loaded, cross-checked against the pack, and spread across the film."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.films import PackError, SpoilerLevel, load_pack
from tests.films.test_loader import TINY, write_pack

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "data" / "films" / "rush.toml"

THEME = '\n[[themes]]\nname = "Beginnings"\nreveal = 0\ndescription_reveal = 1\ndescription = "How things start."\n'
THEME += 'evidence = [{ source = "doc", quote = "it starts" }]\n'
PROMPT = '\n[[prompts]]\nkey = "{key}"\nreveal = {reveal}\ntext = "What did you think?"\n{refs}\n'


def _pack(tmp_path: Path, *prompts: tuple[str, int, str]) -> Path:
    body = TINY + THEME + "".join(PROMPT.format(key=k, reveal=r, refs=refs) for k, r, refs in prompts)
    return write_pack(tmp_path, body)


def test_prompts_load_with_their_references(tmp_path: Path) -> None:
    film = load_pack(_pack(tmp_path, ("p1", 2, 'beats = [1, 2]\nthemes = ["Beginnings"]\nfacts = ["title"]')))
    (prompt,) = film.prompts
    assert (prompt.key, prompt.reveal, prompt.beats) == ("p1", 2, (1, 2))
    assert prompt.themes == ("Beginnings",) and prompt.facts == ("title",)


BAD = [
    pytest.param(("p", 3, "beats = [1]"), "prompts[0].reveal", "not a beat of this film", id="reveal-out"),
    pytest.param(("p", 1, ""), "prompts[0]", "names no theme, beat or fact", id="no-refs"),
    pytest.param(("p", 1, "beats = [2]"), "prompts[0].beats", "past the prompt's reveal", id="later-beat"),
    pytest.param(("p", 1, "beats = [9]"), "prompts[0].beats", "not a beat of this film", id="no-beat"),
    pytest.param(("p", 1, 'themes = ["Endings"]'), "prompts[0].themes", "not a theme", id="no-theme"),
    pytest.param(("p", 1, 'facts = ["budget"]'), "prompts[0].facts", "not a fact", id="no-fact"),
    pytest.param(("p", 1, 'beats = ["1"]'), "prompts[0].beats[0]", "wrong type", id="beat-type"),
]


@pytest.mark.parametrize(("prompt", "field", "problem"), BAD)
def test_bad_prompts_are_refused(
    tmp_path: Path, prompt: tuple[str, int, str], field: str, problem: str
) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(_pack(tmp_path, prompt))
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_theme_revealed_later_than_the_prompt_is_refused(tmp_path: Path) -> None:
    text = (
        TINY
        + THEME.replace("description_reveal = 1", "description_reveal = 2")
        + PROMPT.format(key="p", reveal=1, refs='themes = ["Beginnings"]')
    )
    with pytest.raises(PackError, match="reaches past the prompt's reveal point"):
        load_pack(write_pack(tmp_path, text))


def test_duplicate_prompt_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="duplicate prompt key"):
        load_pack(_pack(tmp_path, ("p", 1, "beats = [1]"), ("p", 2, "beats = [2]")))


def test_rush_has_prompts_for_every_stage() -> None:
    film = load_pack(PACK)
    assert len(film.prompts) >= 12
    per_level = {level: 0 for level in SpoilerLevel}
    for prompt in film.prompts:
        per_level[film.beat(prompt.reveal).level] += 1
    assert min(per_level.values()) >= 4, per_level


def test_rush_prompts_name_only_people_the_pack_knows() -> None:
    """A capitalised word inside a sentence is a name; every name must be one the pack holds."""
    film = load_pack(PACK)
    known = {film.title}
    for character in film.characters:
        known.update(character.name.split())
        known.update(word for alias in character.aliases for word in alias.split())
    for prompt in film.prompts:
        for sentence in re.split(r"(?<=[.?!:])\s+", prompt.text):
            for word in re.findall(r"(?<!^)\b[A-Z][a-z]+", sentence):
                assert word.removesuffix("'s") in known, (prompt.key, word)
