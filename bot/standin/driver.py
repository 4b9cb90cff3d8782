"""Drive a bot through the stand-in as Discord users would, and run the bot as a subprocess.

`Driver` builds interactions from the commands the bot synced, sends them over the gateway and waits, on
stand-in events, for the bot's answer. `BotProcess` starts `python -m bot` (or any argv) against a stand-in
and decides from the stand-in's side when the bot is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.settings import parse_shard_ids
from bot.standin import render
from bot.standin.limits import BUTTON, LABEL, LINK_STYLE, STRING_SELECT, TEXT_INPUT
from bot.standin.server import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    Channel,
    Guild,
    InteractionRecord,
    Member,
    Message,
    Perm,
    Role,
    Session,
    StandIn,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUBCOMMAND, GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "on", "1"}, {"false", "no", "n", "off", "0"}


class DriverError(Exception):
    """Something a Discord user could not have done: an unknown command, a missing option..."""


# --- replies --------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """What the bot did in answer to one interaction. Messages are live: later edits show through."""

    standin: StandIn
    interaction: InteractionRecord

    @property
    def callback_type(self) -> int | None:
        return self.interaction.callback_type

    @property
    def error(self) -> dict[str, Any] | None:
        """The first error the stand-in gave the bot for this interaction (late or double answer...)."""
        return self.interaction.errors[0] if self.interaction.errors else None

    @property
    def error_code(self) -> int | None:
        return None if self.error is None else int(self.error["code"])

    @property
    def original(self) -> Message | None:
        """The response message (or, for component updates, the message that was updated)."""
        message = self.standin.messages.get(self.interaction.original_message_id or 0)
        return None if message is None or message.deleted else message

    @property
    def followups(self) -> list[Message]:
        found = (self.standin.messages.get(i) for i in self.interaction.followup_ids)
        return [m for m in found if m is not None and not m.deleted]

    @property
    def messages(self) -> list[Message]:
        """The original response, then every followup."""
        original = self.original
        return ([original] if original else []) + self.followups

    @property
    def message(self) -> Message:
        """The main message of the reply; DriverError if the bot answered without one."""
        messages = self.messages
        if not messages:
            raise DriverError(f"the bot answered without a message (callback type {self.callback_type})")
        return messages[0]

    @property
    def content(self) -> str:
        return self.message.content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components

    @property
    def flags(self) -> int:
        return self.message.flags

    @property
    def ephemeral(self) -> bool:
        return self.message.ephemeral

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.interaction.modal

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.interaction.choices

    def text(self) -> str:
        """Everything in the reply rendered as readable text."""
        parts = [render.render_message(m.payload()) for m in self.messages]
        if self.modal is not None:
            parts.append(render.render_modal(self.modal))
        if self.choices is not None:
            parts.append(render.render_choices(self.choices))
        if self.error is not None:
            parts.append(f"(error {self.error['code']}: {self.error['message']})")
        return "\n".join(parts) if parts else "(no visible reply)"

    async def wait_for_followups(self, count: int, timeout: float = 10.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until the bot has sent at least `count` followups."""
        await self.standin.wait_until(
            lambda: len(self.followups) >= count, timeout, what=f"{count} followup(s)"
        )
        return self.followups

    def __str__(self) -> str:
        return self.text()


# --- the driver -----------------------------------------------------------------------------------------


Target = Reply | Message | int


