"""The fair baseline: a bare discord.py client that answers every benchmarked interaction from memory.

It gets the film bot's recorded answers (a JSON file named by BARE_REPLIES) and, for each interaction,
sends a reply of the same shape and size through discord.py's public API: the same content, embeds,
components, ephemerality and follow-ups, built once at start-up where discord.py allows (embeds) and per
reply where its objects are single-use (views, modals). It also makes the same channel posts, and the same
edits (and deletes) of other channel messages that the film bot made while answering — closing a trivia
question, redrawing a cancelled poll — with the same JSON payloads, in the same order among the posts. An
edit goes to the message this bot posted last in that channel (the question or poll it posted itself when
it replayed the command that made it); with none there, it is skipped. It uses the film bot's intents and
member cache settings. Its slash commands go through discord.py's own `app_commands.CommandTree`, as any
discord.py bot's do: it registers the film bot's commands (a JSON file named by BARE_COMMANDS, the payloads
the film bot synced) with the same names, groups, option types, choices and autocomplete, each answering
from memory. So discord.py parses and routes the commands of both bots alike, and the difference between
the two is the project's own cost.

Same contract as `python -m bot`: DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL.
Run it as a script: `python benchmarks/bare.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands

log = logging.getLogger("bare")

CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = (
    4,
    5,
    6,
    7,
    8,
    9,
)
EPHEMERAL = 1 << 6


def interaction_key(kind: int, data: dict[str, Any]) -> str:
    """What identifies a benchmarked case: a command path and its options, or a custom_id, numbers left out
    (they are ids that differ between runs: polls, questions, channels)."""
    if kind in (2, 4):  # application command, autocomplete
        words, options = [str(data.get("name"))], list(data.get("options") or ())
        while options and options[0].get("type") in (1, 2):
            words.append(str(options[0]["name"]))
            options = list(options[0].get("options") or ())
        focused = [str(o["name"]) for o in options if o.get("focused")]
        names = sorted(f"{o['name']}={re.sub(r'[0-9]+', '#', str(o.get('value')))}" for o in options)
        prefix = "auto" if kind == 4 else "cmd"
        return f"{prefix}:{' '.join(words)}({','.join(names)}){'@' + focused[0] if focused else ''}"
    return f"{'modal' if kind == 5 else 'component'}:{re.sub(r'[0-9]+', '#', str(data.get('custom_id')))}"


@dataclass
class Message:
    """One message's worth of reply: content, embeds built once, components as plain data."""

    content: str | None
    embeds: list[discord.Embed]
    components: list[dict[str, Any]]
    ephemeral: bool

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Message:
        data = data or {}
        return cls(
            data.get("content") or None,
            [discord.Embed.from_dict(e) for e in data.get("embeds") or ()],
            list(data.get("components") or ()),
            bool(int(data.get("flags") or 0) & EPHEMERAL),
        )

    def view(self) -> discord.ui.View | None:
        if not self.components:
            return None
        view = discord.ui.View(timeout=None)
        for row, container in enumerate(self.components):
            for item in container.get("components") or ():
                view.add_item(_item(item, row))
        view.stop()  # answered here from memory; nothing for discord.py to keep dispatching to
        return view

    def kwargs(self) -> dict[str, Any]:
        found: dict[str, Any] = {"content": self.content}
        if self.embeds:
            found["embeds"] = self.embeds
        view = self.view()
        if view is not None:
            found["view"] = view
        return found


def _item(data: dict[str, Any], row: int) -> discord.ui.Item[Any]:
    if data["type"] == 2:
        emoji = data.get("emoji")
        return discord.ui.Button(
            style=discord.ButtonStyle(int(data.get("style") or 2)),
            label=data.get("label"),
            custom_id=data.get("custom_id"),
            url=data.get("url"),
            disabled=bool(data.get("disabled")),
            emoji=emoji.get("name") if isinstance(emoji, dict) else None,
            row=row,
        )
    options = [
        discord.SelectOption(
            label=o["label"],
            value=o["value"],
            description=o.get("description"),
            default=bool(o.get("default")),
        )
        for o in data.get("options") or ()
    ]
    return discord.ui.Select(
        custom_id=data.get("custom_id") or discord.utils.MISSING,
        placeholder=data.get("placeholder"),
        min_values=int(data.get("min_values", 1)),
        max_values=int(data.get("max_values", 1)),
        options=options,
        disabled=bool(data.get("disabled")),
        row=row,
    )


