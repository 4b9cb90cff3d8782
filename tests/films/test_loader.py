"""Loading packs: frozen objects, libraries of packs, and precise errors for malformed packs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.films import Film, FilmLibrary, PackError, SpoilerLevel, load_library, load_pack

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "data" / "films"

UNSTATED = "".join(
    f'\n[[facts]]\nkey = "{key}"\nlabel = "{key}"\nlabel_reveal = 0\nvariants = []\n'
    for key in ("director", "screenplay", "novel", "studio", "runtime", "setting_place", "setting_time")
)
TINY = f"""
key = "tiny"
title = "Tiny"

[[sources]]
key = "doc"
file = "doc.txt"
title = "A document"
kind = "review"

[[facts]]
key = "title"
label = "Title"
label_reveal = 0

[[facts.variants]]
value = "Tiny"
reveal = 0
evidence = [{{ source = "doc", quote = "Tiny is a film" }}]

[[facts]]
key = "release_year"
label = "Release year"
label_reveal = 0

[[facts.variants]]
value = "2001"
reveal = 0
amount = 2001
evidence = [{{ source = "doc", quote = "made in 2001" }}]
{UNSTATED}
[[cast]]
actor = "Ann Actor"
character_key = "hero"
actor_evidence = [{{ source = "doc", quote = "Ann Actor" }}]

[[cast.character.variants]]
value = "The Hero"
reveal = 1
evidence = [{{ source = "doc", quote = "Ann Actor plays the hero" }}]

[cast.role]
variants = []

[[characters]]
key = "hero"
name = "The Hero"
aliases = ["Hero"]
reveal = 0
description = "The lead."
description_reveal = 1
evidence = [{{ source = "doc", quote = "the hero" }}]

[[beats]]
number = 1
title = "Start"
title_reveal = 1
level = "setup"
summary = "It starts."
evidence = [{{ source = "doc", quote = "it starts slowly" }}]

[[beats]]
number = 2
title = "End"
title_reveal = 2
level = "ending"
summary = "It ends."
evidence = [{{ source = "doc", quote = "it ends" }}]

[[synopsis.safe]]
reveal = 1
text = "It starts."