class Driver:
    """Act as guild members: run slash commands, click, select, submit modals, read channels."""

    def __init__(
        self,
        standin: StandIn,
        *,
        member: str = "member",
        channel: str = "general",
        guild: Guild | None = None,
        timeout: float = 10.0,
        settle: float = 1.0,
    ) -> None:
        self.standin = standin
        self.guild = guild or standin.guild
        self.default_member = member
        self.default_channel = channel
        self.timeout = timeout
        self.settle = settle

    # -- lookups ------------------------------------------------------------------------------------------

    def member(self, who: str | Member | None = None) -> Member:
        if isinstance(who, Member):
            return who
        try:
            return self.guild.member((who or self.default_member).lstrip("@"))
        except KeyError as error:
            raise DriverError(str(error.args[0])) from None

    def channel(self, where: str | int | Channel | None = None) -> Channel:
        if isinstance(where, Channel):
            return where
        try:
            return self.guild.channel(where or self.default_channel)
        except KeyError as error:
            raise DriverError(str(error.args[0])) from None

    def channel_messages(self, channel: str | int | Channel | None = None) -> list[Message]:
        """Public messages of a channel, oldest first, edits applied and deleted ones left out."""
        return self.standin.channel_messages(self.channel(channel).id)

    def dm_messages(self, member: str | Member) -> list[Message]:
        """Messages the bot sent a member in DMs."""
        user = self.member(member).user
        channel = self.standin.world.dm_channel(user)
        return self.standin.channel_messages(channel.id)

    async def wait_for_message(
        self,
        channel: str | int | Channel | None = None,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: Message | int | None = None,
    ) -> Message:
        """Wait for a public message in a channel matching `predicate` (newer than `after` if given)."""
        target = self.channel(channel)
        after_id = after.id if isinstance(after, Message) else after or 0

        def found() -> Message | None:
            for message in self.standin.channel_messages(target.id, after=after_id):
                if predicate is None or predicate(message):
                    return message
            return None

        result: Message = await self.standin.wait_until(found, timeout, what=f"a message in #{target.name}")
        return result

    async def say(self, content: str, *, member: str | None = None, channel: str | None = None) -> Message:
        """A member writes a plain message in a channel."""
        return await self.standin.post_as(self.member(member), self.channel(channel), content)

    def commands(self) -> list[dict[str, Any]]:
        """The application commands a member of this guild can see."""
        return self.standin.visible_commands(self.guild.id)

    # -- slash commands -----------------------------------------------------------------------------------

    def resolve(self, path: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        """(command, subcommand chain, option specs) for a path like "plot beat" or "/trivia start"."""
        words = path.strip().lstrip("/").split()
        if not words:
            raise DriverError("empty command")
        chat = [c for c in self.commands() if c.get("type", 1) == 1]
        command = next((c for c in chat if c["name"] == words[0]), None)
        if command is None:
            known = ", ".join(sorted(c["name"] for c in chat)) or "none"
            raise DriverError(f"no slash command /{words[0]} (the bot has: {known})")
        chain: list[dict[str, Any]] = []
        node = command
        for word in words[1:]:
            subs = [o for o in node.get("options") or () if o["type"] in (SUBCOMMAND, GROUP)]
            sub = next((o for o in subs if o["name"] == word), None)
            if sub is None:
                names = ", ".join(o["name"] for o in subs) or "none"
                raise DriverError(
                    f"/{' '.join(words[: len(chain) + 1])} has no subcommand {word!r} ({names})"
                )
            chain.append(sub)
            node = sub
        leftover = [o["name"] for o in node.get("options") or () if o["type"] in (SUBCOMMAND, GROUP)]
        if leftover:
            raise DriverError(f"/{' '.join(words)} needs a subcommand: {', '.join(leftover)}")
        return command, chain, list(node.get("options") or [])

    def _command_data(
        self,
        path: str,
        options: Mapping[str, Any],
        channel: Channel,
        who: Member,
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        command, chain, specs = self.resolve(path)
        resolved: dict[str, dict[str, Any]] = {}
        by_name = {spec["name"]: spec for spec in specs}
        unknown_names = [name for name in options if name not in by_name]
        if unknown_names:
            known = ", ".join(by_name) or "none"
            raise DriverError(
                f"/{path.strip().lstrip('/')} has no option {unknown_names[0]!r} (options: {known})"
            )
        values = []
        for spec in specs:
            name = spec["name"]
            if name not in options:
                if spec.get("required") and focused is None:
                    raise DriverError(f"option {name!r} is required")
                continue
            option: dict[str, Any] = {"name": name, "type": spec["type"]}
            if name == focused:
                option.update(value=str(options[name]), focused=True)
            else:
                option["value"] = self._convert(spec, options[name], channel, resolved, who)
            values.append(option)
        if focused is not None and focused not in options:
            values.append({"name": focused, "type": by_name[focused]["type"], "value": "", "focused": True})
        for sub in reversed(chain):
            values = [{"name": sub["name"], "type": sub["type"], "options": values}]
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": values}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _convert(
        self, spec: Mapping[str, Any], raw: Any, channel: Channel, resolved: dict[str, Any], who: Member
    ) -> Any:
        """An option value as Discord sends it, adding resolved users, roles, channels; `who` is the invoker."""
        kind, name = spec["type"], spec["name"]
        if kind in (STRING, INTEGER, NUMBER):
            value = self._scalar(spec, raw)
            return self._check_range(spec, value)
        if kind == BOOLEAN:
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                return word in TRUE_WORDS
            raise DriverError(f"option {name!r} wants true or false, got {raw!r}")
        if kind in (USER, MENTIONABLE) and not isinstance(raw, Role):
            with contextlib.suppress(DriverError):
                return self._resolve_member(self.member(raw), channel, resolved)
            if kind == USER:
                raise DriverError(f"option {name!r}: no member {raw!r}")
        if kind in (ROLE, MENTIONABLE):
            try:
                role = raw if isinstance(raw, Role) else self.guild.role(str(raw).lstrip("@"))
            except KeyError:
                raise DriverError(f"option {name!r}: no role or member {raw!r}") from None
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        if kind == CHANNEL:
            target = self.channel(raw)
            allowed = spec.get("channel_types")
            if allowed and target.type not in allowed:
                raise DriverError(f"option {name!r} does not accept #{target.name}")
            perms = self.guild.permissions(who, target)
            entry = target.payload() | {"permissions": str(perms)}
            resolved.setdefault("channels", {})[str(target.id)] = entry
            return str(target.id)
        if kind == ATTACHMENT:
            attachment_id = str(self.standin.ids.fresh())
            url = f"{self.standin.base_url}/attachments/{attachment_id}/{raw}"
            attachment = {
                "id": attachment_id,
                "filename": str(raw),
                "size": 1024,
                "url": url,
                "proxy_url": url,
            }
            resolved.setdefault("attachments", {})[attachment_id] = attachment
            return attachment_id
        raise DriverError(f"option {name!r} has a type ({kind}) the driver does not know")

    def _scalar(self, spec: Mapping[str, Any], raw: Any) -> Any:
        kind, name = spec["type"], spec["name"]
        choices = spec.get("choices") or []
        if choices:
            for choice in choices:
                if str(raw) in (str(choice["value"]), choice["name"]) or raw == choice["value"]:
                    return choice["value"]
            listed = ", ".join(f"{c['name']} ({c['value']})" for c in choices)
            raise DriverError(f"option {name!r} must be one of: {listed}")
        try:
            if kind == INTEGER:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError(raw)
                return int(str(raw).strip()) if not isinstance(raw, (int, float)) else int(raw)
            if kind == NUMBER:
                return float(raw)
        except ValueError:
            raise DriverError(
                f"option {name!r} wants a {'whole ' if kind == INTEGER else ''}number, got {raw!r}"
            ) from None
        return str(raw)

    @staticmethod
    def _check_range(spec: Mapping[str, Any], value: Any) -> Any:
        name = spec["name"]
        if isinstance(value, str):
            low, high = spec.get("min_length"), spec.get("max_length")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise DriverError(f"option {name!r} must be {low or 0}-{high or 6000} characters")
        elif isinstance(value, (int, float)):
            low, high = spec.get("min_value"), spec.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise DriverError(f"option {name!r} must be between {low} and {high}")
        return value

    def _resolve_member(self, member: Member, channel: Channel, resolved: dict[str, Any]) -> str:
        user_id = str(member.user.id)
        resolved.setdefault("users", {})[user_id] = member.user.payload()
        entry = {k: v for k, v in member.payload().items() if k != "user"}
        entry["permissions"] = str(self.guild.permissions(member, channel))
        resolved.setdefault("members", {})[user_id] = entry
        return user_id

    def _check_visible(self, path: str, member: Member, channel: Channel) -> None:
        command, _, _ = self.resolve(path)
        needed = command.get("default_member_permissions")
        perms = self.guild.permissions(member, channel)
        if needed is None or perms & Perm.ADMINISTRATOR:
            return
        if int(needed) == 0 or perms & int(needed) != int(needed):
            raise DriverError(
                f"{member.user.username} cannot see /{command['name']}: it needs permissions {needed} "
                "(default_member_permissions); pass force=True to act as if an admin granted it"
            )

    async def command(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        *,
        member: str | Member | None = None,
        channel: str | Channel | None = None,
        followups: int = 0,
        force: bool = False,
    ) -> Reply:
        """Run a slash command like a member would and wait for the bot's answer (and deferred result)."""
        who, where = self.member(member), self.channel(channel)
        if not force:
            self._check_visible(path, who, where)
        data = self._command_data(path, options or {}, where, who)
        record = await self.standin.send_interaction(
            APPLICATION_COMMAND, data, guild=self.guild, channel=where, member=who
        )
        return await self._reply(record, f"/{path.strip().lstrip('/')}", followups)

    async def autocomplete(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        focused: str | None = None,
        *,
        member: str | Member | None = None,
        channel: str | Channel | None = None,
    ) -> list[dict[str, Any]]:
        """Type into an autocomplete option and return the suggestions the bot gives."""
        options = dict(options or {})
        _, _, specs = self.resolve(path)
        focused = focused or (next(iter(options)) if options else None)
        spec = next((s for s in specs if s["name"] == focused), None)
        if spec is None or not spec.get("autocomplete"):
            raise DriverError(f"option {focused!r} of /{path.strip()} has no autocomplete")
        where = self.channel(channel)
        who = self.member(member)
        data = self._command_data(path, options, where, who, focused=focused)
        record = await self.standin.send_interaction(
            AUTOCOMPLETE, data, guild=self.guild, channel=where, member=who
        )
        reply = await self._reply(record, f"autocomplete /{path.strip()} {focused}", 0)
        if reply.choices is None:
            raise DriverError(f"no autocomplete answer ({reply.text()})")
        return reply.choices

    async def context_command(
        self,
        name: str,
        target: str | Member | Message,
        *,
        member: str | Member | None = None,
        channel: str | Channel | None = None,
    ) -> Reply:
        """Run a user command (target is a member) or a message command (target is a message)."""
        kind = 3 if isinstance(target, Message) else 2
        command = next((c for c in self.commands() if c.get("type") == kind and c["name"] == name), None)
        if command is None:
            raise DriverError(f"no {'message' if kind == 3 else 'user'} command {name!r}")
        where = self.channel(channel)
        resolved: dict[str, Any] = {}
        if isinstance(target, Message):
            target_id = str(target.id)
            resolved["messages"] = {target_id: target.payload()}
        else:
            target_id = self._resolve_member(self.member(target), where, resolved)
        data = {"id": command["id"], "name": name, "type": kind, "target_id": target_id, "resolved": resolved}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        record = await self.standin.send_interaction(
            APPLICATION_COMMAND, data, guild=self.guild, channel=where, member=self.member(member)
        )
        return await self._reply(record, name, 0)

    # -- components and modals ----------------------------------------------------------------------------

    def _message(self, target: Target) -> Message:
        if isinstance(target, Reply):
            candidates = [
                m for m in target.messages if render.buttons(m.components) or render.selects(m.components)
            ]
            return candidates[-1] if candidates else target.message
        message = target if isinstance(target, Message) else self.standin.messages.get(target)
        if message is None or message.deleted:
            raise DriverError(f"no message {target!r}")
        return message

    def _clicker(self, message: Message, member: str | Member | None) -> Member:
        if member is None and message.ephemeral and message.interaction_metadata:
            return self.member(message.interaction_metadata["user"]["username"])
        who = self.member(member)
        owner = (message.interaction_metadata or {}).get("user", {}).get("id")
        if message.ephemeral and owner != str(who.user.id):
            raise DriverError(f"{who.user.username} cannot see an ephemeral message meant for someone else")
        return who

    def _message_channel(self, message: Message) -> Channel:
        found = self.standin.world.find_channel(message.channel_id)
        if found is None:
            raise DriverError(f"message {message.id} is in an unknown channel")
        return found[1]

    async def click(
        self,
        target: Target,
        which: str | int,
        *,
        member: str | Member | None = None,
        followups: int = 0,
    ) -> Reply:
        """Press a button chosen by number (as rendered, from 1), custom_id or label.

        `target` is a message, a message id, or a Reply (its last message that has components).
        """
        message = self._message(target)
        buttons = render.buttons(message.components)
        button = _pick(buttons, which, "button", message)
        if button.get("disabled"):
            raise DriverError(f"button {button.get('label') or button.get('custom_id')!r} is disabled")
        if button.get("style") == LINK_STYLE:
            raise DriverError(f"button {button.get('label')!r} is a link to {button.get('url')}")
        data = {"custom_id": button["custom_id"], "component_type": BUTTON}
        if "id" in button:
            data["id"] = button["id"]
        return await self._component(message, data, member, f"click {button.get('label')!r}", followups)

    async def select(
        self,
        target: Target,
        which: str | int,
        values: Sequence[Any] | str,
        *,
        member: str | Member | None = None,
        followups: int = 0,
    ) -> Reply:
        """Choose values in a select menu chosen by number (from 1) or custom_id; labels are accepted too."""
        message = self._message(target)
        menu = _pick(render.selects(message.components), which, "select menu", message)
        if menu.get("disabled"):
            raise DriverError(f"select {menu.get('custom_id')!r} is disabled")
        chosen = [values] if isinstance(values, str) else list(values)
        low, high = menu.get("min_values", 1), menu.get("max_values", 1)
        if not low <= len(chosen) <= high:
            raise DriverError(
                f"select {menu.get('custom_id')!r} takes {low}-{high} values, got {len(chosen)}"
            )
        data: dict[str, Any] = {"custom_id": menu["custom_id"], "component_type": menu["type"]}
        if menu["type"] == STRING_SELECT:
            data["values"] = [self._option_value(menu, value) for value in chosen]
        else:
            resolved: dict[str, Any] = {}
            channel = self._message_channel(message)
            kinds = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}
            spec = {"type": kinds[menu["type"]], "name": menu["custom_id"]}
            who = self._clicker(message, member)
            data["values"] = [self._convert(spec, value, channel, resolved, who) for value in chosen]
            data["resolved"] = resolved
        return await self._component(message, data, member, f"select {menu['custom_id']!r}", followups)

    @staticmethod
    def _option_value(menu: Mapping[str, Any], value: Any) -> str:
        for option in menu.get("options") or ():
            if str(value) in (option["value"], option["label"]):
                return str(option["value"])
        listed = ", ".join(f"{o['label']} ({o['value']})" for o in menu.get("options") or ())
        raise DriverError(f"select {menu.get('custom_id')!r} has no option {value!r} (options: {listed})")

    async def _component(
        self,
        message: Message,
        data: dict[str, Any],
        member: str | Member | None,
        what: str,
        followups: int,
    ) -> Reply:
        who = self._clicker(message, member)
        channel = self._message_channel(message)
        record = await self.standin.send_interaction(
            MESSAGE_COMPONENT, data, guild=self.guild, channel=channel, member=who, message=message
        )
        return await self._reply(record, what, followups)

    async def submit_modal(
        self,
        target: Reply | InteractionRecord,
        values: Mapping[str, str],
        *,
        member: str | Member | None = None,
        followups: int = 0,
    ) -> Reply:
        """Fill in and submit the modal a reply opened; `values` maps text input custom_ids to text."""
        record = target.interaction if isinstance(target, Reply) else target
        modal = record.modal
        if modal is None:
            raise DriverError("that reply did not open a modal")
        inputs = {field["custom_id"]: (field, label) for field, label in render.text_inputs(modal)}
        unknown = [key for key in values if key not in inputs]
        if unknown:
            raise DriverError(f"the modal has no field {unknown[0]!r} (fields: {', '.join(inputs)})")
        for custom_id, (field, label) in inputs.items():
            text = values.get(custom_id, field.get("value") or "")
            if field.get("required", True) and not text:
                raise DriverError(f"modal field {label or custom_id!r} is required")
            low, high = field.get("min_length") or 0, field.get("max_length") or 4000
            if text and not low <= len(text) <= high:
                raise DriverError(f"modal field {label or custom_id!r} takes {low}-{high} characters")
        data = {"custom_id": modal["custom_id"], "components": _modal_answers(modal, values)}
        who = self.member(member) if member is not None else self.guild.members[record.user_id]
        if who.user.id != record.user_id:
            raise DriverError("only the member who opened a modal can submit it")
        found = self.standin.world.find_channel(record.channel_id)
        if found is None:
            raise DriverError("the modal's channel is gone")
        source = self.standin.messages.get(record.source_message_id or 0)
        new = await self.standin.send_interaction(
            MODAL_SUBMIT, data, guild=self.guild, channel=found[1], member=who, message=source
        )
        return await self._reply(new, f"submit modal {modal['custom_id']!r}", followups)

    # -- waiting ------------------------------------------------------------------------------------------

    async def _reply(self, record: InteractionRecord, what: str, followups: int) -> Reply:
        limit = self.timeout
        reply = Reply(self.standin, record)
        try:
            await self.standin.wait_until(
                lambda: record.callback_type is not None or record.errors,
                limit,
                what=f"the bot to answer {what}",
            )
            if record.callback_type == DEFERRED_MESSAGE:
                await self.standin.wait_until(
                    lambda: _deferred_done(reply), limit, what=f"the deferred answer to {what}"
                )
            elif record.callback_type == DEFERRED_UPDATE:
                with contextlib.suppress(TimeoutError):
                    await self.standin.wait_until(
                        lambda: record.activity > 1,
                        min(self.settle, limit),
                        what="an update",
                    )
            if followups and record.callback_type is not None:
                await self.standin.wait_until(
                    lambda: len(reply.followups) >= followups,
                    limit,
                    what=f"{followups} followup(s) to {what}",
                )
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n{self._diagnosis()}") from None
        return reply

    def _diagnosis(self) -> str:
        lines = ["last requests the stand-in saw:"]
        lines += [f"  {r}" for r in self.standin.requests[-8:]]
        if self.standin.problems:
            lines.append("problems recorded:")
            lines += [f"  {p}" for p in self.standin.problems[-8:]]
        return "\n".join(lines)


