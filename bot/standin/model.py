"""What the stand-in records: messages, interactions, requests and problems, and Discord's constants."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.standin import limits
from bot.standin.world import User, iso

WEBHOOK_TOKEN_LIFETIME = 15 * 60.0
NONCE_WINDOW = 5 * 60.0  # how long Discord remembers an enforced message nonce
JSON = "application/json"
# Gateway intents and opcodes used here.
INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_SCHEDULED_EVENTS = 1 << 16
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE_STATE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = (
    6,
    7,
    8,
    9,
    10,
    11,
)

# Interaction and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
EDITABLE_FLAGS = (1 << 2) | (1 << 12) | limits.FLAG_COMPONENTS_V2


@dataclass(eq=False)
class Message:
    """A message as the stand-in stores it; edits are applied in place, deletes only mark it."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    poll: dict[str, Any] | None = None
    type: int = 0
    timestamp: str = field(default_factory=iso)
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    webhook_id: int | None = None
    message_reference: dict[str, Any] | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    pinned: bool = False
    deleted: bool = False
    version: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    def apply(self, fields: Mapping[str, Any], *, edit: bool = True) -> None:
        """Apply the fields a create or edit payload carries; null clears a field."""
        if "content" in fields:
            self.content = fields["content"] or ""
        if "embeds" in fields:
            self.embeds = [dict(e, type=e.get("type", "rich")) for e in fields["embeds"] or []]
        if "components" in fields:
            self.components = _with_component_ids(fields["components"] or [])
        if "attachments" in fields and fields["attachments"] is not None:
            kept = {str(a.get("id")) for a in fields["attachments"]}
            self.attachments = [a for a in self.attachments if a["id"] in kept]
        if "poll" in fields and not edit:
            self.poll = fields["poll"]
        if edit:
            if not self.loading:  # filling in a "thinking" message is not an edit
                self.edited_timestamp = iso()
            self.flags &= ~FLAG_LOADING
            if fields.get("flags") is not None:
                self.flags = (self.flags & ~EDITABLE_FLAGS) | (int(fields["flags"]) & EDITABLE_FLAGS)
        self.version += 1

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.poll is not None:
            data["poll"] = self.poll
        if self.reactions:
            data["reactions"] = [
                {"emoji": {"id": None, "name": name}, "count": len(users), "me": False, "burst_colors": []}
                for name, users in self.reactions.items()
            ]
        return data


def _with_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy components, numbering those without an `id` the way Discord does."""
    copied = json.loads(json.dumps(components))
    used = {c["id"] for c in limits.walk_components(copied) if isinstance(c.get("id"), int)}
    counter = itertools.count(1)
    for component in limits.walk_components(copied):
        if "id" not in component:
            number = next(n for n in counter if n not in used)
            component["id"] = number  # type: ignore[index]
    return copied


@dataclass(eq=False)
class InteractionRecord:
    """One interaction the stand-in created, and everything the bot did in answer."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    data: dict[str, Any]
    payload: dict[str, Any]
    created_at: float
    session_id: str
    source_message_id: int | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    activity: int = 0

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.callback_data if self.callback_type == MODAL else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        if self.callback_type != AUTOCOMPLETE_RESULT:
            return None
        return list((self.callback_data or {}).get("choices") or [])


@dataclass
class RecordedRequest:
    """One REST request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float
    status: int = 0

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class Problem:
    """Something a test should fail on: a payload over a limit, an unhandled route, a bad acknowledgement."""

    kind: str
    where: str
    detail: str
    at: float = field(default_factory=time.time)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


class ApiError(Exception):
    """An error answer in Discord's shape."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def _merged(message: Message, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a message would look like after an edit, for limit checks."""
    current: dict[str, Any] = {
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "flags": message.flags,
        "attachments": message.attachments,
    }
    current.update({k: v for k, v in data.items() if k in current and k != "attachments"})
    return current