[[synopsis.full]]
reveal = 2
text = "It starts and ends."
"""


def write_pack(folder: Path, text: str = TINY, name: str = "tiny.toml") -> Path:
    """Write a pack file into a folder and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def mutate(old: str, new: str, text: str = TINY) -> str:
    """The tiny pack with one piece of text replaced (which must occur exactly once)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_tiny_pack_loads(tmp_path: Path) -> None:
    film = load_pack(write_pack(tmp_path))
    assert film.key == "tiny"
    assert film.fact("release_year").value is not None
    assert not film.fact("director").stated
    assert film.cast[0].character.key == "cast.ann-actor.character"
    assert film.cast[0].description.label == "Ann Actor's role"
    assert film.beats[1].level is SpoilerLevel.ENDING
    assert film.pack_file == str(tmp_path / "tiny.toml")


def test_loaded_film_is_read_only(tmp_path: Path) -> None:
    film = load_pack(write_pack(tmp_path))
    with pytest.raises(TypeError):
        film.facts["title"] = film.facts["director"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        film.title = "Other"  # type: ignore[misc]
    assert isinstance(film.cast, tuple)
    assert isinstance(film.characters[0].aliases, tuple)


MALFORMED = [
    pytest.param(mutate('title = "Tiny"\n', ""), "title", "missing", id="missing"),
    pytest.param(mutate("number = 1", 'number = "1"'), "beats[0].number", "wrong type", id="wrong-type"),
    pytest.param(
        mutate('{ source = "doc", quote = "Ann Actor plays the hero" }', '{ source = "dok", quote = "x" }'),
        "cast[0].character.variants[0].evidence[0].source",
        "unknown source key 'dok'",
        id="unknown-source",
    ),
    pytest.param(
        mutate(
            'quote = "it ends"', 'quote = "one two three four five six seven eight nine ten eleven twelve 13"'
        ),
        "beats[1].evidence[0].quote",
        "evidence over 12 words",
        id="long-evidence",
    ),
    pytest.param(
        mutate('level = "ending"\nsummary', 'level = "finale"\nsummary'),
        "beats[1].level",
        "unknown spoiler level 'finale'",
        id="unknown-level",
    ),
    pytest.param(mutate("number = 2", "number = 3"), "beats[1].number", "numbered 1..n", id="beat-order"),
    pytest.param(
        mutate('character_key = "hero"', 'character_key = "villain"'),
        "cast[0].character_key",
        "'villain' is not a character key",
        id="unknown-character",
    ),
    pytest.param(
        mutate('key = "director"', 'key = "title"'),
        "facts[2].key",
        "duplicate fact key 'title'",
        id="dup-fact",
    ),
    pytest.param(
        TINY
        + '\n[[characters]]\nkey = "hero"\nname = "Again"\nreveal = 0\ndescription = "x"\ndescription_reveal = 0\n'
        'evidence = [{ source = "doc", quote = "the hero" }]\n',
        "characters[1].key",
        "duplicate character key 'hero'",
        id="dup-character",
    ),
    pytest.param(
        mutate('kind = "review"', 'kind = "review"\nauther = "Someone"'),
        "sources[0].auther",
        "unknown field",
        id="unknown-field",
    ),
    pytest.param(
        mutate("[[synopsis.safe]]\nreveal = 1", "[[synopsis.safe]]\nreveal = 2"),
        "synopsis.safe[0].reveal",
        "setup passages only",
        id="spoiler-in-safe-synopsis",
    ),
    pytest.param(
        mutate('evidence = [{ source = "doc", quote = "made in 2001" }]', "evidence = []"),
        "facts[1].variants[0].evidence",
        "no evidence",
        id="variant-without-evidence",
    ),
    pytest.param(mutate("amount = 2001\n", ""), "facts[1].variants[0].amount", "missing", id="year-amount"),
    pytest.param(
        mutate('key = "studio"', 'key = "studios"'), "facts", "missing required fact 'studio'", id="required"
    ),
    pytest.param(
        mutate("[[beats]]\nnumber = 1", "[[beats]\nnumber = 1"), "(file)", "not valid TOML", id="toml"
    ),
    pytest.param(
        mutate('aliases = ["Hero"]', 'aliases = ["Hero", 3]'),
        "characters[0].aliases[1]",
        "wrong type",
        id="alias-type",
    ),
]


@pytest.mark.parametrize(("text", "field", "problem"), MALFORMED)
def test_malformed_pack_names_file_field_and_problem(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    path = write_pack(tmp_path, text)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert str(path) in message
    assert f": {field}: " in message
    assert problem in message
    assert caught.value.field == field


def test_library_loads_every_pack(tmp_path: Path) -> None:
    write_pack(tmp_path)
    write_pack(tmp_path, mutate('key = "tiny"', 'key = "other"'), "other.toml")
    library = load_library(tmp_path)
    assert library.keys() == ("other", "tiny")
    assert library.default_key == "other"
    assert library.get().key == "other"
    assert library.get("tiny").title == "Tiny"
    assert load_library(tmp_path, default="tiny").default.key == "tiny"
    with pytest.raises(KeyError):
        library.get("missing")


def test_library_of_the_repository() -> None:
    library = load_library(PACKS)
    assert library.keys() == ("rush",)
    assert isinstance(library.get("rush"), Film)


def test_library_is_frozen(tmp_path: Path) -> None:
    write_pack(tmp_path)
    library = load_library(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        library.default_key = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        library.films["x"] = library.get()  # type: ignore[index]
    with pytest.raises(KeyError):
        FilmLibrary(films=library.films, default_key="nope")


@pytest.mark.parametrize(
    ("setup", "field", "problem"),
    [
        pytest.param(lambda folder: None, "(folder)", "no film packs", id="empty"),
        pytest.param(
            lambda folder: (write_pack(folder), write_pack(folder, name="copy.toml")),
            "key",
            "duplicate film key 'tiny'",
            id="duplicate-key",
        ),
    ],
)
def test_library_errors(tmp_path: Path, setup: Callable[[Path], object], field: str, problem: str) -> None:
    setup(tmp_path)
    with pytest.raises(PackError) as caught:
        load_library(tmp_path)
    assert caught.value.field == field
    assert problem in str(caught.value)


def test_library_unknown_default(tmp_path: Path) -> None:
    write_pack(tmp_path)
    with pytest.raises(PackError, match="no film 'rush'"):
        load_library(tmp_path, default="rush")
