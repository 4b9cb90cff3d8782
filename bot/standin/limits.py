"""Discord's payload limits as pure functions: each check returns the list of violations it found."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
V2_COMPONENTS_MAX = 40
V2_TEXT_MAX = 4000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_MAX = 4000
CHAT_COMMANDS_MAX = 100
CONTEXT_COMMANDS_MAX = 5
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_DESCRIPTION_MAX = 100
POLL_QUESTION_MAX = 300
POLL_ANSWERS_MAX = 10
POLL_ANSWER_MAX = 55
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
EVENT_LOCATION_MAX = 100

FLAG_EPHEMERAL = 1 << 6
FLAG_COMPONENTS_V2 = 1 << 15

# Component types (https://discord.com/developers/docs/components/reference).
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER, LABEL = (
    9,
    10,
    11,
    12,
    13,
    14,
    17,
    18,
)
SELECT_TYPES = frozenset({STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT})
LINK_STYLE, PREMIUM_STYLE = 5, 6

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, NUMBER, CHANNEL = 1, 2, 3, 4, 10, 7
CHOICE_TYPES = frozenset({STRING, INTEGER, NUMBER})


class Violation(NamedTuple):
    """One broken limit: where in the payload, and what is wrong."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}" if self.path else self.problem


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _too_long(path: str, value: Any, limit: int) -> list[Violation]:
    length = len(_text(value))
    return [Violation(path, f"{length} characters, limit {limit}")] if length > limit else []


def _bounded(path: str, value: Any, low: int, high: int) -> list[Violation]:
    length = len(_text(value))
    if low <= length <= high:
        return []
    return [Violation(path, f"{length} characters, must be {low}-{high}")]


def _too_many(path: str, items: Sequence[Any] | None, limit: int) -> list[Violation]:
    count = len(items or ())
    return [Violation(path, f"{count} items, limit {limit}")] if count > limit else []


# --- messages -------------------------------------------------------------------------------------------


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 6000 total of one embed."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    total += len(_text((embed.get("footer") or {}).get("text")))
    total += len(_text((embed.get("author") or {}).get("name")))
    for field in embed.get("fields") or ():
        total += len(_text(field.get("name"))) + len(_text(field.get("value")))
    return total