@dataclass
class Edit:
    """An edit (or delete) of another channel message, as the film bot sent it: the fields its JSON body
    set, the channel by name (None: the interaction's own), and how many of the answer's posts came first."""

    method: str
    channel: str | None
    after_posts: int
    fields: dict[str, Any]
    embeds: list[discord.Embed]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Edit:
        body = dict(data.get("json") or {})
        embeds = [discord.Embed.from_dict(e) for e in body.get("embeds") or ()]
        return cls(str(data["method"]), data.get("channel"), int(data.get("after_posts") or 0), body, embeds)

    def kwargs(self) -> dict[str, Any]:
        """PartialMessage.edit's arguments for the same body: only the fields the film bot sent."""
        found: dict[str, Any] = {}
        if "content" in self.fields:
            found["content"] = self.fields["content"]
        if "embeds" in self.fields:
            found["embeds"] = self.embeds
        if "components" in self.fields:
            found["view"] = Message(None, [], list(self.fields["components"] or ()), False).view()
        return found

    async def send(self, client: Bare, interaction: discord.Interaction) -> None:
        channel = _channel(interaction, self.channel)
        last = client.last_posted.get(channel.id) if channel is not None else None
        if channel is None or last is None or not hasattr(channel, "get_partial_message"):
            return  # nothing of ours to edit there
        message = channel.get_partial_message(last)
        if self.method == "DELETE":
            client.last_posted.pop(channel.id, None)
            await message.delete()
        else:
            await message.edit(**self.kwargs())


def _channel(interaction: discord.Interaction, name: str | None) -> Any:
    if name is None:
        return interaction.channel
    guild = interaction.guild
    return discord.utils.get(guild.text_channels, name=name) if guild is not None else None


@dataclass
class Answer:
    """The recorded answer to one case: the callback, the final original message if deferred, follow-ups,
    channel posts, and edits of other channel messages."""

    kind: int
    message: Message
    choices: list[dict[str, Any]]
    modal: dict[str, Any]
    original: Message | None
    followups: list[Message]
    posts: list[Message]
    edits: list[Edit]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Answer:
        original = data.get("original")
        return cls(
            int(data["type"]),
            Message.of(data.get("data")),
            list((data.get("data") or {}).get("choices") or ()),
            dict(data.get("data") or {}),
            Message.of(original) if original is not None else None,
            [Message.of(m) for m in data.get("followups") or ()],
            [Message.of(m) for m in data.get("posts") or ()],
            [Edit.of(e) for e in data.get("edits") or ()],
        )

    async def send(self, interaction: discord.Interaction) -> None:
        response = interaction.response
        if self.kind == CHANNEL_MESSAGE:
            await response.send_message(**self.message.kwargs(), ephemeral=self.message.ephemeral)
        elif self.kind == UPDATE_MESSAGE:
            await response.edit_message(**self.message.kwargs())
        elif self.kind == AUTOCOMPLETE_RESULT:
            await response.autocomplete(
                [discord.app_commands.Choice(name=c["name"], value=c["value"]) for c in self.choices]
            )
        elif self.kind == MODAL:
            await response.send_modal(_modal(self.modal))
        elif self.kind in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            if self.kind == DEFERRED_MESSAGE:
                ephemeral = self.original.ephemeral if self.original else False
                await response.defer(ephemeral=ephemeral, thinking=True)
            else:
                await response.defer()
            if self.original is not None:
                await interaction.edit_original_response(**self.original.kwargs())
        for message in self.followups:
            await interaction.followup.send(**_sendable(message), ephemeral=message.ephemeral)
        client: Bare = interaction.client  # type: ignore[assignment]
        channel = interaction.channel
        edits = list(self.edits)  # each in its place among the posts, as the film bot made them
        for number, message in enumerate(self.posts):
            while edits and edits[0].after_posts <= number:
                await edits.pop(0).send(client, interaction)
            if isinstance(channel, discord.abc.Messageable):
                client.last_posted[channel.id] = (await channel.send(**_sendable(message))).id
        for edit in edits:
            await edit.send(client, interaction)


def _sendable(message: Message) -> dict[str, Any]:
    found = message.kwargs()
    if found.get("content") is None:
        found.pop("content")
    return found


def _modal(data: dict[str, Any]) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=str(data.get("title") or "Form"), custom_id=str(data.get("custom_id")))
    for container in data.get("components") or ():
        inner = container.get("component")
        fields = [inner] if inner else list(container.get("components") or ())
        for field in fields:
            modal.add_item(
                discord.ui.TextInput(
                    label=str(container.get("label") or field.get("label") or "Answer"),
                    custom_id=str(field.get("custom_id")),
                    style=discord.TextStyle(int(field.get("style") or 1)),
                    max_length=field.get("max_length"),
                    min_length=field.get("min_length"),
                    required=bool(field.get("required", True)),
                    placeholder=field.get("placeholder"),
                )
            )
    modal.stop()
    return modal