def message_text(message: Message) -> str:
    """Content, embed titles, descriptions, fields and footers of a message as one string."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or ()]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def _deferred_done(reply: Reply) -> bool:
    original = reply.original
    return original is None or not original.loading


def _pick(items: list[Mapping[str, Any]], which: str | int, what: str, message: Message) -> Mapping[str, Any]:
    if not items:
        raise DriverError(f"message {message.id} has no {what}s")
    if isinstance(which, int) or (isinstance(which, str) and which.isdigit() and int(which) <= len(items)):
        index = int(which)
        if not 1 <= index <= len(items):
            raise DriverError(f"there is no {what} {index} (the message has {len(items)})")
        return items[index - 1]
    if not str(which).strip():
        raise DriverError(f"say which {what}: a number or the start of its label")
    for key in ("custom_id", "label"):
        for item in items:
            if item.get(key) == which:
                return item
    wanted = str(which).casefold()
    starting = [item for item in items if str(item.get("label") or "").casefold().startswith(wanted)]
    if len(starting) == 1:
        return starting[0]  # a label's first words: "Next" for "Next ▶"
    names = ", ".join(str(i.get("label") or i.get("custom_id")) for i in items)
    raise DriverError(f"no {what} {which!r} on message {message.id} ({names})")


def _modal_answers(modal: Mapping[str, Any], values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The components of a modal submission, mirroring the modal's own layout (rows or labels)."""

    def answer(field: Mapping[str, Any]) -> dict[str, Any]:
        text = values.get(field["custom_id"], field.get("value") or "")
        return {"type": TEXT_INPUT, "custom_id": field["custom_id"], "value": text, "id": field.get("id", 0)}

    answers: list[dict[str, Any]] = []
    for component in modal.get("components") or ():
        if component.get("type") == LABEL:
            child = component.get("component") or {}
            if child.get("type") == TEXT_INPUT:
                answers.append({"type": LABEL, "id": component.get("id", 0), "component": answer(child)})
        elif component.get("components"):
            row = [answer(c) for c in component["components"] if c.get("type") == TEXT_INPUT]
            answers.append({"type": 1, "id": component.get("id", 0), "components": row})
    return answers