def check_embed(embed: Mapping[str, Any], path: str = "embed") -> list[Violation]:
    """Limits of a single embed (not the 6000 total across a message)."""
    found = _too_long(_join(path, "title"), embed.get("title"), EMBED_TITLE_MAX)
    found += _too_long(_join(path, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
    found += _too_long(_join(path, "footer.text"), (embed.get("footer") or {}).get("text"), EMBED_FOOTER_MAX)
    found += _too_long(_join(path, "author.name"), (embed.get("author") or {}).get("name"), EMBED_AUTHOR_MAX)
    fields = embed.get("fields") or []
    found += _too_many(_join(path, "fields"), fields, EMBED_FIELDS_MAX)
    for index, field in enumerate(fields):
        where = _join(_join(path, "fields"), index)
        found += _bounded(_join(where, "name"), field.get("name"), 1, EMBED_FIELD_NAME_MAX)
        found += _bounded(_join(where, "value"), field.get("value"), 1, EMBED_FIELD_VALUE_MAX)
    return found


def check_embeds(embeds: Sequence[Mapping[str, Any]] | None) -> list[Violation]:
    """Limits of a message's embeds, including the 6000-character total summed across all of them."""
    embeds = embeds or []
    found = _too_many("embeds", embeds, EMBEDS_MAX)
    for index, embed in enumerate(embeds):
        found += check_embed(embed, _join("embeds", index))
    total = sum(embed_length(embed) for embed in embeds)
    if total > EMBED_TOTAL_MAX:
        found.append(Violation("embeds", f"{total} characters in total, limit {EMBED_TOTAL_MAX}"))
    return found


def walk_components(components: Sequence[Mapping[str, Any]] | None) -> Iterator[Mapping[str, Any]]:
    """Every component in a tree, depth first, in display order (rows, containers, sections, labels)."""
    for component in components or ():
        yield component
        yield from walk_components(component.get("components"))
        for key in ("accessory", "component"):
            child = component.get(key)
            if isinstance(child, Mapping):
                yield from walk_components([child])


def _check_button(button: Mapping[str, Any], path: str) -> list[Violation]:
    found = _too_long(_join(path, "label"), button.get("label"), BUTTON_LABEL_MAX)
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url"):
            found.append(Violation(path, "link button without url"))
        if "custom_id" in button:
            found.append(Violation(path, "link button must not have a custom_id"))
    elif style != PREMIUM_STYLE and not button.get("custom_id"):
        found.append(Violation(path, "button without custom_id"))
    if not button.get("label") and not button.get("emoji") and style != PREMIUM_STYLE:
        found.append(Violation(path, "button needs a label or an emoji"))
    return found


def _check_select(select: Mapping[str, Any], path: str) -> list[Violation]:
    found = _too_long(_join(path, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not 0 <= low <= 25 or not 1 <= high <= 25 or low > high:
        found.append(Violation(path, f"min_values {low} / max_values {high} out of range"))
    if select.get("type") != STRING_SELECT:
        return found
    options = select.get("options") or []
    if not options:
        found.append(Violation(_join(path, "options"), "a string select needs at least one option"))
    found += _too_many(_join(path, "options"), options, SELECT_OPTIONS_MAX)
    values: set[str] = set()
    for index, option in enumerate(options):
        where = _join(_join(path, "options"), index)
        found += _bounded(_join(where, "label"), option.get("label"), 1, SELECT_OPTION_TEXT_MAX)
        found += _bounded(_join(where, "value"), option.get("value"), 1, SELECT_OPTION_TEXT_MAX)
        found += _too_long(_join(where, "description"), option.get("description"), SELECT_OPTION_TEXT_MAX)
        if option.get("value") in values:
            found.append(Violation(_join(where, "value"), f"duplicate option value {option.get('value')!r}"))
        values.add(option.get("value"))
    if high > max(len(options), 1):
        found.append(Violation(path, f"max_values {high} exceeds the {len(options)} options"))
    return found


def _check_row(row: Mapping[str, Any], path: str) -> list[Violation]:
    children = row.get("components") or []
    if not children:
        return [Violation(path, "empty action row")]
    found = _too_many(_join(path, "components"), children, ROW_WIDTH)
    if any(child.get("type") in SELECT_TYPES for child in children) and len(children) > 1:
        found.append(Violation(path, "a select menu must be alone in its action row"))
    return found


def _check_tree(components: Sequence[Mapping[str, Any]], path: str) -> list[Violation]:
    found: list[Violation] = []
    for index, component in enumerate(components):
        where = _join(path, index)
        kind = component.get("type")
        found += _too_long(_join(where, "custom_id"), component.get("custom_id"), CUSTOM_ID_MAX)
        if kind == ACTION_ROW:
            found += _check_row(component, where)
        elif kind == BUTTON:
            found += _check_button(component, where)
        elif kind in SELECT_TYPES:
            found += _check_select(component, where)
        found += _check_tree(component.get("components") or [], _join(where, "components"))
        accessory = component.get("accessory")
        if isinstance(accessory, Mapping):
            found += _check_tree([accessory], _join(where, "accessory"))
    return found


def check_components(components: Sequence[Mapping[str, Any]] | None, *, v2: bool = False) -> list[Violation]:
    """Limits of message components: 5 rows of 5 for classic messages, 40 in all for components v2."""
    components = components or []
    found = _check_tree(components, "components")
    if v2:
        total = sum(1 for _ in walk_components(components))
        if total > V2_COMPONENTS_MAX:
            found.append(Violation("components", f"{total} components in total, limit {V2_COMPONENTS_MAX}"))
        text = sum(
            len(_text(c.get("content"))) for c in walk_components(components) if c.get("type") == TEXT_DISPLAY
        )
        if text > V2_TEXT_MAX:
            found.append(Violation("components", f"{text} characters of text displays, limit {V2_TEXT_MAX}"))
    else:
        found += _too_many("components", components, ACTION_ROWS_MAX)
        for index, component in enumerate(components):
            if component.get("type") != ACTION_ROW:
                found.append(
                    Violation(_join("components", index), "top-level components must be action rows")
                )
    custom_ids = [c["custom_id"] for c in walk_components(components) if c.get("custom_id")]
    duplicates = sorted({cid for cid in custom_ids if custom_ids.count(cid) > 1})
    if duplicates:
        found.append(Violation("components", f"duplicate custom_id {', '.join(duplicates)}"))
    return found


def check_poll(poll: Mapping[str, Any] | None) -> list[Violation]:
    """Limits of a poll: question 300, up to 10 answers of 55."""
    if not poll:
        return []
    found = _bounded("poll.question.text", (poll.get("question") or {}).get("text"), 1, POLL_QUESTION_MAX)
    answers = poll.get("answers") or []
    found += _too_many("poll.answers", answers, POLL_ANSWERS_MAX)
    for index, answer in enumerate(answers):
        text = (answer.get("poll_media") or {}).get("text")
        found += _bounded(f"poll.answers[{index}].text", text, 1, POLL_ANSWER_MAX)
    return found


def check_message(payload: Mapping[str, Any]) -> list[Violation]:
    """Limits of a message payload (create, edit, interaction response or webhook)."""
    flags = int(payload.get("flags") or 0)
    v2 = bool(flags & FLAG_COMPONENTS_V2)
    found = _too_long("content", payload.get("content"), CONTENT_MAX)
    found += check_embeds(payload.get("embeds"))
    found += check_components(payload.get("components"), v2=v2)
    found += check_poll(payload.get("poll"))
    if v2 and (payload.get("content") or payload.get("embeds")):
        found.append(Violation("flags", "a components v2 message cannot carry content or embeds"))
    return found


def is_empty_message(payload: Mapping[str, Any]) -> bool:
    """Whether a message payload has nothing Discord could show."""
    keys = ("content", "embeds", "components", "attachments", "poll", "sticker_ids")
    return not any(payload.get(key) for key in keys)


# --- interactions ---------------------------------------------------------------------------------------


def check_choices(choices: Sequence[Mapping[str, Any]] | None, path: str = "choices") -> list[Violation]:
    """Limits of autocomplete results or option choices: 25 choices, names 1-100, string values <= 100."""
    choices = choices or []
    found = _too_many(path, choices, CHOICES_MAX)
    for index, choice in enumerate(choices):
        where = _join(path, index)
        found += _bounded(_join(where, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
        value = choice.get("value")
        if isinstance(value, str):
            found += _too_long(_join(where, "value"), value, CHOICE_VALUE_MAX)
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            found.append(Violation(_join(where, "value"), f"must be a string or a number, got {value!r}"))
    return found


def _modal_inputs(component: Mapping[str, Any], path: str) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Yield (input, path, label) for every text input of one top-level modal component."""
    if component.get("type") == LABEL:
        child = component.get("component") or {}
        yield child, _join(path, "component"), _text(component.get("label"))
    for index, child in enumerate(component.get("components") or []):
        yield child, _join(_join(path, "components"), index), _text(child.get("label"))


def check_modal(modal: Mapping[str, Any]) -> list[Violation]:
    """Limits of a modal: title 45, 1-5 components, text input labels 45."""
    found = _bounded("title", modal.get("title"), 1, MODAL_TITLE_MAX)
    found += _bounded("custom_id", modal.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = modal.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        found.append(
            Violation("components", f"{len(components)} components, must be 1-{MODAL_COMPONENTS_MAX}")
        )
    for index, component in enumerate(components):
        where = _join("components", index)
        if component.get("type") == LABEL:
            found += _bounded(_join(where, "label"), component.get("label"), 1, TEXT_INPUT_LABEL_MAX)
            found += _too_long(
                _join(where, "description"), component.get("description"), LABEL_DESCRIPTION_MAX
            )
        for child, child_path, label in _modal_inputs(component, where):
            found += _bounded(_join(child_path, "custom_id"), child.get("custom_id"), 1, CUSTOM_ID_MAX)
            if child.get("type") != TEXT_INPUT:
                continue
            if component.get("type") != LABEL:
                found += _bounded(_join(child_path, "label"), label, 1, TEXT_INPUT_LABEL_MAX)
            found += _too_long(_join(child_path, "value"), child.get("value"), TEXT_INPUT_VALUE_MAX)
            found += _too_long(
                _join(child_path, "placeholder"), child.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX
            )
    return found


def check_callback(callback_type: int, data: Mapping[str, Any] | None) -> list[Violation]:
    """Limits of an interaction callback's data, by callback type."""
    data = data or {}
    if callback_type in (4, 7):
        return check_message(data)
    if callback_type == 8:
        return check_choices(data.get("choices"))
    if callback_type == 9:
        return check_modal(data)
    return []


# --- application commands -------------------------------------------------------------------------------


def _command_chars(node: Mapping[str, Any]) -> int:
    total = len(_text(node.get("name"))) + len(_text(node.get("description")))
    for choice in node.get("choices") or ():
        total += len(_text(choice.get("name"))) + len(_text(choice.get("value")))
    return total + sum(_command_chars(option) for option in node.get("options") or ())


def _check_option_fields(option: Mapping[str, Any], path: str) -> list[Violation]:
    kind = option.get("type")
    found: list[Violation] = []
    choices = option.get("choices")
    if choices:
        if kind not in CHOICE_TYPES:
            found.append(Violation(_join(path, "choices"), f"choices are not allowed on option type {kind}"))
        found += check_choices(choices, _join(path, "choices"))
        if option.get("autocomplete"):
            found.append(Violation(path, "an option cannot have both choices and autocomplete"))
    if option.get("autocomplete") and kind not in CHOICE_TYPES:
        found.append(Violation(path, f"autocomplete is not allowed on option type {kind}"))
    if ("min_value" in option or "max_value" in option) and kind not in (INTEGER, NUMBER):
        found.append(Violation(path, "min_value/max_value only apply to integer and number options"))
    for key in ("min_length", "max_length"):
        if key in option and (kind != STRING or not 0 <= int(option[key]) <= 6000):
            found.append(Violation(_join(path, key), "only for string options, 0-6000"))
    if "channel_types" in option and kind != CHANNEL:
        found.append(Violation(path, "channel_types only apply to channel options"))
    return found


def _check_options(options: Sequence[Mapping[str, Any]], path: str, depth: int) -> list[Violation]:
    found = _too_many(path, options, COMMAND_OPTIONS_MAX)
    kinds = [option.get("type") for option in options]
    nested = [kind in (SUB_COMMAND, SUB_COMMAND_GROUP) for kind in kinds]
    if any(nested) and not all(nested):
        found.append(Violation(path, "subcommands cannot be mixed with other options"))
    names = [option.get("name") for option in options]
    for name in sorted({n for n in names if names.count(n) > 1}, key=str):
        found.append(Violation(path, f"duplicate option name {name!r}"))
    seen_optional = False
    for index, option in enumerate(options):
        where = _join(path, index)
        kind = option.get("type")
        if not COMMAND_NAME.fullmatch(_text(option.get("name"))):
            found.append(
                Violation(_join(where, "name"), f"{option.get('name')!r} must match {COMMAND_NAME.pattern}")
            )
        found += _bounded(_join(where, "description"), option.get("description"), 1, COMMAND_DESCRIPTION_MAX)
        children = option.get("options") or []
        if kind == SUB_COMMAND_GROUP:
            if depth > 0:
                found.append(Violation(where, "subcommand groups can only be nested one level"))
            if not children or any(child.get("type") != SUB_COMMAND for child in children):
                found.append(Violation(where, "a subcommand group must contain only subcommands"))
            found += _check_options(children, _join(where, "options"), depth + 1)
        elif kind == SUB_COMMAND:
            if any(child.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for child in children):
                found.append(Violation(where, "a subcommand cannot contain subcommands"))
            found += _check_options(children, _join(where, "options"), depth + 1)
        else:
            if children:
                found.append(Violation(where, "only subcommands and groups can have options"))
            if option.get("required"):
                if seen_optional:
                    found.append(Violation(where, "required options must come before optional ones"))
            else:
                seen_optional = True
            found += _check_option_fields(option, where)
    return found


def check_command(command: Mapping[str, Any]) -> list[Violation]:
    """Limits of one application command, subcommands and groups included."""
    kind = command.get("type", 1)
    name = _text(command.get("name"))
    if kind == 1:
        found = []
        if not COMMAND_NAME.fullmatch(name):
            found.append(Violation("name", f"{name!r} must match {COMMAND_NAME.pattern}"))
        found += _bounded("description", command.get("description"), 1, COMMAND_DESCRIPTION_MAX)
        found += _check_options(command.get("options") or [], "options", 0)
    else:
        found = _bounded("name", name, 1, 32)
        if command.get("description"):
            found.append(Violation("description", "user and message commands must have an empty description"))
        if command.get("options"):
            found.append(Violation("options", "user and message commands cannot have options"))
    total = _command_chars(command)
    if total > COMMAND_TOTAL_MAX:
        found.append(Violation("", f"{total} characters of names, descriptions and choices, limit 4000"))
    return [
        Violation(_join(f"command {name!r}", v.path) if v.path else f"command {name!r}", v.problem)
        for v in found
    ]


def check_commands(commands: Sequence[Mapping[str, Any]]) -> list[Violation]:
    """Limits of a whole command set in one scope: each command, unique names, per-type counts."""
    found: list[Violation] = []
    for command in commands:
        found += check_command(command)
    keys = [(command.get("type", 1), command.get("name")) for command in commands]
    for kind, name in sorted({key for key in keys if keys.count(key) > 1}, key=str):
        found.append(Violation("commands", f"duplicate command name {name!r} (type {kind})"))
    limits = {1: CHAT_COMMANDS_MAX, 2: CONTEXT_COMMANDS_MAX, 3: CONTEXT_COMMANDS_MAX}
    for kind, limit in limits.items():
        count = sum(1 for key in keys if key[0] == kind)
        if count > limit:
            found.append(Violation("commands", f"{count} commands of type {kind}, limit {limit}"))
    return found


# --- scheduled events -----------------------------------------------------------------------------------


def check_scheduled_event(payload: Mapping[str, Any], *, partial: bool = False) -> list[Violation]:
    """Limits of a guild scheduled event: name 1-100, description 1000, what each entity type needs."""
    found: list[Violation] = []
    if not partial or "name" in payload:
        found += _bounded("name", payload.get("name"), 1, EVENT_NAME_MAX)
    found += _too_long("description", payload.get("description"), EVENT_DESCRIPTION_MAX)
    if not partial and not payload.get("scheduled_start_time"):
        found.append(Violation("scheduled_start_time", "required"))
    kind = payload.get("entity_type")
    if kind == 3:
        location = (payload.get("entity_metadata") or {}).get("location")
        found += _bounded("entity_metadata.location", location, 1, EVENT_LOCATION_MAX)
        if not partial and not payload.get("scheduled_end_time"):
            found.append(Violation("scheduled_end_time", "required for external events"))
    elif kind in (1, 2) and not payload.get("channel_id"):
        found.append(Violation("channel_id", "required for stage and voice events"))
    elif kind is not None and kind not in (1, 2, 3):
        found.append(Violation("entity_type", f"unknown entity type {kind}"))
    return found
