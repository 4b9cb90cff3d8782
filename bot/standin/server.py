"""A local Discord: REST under /api/v10 and a gateway websocket, enough for an unmodified discord.py bot.

The stand-in runs inside the caller's event loop. Everything it learns is kept in plain Python objects
(`world`, `messages`, `interactions`, `requests`, ...) and every change wakes `wait_until` callers, so tests
wait for events instead of sleeping. Each Discord resource lives in its own module: `gateway`, `users`,
`guilds`, `threads`, `events`, `messages`, `commands` and `interactions`, over the shared `core`; the data it keeps is
in `world` and `model`. The names tests, benchmarks and the driver use are re-exported here.
"""

from __future__ import annotations

from bot.standin.commands import CommandsMixin
from bot.standin.core import _Request, make_token
from bot.standin.events import EventsMixin
from bot.standin.gateway import Session, zstd_available
from bot.standin.interactions import InteractionsMixin
from bot.standin.model import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    ApiError,
    InteractionRecord,
    Message,
    Problem,
    RecordedRequest,
)
from bot.standin.threads import Thread
from bot.standin.users import UsersMixin
from bot.standin.world import Channel, Guild, Member, Perm, Role, User, World

__all__ = [
    "APPLICATION_COMMAND",
    "AUTOCOMPLETE",
    "DEFERRED_MESSAGE",
    "DEFERRED_UPDATE",
    "MESSAGE_COMPONENT",
    "MODAL_SUBMIT",
    "ApiError",
    "Channel",
    "Guild",
    "InteractionRecord",
    "Member",
    "Message",
    "Perm",
    "Problem",
    "RecordedRequest",
    "Role",
    "Session",
    "StandIn",
    "Thread",
    "User",
    "World",
    "_Request",
    "make_token",
    "zstd_available",
]


class StandIn(InteractionsMixin, EventsMixin, CommandsMixin, UsersMixin):
    """The fake Discord. `async with StandIn() as standin:` serves it on a free loopback port."""

    def _register_routes(self) -> None:
        self._users_routes()
        self._gateway_routes()
        self._commands_routes()
        self._interactions_routes()
        self._messages_routes()
        self._guilds_routes()
        self._threads_routes()
        self._events_routes()