class Bare(discord.Client):
    """Answers from memory; the same intents and caches as the film bot, the same command tree."""

    def __init__(self, answers: dict[str, Answer], commands: list[dict[str, Any]] | None = None) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.answers = answers
        self.last_posted: dict[int, int] = {}  # channel id -> the message this bot posted there last
        self.tree = app_commands.CommandTree(self)
        for payload in commands or ():
            self.tree.add_command(tree_command(payload))

    def answer_for(self, interaction: discord.Interaction) -> Answer | None:
        key = interaction_key(interaction.type.value, dict(interaction.data or {}))
        answer = self.answers.get(key)
        if answer is None:
            log.warning("no recorded answer for %s", key)
        return answer

    async def answer(self, interaction: discord.Interaction) -> None:
        answer = self.answer_for(interaction)
        if answer is None:
            await interaction.response.send_message("not recorded", ephemeral=True)
            return
        await answer.send(interaction)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type in TREE_TYPES and self.tree.get_commands():
            return  # the command tree answers these
        await self.answer(interaction)


# --- the film bot's commands, on discord.py's command tree --------------------------------------------------

TREE_TYPES = (discord.InteractionType.application_command, discord.InteractionType.autocomplete)
ANNOTATIONS = {  # option type -> the annotation discord.py turns into it
    3: "str",
    4: "int",
    5: "bool",
    6: "discord.Member",
    7: "discord.TextChannel",
    8: "discord.Role",
    10: "float",
}


async def answer_command(interaction: discord.Interaction, **options: Any) -> None:
    client: Bare = interaction.client  # type: ignore[assignment]
    await client.answer(interaction)


async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[Any]]:
    client: Bare = interaction.client  # type: ignore[assignment]
    answer = client.answer_for(interaction)
    choices = answer.choices if answer is not None else []
    return [app_commands.Choice(name=c["name"], value=c["value"]) for c in choices]


def tree_command(payload: dict[str, Any]) -> app_commands.Command[Any, ..., Any] | app_commands.Group:
    """A command or group from its JSON payload: subcommands become groups, options become parameters."""
    name, description = str(payload["name"]), str(payload.get("description") or "…")
    options = list(payload.get("options") or ())
    if any(o["type"] in (1, 2) for o in options):
        group = app_commands.Group(name=name, description=description)
        for option in options:
            group.add_command(tree_command(option))
        return group
    return app_commands.Command(name=name, description=description, callback=leaf_callback(options))


def leaf_callback(options: list[dict[str, Any]]) -> Any:
    """A callback with one annotated parameter per option (required first), and the options' choices and
    autocomplete, as the film bot's decorators give them; it answers from memory."""
    ordered = sorted(options, key=lambda o: not o.get("required"))
    params = ", ".join(
        f"{o['name']}: {ANNOTATIONS[o['type']]}" + ("" if o.get("required") else " = None") for o in ordered
    )
    source = f"async def callback(interaction: discord.Interaction, {params}) -> None:\n"
    source += "    await answer_command(interaction)\n"
    found: dict[str, Any] = {}
    exec(source, {"discord": discord, "answer_command": answer_command}, found)
    callback = found["callback"]
    for option in options:
        if option.get("autocomplete"):
            callback = app_commands.autocomplete(**{option["name"]: complete})(callback)
        if option.get("choices"):
            choices = [app_commands.Choice(name=c["name"], value=c["value"]) for c in option["choices"]]
            callback = app_commands.choices(**{option["name"]: choices})(callback)
    return callback


def load_answers(path: Path) -> dict[str, Answer]:
    return {key: Answer.of(data) for key, data in json.loads(path.read_text(encoding="utf-8")).items()}


async def run(token: str, answers: dict[str, Answer], commands: list[dict[str, Any]]) -> None:
    client = Bare(answers, commands)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(token)


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("discord").setLevel(logging.WARNING)
    if os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    if os.environ.get("DISCORD_GATEWAY_URL"):
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    replies = os.environ.get("BARE_REPLIES")
    answers = load_answers(Path(replies)) if replies else {}
    listed = os.environ.get("BARE_COMMANDS")
    commands = json.loads(Path(listed).read_text(encoding="utf-8")) if listed else []
    asyncio.run(run(os.environ["DISCORD_TOKEN"], answers, commands))


if __name__ == "__main__":
    main()
