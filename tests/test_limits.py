"""Discord's payload limits (bot/standin/limits.py): each limit holds at its edge and breaks one past it."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.standin import limits


def button(n: int, **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": f"b{n}", "custom_id": f"id:{n}", **extra}


def row(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(children)}


def option(name: str, kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": f"the {name}", "type": kind, **extra}


def command(**extra: Any) -> dict[str, Any]:
    return {"name": "plot", "description": "Plot lookups", "type": 1, **extra}


def paths(violations: list[limits.Violation]) -> list[str]:
    return [v.path for v in violations]


# --- messages -------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=2100))
def test_content_limit(length: int) -> None:
    found = limits.check_message({"content": "x" * length})
    assert bool(found) == (length > 2000)


@pytest.mark.parametrize(
    ("key", "limit"),
    [("title", 256), ("description", 4096)],
)
def test_embed_text_limits(key: str, limit: int) -> None:
    assert limits.check_embeds([{key: "x" * limit}]) == []
    assert paths(limits.check_embeds([{key: "x" * (limit + 1)}])) == [f"embeds[0].{key}"]


def test_embed_nested_text_limits() -> None:
    assert limits.check_embeds([{"footer": {"text": "x" * 2048}, "author": {"name": "x" * 256}}]) == []
    too_long = [{"footer": {"text": "x" * 2049}, "author": {"name": "x" * 257}}]
    assert paths(limits.check_embeds(too_long)) == ["embeds[0].footer.text", "embeds[0].author.name"]


def test_embed_fields() -> None:
    fields = [{"name": "n", "value": "v"}] * 25
    assert limits.check_embeds([{"fields": fields}]) == []
    assert paths(limits.check_embeds([{"fields": [*fields, {"name": "n", "value": "v"}]}])) == [
        "embeds[0].fields"
    ]
    long_field = {"name": "x" * 257, "value": "y" * 1025}
    assert paths(limits.check_embeds([{"fields": [long_field]}])) == [
        "embeds[0].fields[0].name",
        "embeds[0].fields[0].value",
    ]
    assert paths(limits.check_embeds([{"fields": [{"name": "", "value": "v"}]}])) == [
        "embeds[0].fields[0].name"
    ]


def test_ten_embeds_at_most() -> None:
    assert limits.check_embeds([{"title": "t"}] * 10) == []
    assert paths(limits.check_embeds([{"title": "t"}] * 11)) == ["embeds"]


def test_embed_total_is_summed_across_embeds() -> None:
    two = [{"description": "x" * 3000}, {"description": "x" * 3000}]
    assert limits.check_embeds(two) == []
    two[1]["title"] = "!"
    found = limits.check_embeds(two)
    assert paths(found) == ["embeds"] and "6001" in found[0].problem


@given(st.lists(st.text(max_size=300), max_size=6))
def test_embed_length_counts_each_part(texts: list[str]) -> None:
    embed = {"fields": [{"name": t, "value": t} for t in texts], "title": "".join(texts)[:256]}
    assert limits.embed_length(embed) == 2 * sum(map(len, texts)) + len("".join(texts)[:256])


def test_action_rows_and_buttons() -> None:
    five_by_five = [row(*(button(r * 5 + c) for c in range(5))) for r in range(5)]
    assert limits.check_components(five_by_five) == []
    assert paths(limits.check_components([*five_by_five, row(button(99))])) == ["components"]
    assert paths(limits.check_components([row(*(button(n) for n in range(6)))])) == [
        "components[0].components"
    ]


def test_button_fields() -> None:
    assert limits.check_components([row(button(1, label="x" * 80, custom_id="c" * 100))]) == []
    found = limits.check_components([row(button(1, label="x" * 81, custom_id="c" * 101))])
    assert sorted(paths(found)) == [
        "components[0].components[0].custom_id",
        "components[0].components[0].label",
    ]
    link = {"type": 2, "style": 5, "label": "site", "url": "https://example.org", "custom_id": "nope"}
    assert "custom_id" in limits.check_components([row(link)])[0].problem
    assert limits.check_components([row(button(1), button(1))])[0].problem.startswith("duplicate custom_id")


def test_select_options() -> None:
    options = [{"label": f"o{n}", "value": f"v{n}"} for n in range(25)]
    select = {"type": 3, "custom_id": "pick", "options": options}
    assert limits.check_components([row(select)]) == []
    select["options"] = [*options, {"label": "more", "value": "more"}]
    assert paths(limits.check_components([row(select)])) == ["components[0].components[0].options"]
    assert limits.check_components([row({"type": 3, "custom_id": "s", "options": options[:1]}, button(1))])


def test_components_v2_count_all_nested_components() -> None:
    texts = [{"type": 10, "content": "t"} for _ in range(38)]
    container = {"type": 17, "components": texts}
    assert limits.check_message({"flags": limits.FLAG_COMPONENTS_V2, "components": [container]}) == []
    container["components"] = [*texts, {"type": 10, "content": "t"}, {"type": 10, "content": "t"}]
    found = limits.check_message({"flags": limits.FLAG_COMPONENTS_V2, "components": [container]})
    assert "41 components" in found[0].problem
    mixed = {"flags": limits.FLAG_COMPONENTS_V2, "content": "hi", "components": [container]}
    assert "flags" in paths(limits.check_message(mixed))


def test_poll_limits() -> None:
    answers = [{"poll_media": {"text": "a" * 55}}] * 10
    assert limits.check_poll({"question": {"text": "q" * 300}, "answers": answers}) == []
    found = limits.check_poll(
        {"question": {"text": "q" * 301}, "answers": [*answers, {"poll_media": {"text": "b"}}]}
    )
    assert paths(found) == ["poll.question.text", "poll.answers"]


def test_empty_message() -> None:
    assert limits.is_empty_message({"content": "", "embeds": []})
    assert not limits.is_empty_message({"embeds": [{"title": "t"}]})


# --- interactions ---------------------------------------------------------------------------------------


def test_autocomplete_choices() -> None:
    choices = [{"name": "n" * 100, "value": f"v{n}"} for n in range(25)]
    assert limits.check_callback(8, {"choices": choices}) == []
    assert paths(limits.check_callback(8, {"choices": [*choices, {"name": "x", "value": "x"}]})) == [
        "choices"
    ]
    assert paths(limits.check_choices([{"name": "n" * 101, "value": 1}])) == ["choices[0].name"]
    assert paths(limits.check_choices([{"name": "n", "value": None}])) == ["choices[0].value"]


def text_input(custom_id: str, label: str = "Field") -> dict[str, Any]:
    return {"type": 4, "custom_id": custom_id, "label": label, "style": 1}


def test_modal_limits() -> None:
    modal = {"custom_id": "m", "title": "t" * 45, "components": [row(text_input(f"f{n}")) for n in range(5)]}
    assert limits.check_modal(modal) == []
    assert paths(limits.check_modal({**modal, "title": "t" * 46})) == ["title"]
    six = {**modal, "components": [*modal["components"], row(text_input("f6"))]}
    assert paths(limits.check_modal(six)) == ["components"]
    long_label = {**modal, "components": [row(text_input("f", "l" * 46))]}
    assert paths(limits.check_modal(long_label)) == ["components[0].components[0].label"]
    labelled = {**modal, "components": [{"type": 18, "label": "l" * 46, "component": text_input("f")}]}
    assert paths(limits.check_modal(labelled)) == ["components[0].label"]


def test_discord_py_payloads_pass() -> None:
    """What discord.py itself builds (a view, a modal with labels, an embed) is within the limits."""

    class Form(discord.ui.Modal, title="Review"):
        score = discord.ui.Label(text="Score", component=discord.ui.TextInput(custom_id="form:score"))
        words = discord.ui.TextInput(label="Words", custom_id="form:words")

    view = discord.ui.View(timeout=None)
    for n in range(5):
        view.add_item(discord.ui.Button(label=f"B{n}", custom_id=f"v:{n}"))
    embed = discord.Embed(title="T", description="D").add_field(name="n", value="v")
    assert limits.check_message({"embeds": [embed.to_dict()], "components": view.to_components()}) == []
    assert limits.check_modal(Form().to_dict()) == []


# --- application commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["plot", "watch-party", "top_10", "a" * 32])
def test_valid_command_names(name: str) -> None:
    assert limits.check_command(command(name=name)) == []


@pytest.mark.parametrize("name", ["Plot", "watch party", "", "a" * 33, "plot!"])
def test_invalid_command_names(name: str) -> None:
    assert limits.check_command(command(name=name))


def test_command_description_length() -> None:
    assert limits.check_command(command(description="d" * 100)) == []
    assert limits.check_command(command(description="d" * 101))
    assert limits.check_command(command(description=""))


def test_options_count_order_and_names() -> None:
    assert limits.check_command(command(options=[option(f"o{n}") for n in range(25)])) == []
    assert limits.check_command(command(options=[option(f"o{n}") for n in range(26)]))
    wrong_order = [option("a"), option("b", required=True)]
    assert "required options" in limits.check_command(command(options=wrong_order))[0].problem
    assert "duplicate" in limits.check_command(command(options=[option("a"), option("a")]))[0].problem
    assert limits.check_command(command(options=[option("Beat")]))


def test_option_choices() -> None:
    choices = [{"name": f"c{n}", "value": n} for n in range(25)]
    assert limits.check_command(command(options=[option("n", 4, choices=choices)])) == []
    too_many = [*choices, {"name": "c", "value": 99}]
    assert limits.check_command(command(options=[option("n", 4, choices=too_many)]))
    assert limits.check_command(command(options=[option("u", 6, choices=choices[:1])]))
    both = option("n", 3, choices=[{"name": "a", "value": "a"}], autocomplete=True)
    assert limits.check_command(command(options=[both]))


def test_subcommands_and_groups() -> None:
    beat = option("beat", 1, options=[option("number", 4, required=True)])
    group = option("admin", 2, options=[option("reset", 1)])
    assert limits.check_command(command(options=[beat, group])) == []
    assert limits.check_command(command(options=[beat, option("plain")]))
    assert limits.check_command(command(options=[option("admin", 2, options=[option("x")])]))
    nested = option("outer", 2, options=[option("inner", 2, options=[option("leaf", 1)])])
    assert limits.check_command(command(options=[nested]))
    bad_leaf = option("beat", 1, options=[option("Bad Name", 4)])
    found = limits.check_command(command(options=[bad_leaf]))
    assert found[0].path == "command 'plot'.options[0].options[0].name"


def test_context_menu_commands() -> None:
    assert limits.check_command({"name": "Report Spoiler", "type": 3, "description": ""}) == []
    assert limits.check_command({"name": "Report", "type": 2, "description": "no"})


def test_command_set() -> None:
    assert limits.check_commands([command(), command(name="cast")]) == []
    assert "duplicate command" in limits.check_commands([command(), command()])[0].problem
    user_commands = [{"name": f"U{n}", "type": 2, "description": ""} for n in range(6)]
    assert "type 2" in limits.check_commands(user_commands)[0].problem


def test_command_total_characters() -> None:
    options = [
        option(f"o{n}", description="d" * 100, choices=[{"name": "c" * 100, "value": "v" * 60}] * 25)
        for n in range(2)
    ]
    assert "limit 4000" in limits.check_command(command(options=options))[-1].problem


# --- scheduled events -----------------------------------------------------------------------------------


def test_scheduled_events() -> None:
    external = {
        "name": "Watch party",
        "entity_type": 3,
        "scheduled_start_time": "2030-01-01T20:00:00+00:00",
        "scheduled_end_time": "2030-01-01T23:00:00+00:00",
        "entity_metadata": {"location": "The Screening Room"},
    }
    assert limits.check_scheduled_event(external) == []
    assert paths(limits.check_scheduled_event({**external, "name": "n" * 101})) == ["name"]
    assert paths(limits.check_scheduled_event({**external, "scheduled_end_time": None})) == [
        "scheduled_end_time"
    ]
    voice = {"name": "Screening", "entity_type": 2, "scheduled_start_time": "2030-01-01T20:00:00+00:00"}
    assert paths(limits.check_scheduled_event(voice)) == ["channel_id"]
    assert limits.check_scheduled_event({"description": "d"}, partial=True) == []