# --- the bot process ------------------------------------------------------------------------------------


class BotNotReady(Exception):
    """The bot exited or did not become ready in time; the message carries the end of its log."""


class BotProcess:
    """The bot as a subprocess talking to a stand-in; output goes to `log_path`.

    Ready means: a new IDENTIFY after the process started for every shard it holds, every guild dispatched to
    those sessions, and (for the process holding shard 0) the command set settled (written or read since start, or already stored and untouched for `quiet` seconds).
    """

    def __init__(
        self,
        standin: StandIn,
        argv: Sequence[str] | None = None,
        *,
        workdir: Path,
        dev_guild: bool = True,
        env: Mapping[str, str] | None = None,
        name: str = "bot",
        require_commands: bool = True,
        quiet: float = 0.5,
        exit_grace: float = 10.0,
    ) -> None:
        self.standin = standin
        self.argv = list(argv or [sys.executable, "-m", "bot"])
        self.workdir = Path(workdir)
        self.database_path = self.workdir / "bot.db"
        self.log_path = self.workdir / f"{name}.log"
        self.dev_guild = dev_guild
        self.extra_env = dict(env or {})
        self.require_commands = require_commands
        self.quiet = quiet
        self.exit_grace = exit_grace
        self.slow_exits = 0  # times the process had to be killed after a signal
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None
        self._identify_mark = 0
        self._started_at = 0.0

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def environment(self) -> dict[str, str]:
        """The process environment: ours, minus any real Discord settings, plus the stand-in's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_") and k != "DEV_GUILD_ID"}
        env.update(self.standin.env(database_path=str(self.database_path), dev_guild=self.dev_guild))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    def _open_log(self) -> IO[bytes]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"\n===== start {self.starts + 1}: {' '.join(self.argv)}\n".encode())
        log.flush()
        return log

    async def start(self) -> None:
        """Start the process (it is not ready until `wait_ready` returns)."""
        if self.running:
            raise RuntimeError("the bot is already running")
        self._close_log()
        self._log = self._open_log()
        self._identify_mark = self.standin.identify_count
        self._started_at = asyncio.get_running_loop().time()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=self.workdir,
                env=self.environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=self._log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise BotNotReady(f"cannot start {' '.join(self.argv)}: {error}") from error
        self.starts += 1

    @property
    def shards(self) -> list[tuple[int, int]]:
        """The [shard_id, shard_count] pairs this process identifies with, from SHARD_COUNT and SHARD_IDS."""
        env = self.environment()
        raw_count = env.get("SHARD_COUNT", "").strip().lower()
        count = int(raw_count) if raw_count.isdigit() else self.standin.shard_count
        raw_ids = env.get("SHARD_IDS", "").strip()
        ids = parse_shard_ids(raw_ids) if raw_ids else tuple(range(count))
        return [(shard_id, count) for shard_id in ids]

    def _sessions(self) -> list[Session]:
        """This start's sessions, one per shard it holds, once each has been sent its guilds."""
        found = {
            s.shard: s
            for s in self.standin.sessions.values()
            if s.valid and s.number > self._identify_mark and s.connection and s.guilds_dispatched_at
        }
        wanted = self.shards
        return [found[shard] for shard in wanted if shard in found] if len(found) >= len(wanted) else []

    def _ready(self) -> bool:
        sessions = self._sessions()
        if not sessions or len(sessions) < len(self.shards):
            return False
        # Only the process holding shard 0 syncs commands.
        if not self.require_commands or all(shard_id != 0 for shard_id, _ in self.shards):
            return True
        if self.standin.command_requests_in_flight or not any(self.standin.commands.values()):
            return False
        if self.standin.command_activity_at >= self._started_at:
            return True
        settled = max(s.guilds_dispatched_at or 0.0 for s in sessions)
        return asyncio.get_running_loop().time() - settled >= self.quiet

    async def wait_ready(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the bot is ready (see the class docstring); BotNotReady if it exits or times out."""
        if self.process is None:
            raise RuntimeError("the bot was not started")
        exited = asyncio.ensure_future(self.process.wait())
        ready = asyncio.ensure_future(
            self.standin.wait_until(self._ready, timeout, what="the bot to be ready", recheck=0.1)
        )
        try:
            done, _ = await asyncio.wait({exited, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (exited, ready):
                if not task.done():
                    task.cancel()
        if ready in done and ready.exception() is None:
            return
        if ready in done:
            reason = f"not ready after {timeout:.0f}s ({self._readiness()})"
        else:
            reason = f"exited with code {self.process.returncode} before it was ready"
        raise BotNotReady(f"{' '.join(self.argv)} {reason}\n--- log ---\n{self.log_tail()}")

    def _readiness(self) -> str:
        identified = f"{len(self._sessions())}/{len(self.shards)} shards"
        commands = sum(len(c) for c in self.standin.commands.values())
        return f"identified={identified}, commands stored={commands}"

    async def _signal_and_wait(self, sig: int) -> None:
        """Send `sig` and wait for the exit; after `exit_grace` seconds, kill it and say so in the log."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            await asyncio.wait_for(process.wait(), self.exit_grace)
        except TimeoutError:
            self.slow_exits += 1
            if self._log is not None:
                self._log.write(
                    f"===== still running {self.exit_grace:.0f}s after signal {sig}: killed\n".encode()
                )
                self._log.flush()
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def stop(self) -> int | None:
        """SIGTERM, wait up to `exit_grace` seconds, SIGKILL if it will not go; returns the exit code."""
        await self._signal_and_wait(signal.SIGTERM)
        self._close_log()
        return None if self.process is None else self.process.returncode

    async def restart(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Stop the bot with `sig` (SIGTERM: clean stop, SIGKILL: crash), start it again, wait until ready."""
        await self._signal_and_wait(sig)
        await self.start()
        await self.wait_ready(timeout)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the bot's output."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
