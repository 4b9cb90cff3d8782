"""The stand-in's core: serving, REST routing, waiting on changes, recorded problems and injected 429s.

Each Discord resource (gateway, users, guilds, messages, scheduled events, application commands,
interactions) is a mixin in its own module; `bot.standin.server.StandIn` puts them together.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from bot.standin import limits
from bot.standin.model import JSON, ApiError, InteractionRecord, Message, Problem, RecordedRequest
from bot.standin.world import Snowflakes, User, World

if TYPE_CHECKING:
    from bot.standin.gateway import Session, _Connection

log = logging.getLogger(__name__)


@dataclass
class _Request:
    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[dict[str, Any]]


Handler = Callable[[_Request], Awaitable[web.StreamResponse]]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool
    bucket: str


@dataclass
class _Injected429:
    remaining: int
    path_prefix: str | None
    method: str | None
    retry_after: float
    status: int = 429
    after_handling: bool = False  # serve the request, then answer with the error anyway


def _response(data: Any = None, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    if data is None and status == 204:
        return web.Response(status=204, headers=headers)
    body = json.dumps(data, separators=(",", ":")).encode()
    all_headers = {"Content-Type": JSON, **(headers or {})}
    return web.Response(body=body, status=status, headers=all_headers)


def make_token(app_id: int) -> str:
    """A token shaped like Discord's: base64url(app id) . 'Stand' . 27 url-safe characters."""
    first = base64.urlsafe_b64encode(str(app_id).encode()).decode().rstrip("=")
    last = base64.urlsafe_b64encode(hashlib.sha256(f"stand-in {app_id}".encode()).digest()).decode()[:27]
    return f"{first}.Stand.{last}"


class StandInCore:
    """State and plumbing every resource shares. `async with StandIn() as standin:` serves it."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41250,
        interaction_deadline: float = 3.0,
        reject_invalid: bool = True,
        guild_name: str = "Film Club",
        shard_count: int = 1,
        max_concurrency: int = 1,
        identify_interval: float = 0.0,
        one_session_per_shard: bool = True,
    ) -> None:
        self.host, self.port = host, port
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.reject_invalid = reject_invalid
        self.shard_count = shard_count  # what /gateway/bot recommends
        self.max_concurrency = max_concurrency  # identifies per bucket (shard_id % this) per interval
        self.identify_interval = identify_interval  # Discord's is 5 s; 0 lets single-bot tests restart freely
        self.advertised_gateway_url: str | None = None  # what /gateway/bot names, if not this stand-in
        self.one_session_per_shard = one_session_per_shard  # off: two bots may share a shard (benchmarks)
        self.ids = Snowflakes()
        self.app_id = self.ids.seeded()
        self.token = make_token(self.app_id)
        self.bot_user = User(self.app_id, "FilmClubBot", global_name="Film Club Bot", bot=True)
        self.world = World(self.ids, self.bot_user)
        self.guild = self.world.add_guild(guild_name)
        self.commands: dict[int | None, dict[int, dict[str, Any]]] = {}
        self.messages: dict[int, Message] = {}
        self.messages_by_channel: dict[int, list[Message]] = {}  # the same messages, oldest first
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.nonce_duplicates = 0
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_message: dict[int, list[InteractionRecord]] = {}  # from or made it
        self._by_token: dict[str, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self.problems: list[Problem] = []
        self.sessions: dict[str, Session] = {}
        self.identify_count = 0
        self.identify_rejections = 0  # identifies refused for max_concurrency
        self._bucket_identified_at: dict[int, float] = {}
        self.resume_count = 0
        self.gateway_messages: list[dict[str, Any]] = []
        self.command_activity_at = 0.0
        self.command_requests_in_flight = 0
        self._injected: list[_Injected429] = []
        self.guild_create_delay = 0.0  # seconds between READY and the GUILD_CREATEs after an IDENTIFY
        self.guild_outages: set[int] = set()  # guilds Discord reports unavailable (no GUILD_CREATE for them)
        self._connections: set[_Connection] = set()
        self._changed = asyncio.Event()
        self.version = 0  # counts changes: every `notify`
        self._started = False
        self._routes: list[_Route] = []
        self._runner: web.AppRunner | None = None
        self._register_routes()

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Serve on the configured host and port (port 0 picks a free one)."""
        self._started = True
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        app.router.add_route("*", "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("stand-in serving on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop serving."""
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def env(
        self, *, database_path: str, dev_guild: bool | int = False, log_level: str = "INFO"
    ) -> dict[str, str]:
        """The environment a bot process needs to talk to this stand-in."""
        env = {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DATABASE_PATH": database_path,
            "LOG_LEVEL": log_level,
        }
        if dev_guild:
            env["DEV_GUILD_ID"] = str(self.guild.id if dev_guild is True else dev_guild)
        return env

    # -- waiting ------------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting in `wait_until`."""
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float,  # noqa: ASYNC109
        *,
        what: str = "condition",
        recheck: float | None = None,
    ) -> Any:
        """Wait until `predicate()` is truthy, woken by stand-in changes; TimeoutError names `what`.

        `recheck` also re-evaluates every so many seconds, for predicates that depend on the clock.
        """
        if not self._started:
            raise RuntimeError("the stand-in is not started")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
            wait = remaining if recheck is None else min(remaining, recheck)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)

    # -- problems -----------------------------------------------------------------------------------------

    def record_problem(self, kind: str, where: str, detail: str) -> None:
        self.problems.append(Problem(kind, where, detail))
        log.warning("stand-in %s at %s: %s", kind, where, detail)

    def take_problems(self, kind: str | None = None) -> list[Problem]:
        """Remove and return recorded problems (of one kind if given): a test that expects them takes them.

        Kinds: "payload violation" (over a Discord limit), "unhandled route" (REST or gateway op the stand-in
        does not serve), "interaction error" (late, repeated or invalid acknowledgement), "gateway".
        """
        taken = [p for p in self.problems if kind is None or p.kind == kind]
        self.problems = [p for p in self.problems if p not in taken]
        return taken

    def inject_429(
        self,
        count: int = 1,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        retry_after: float = 0.2,
    ) -> None:
        """Answer the next `count` matching REST requests with a 429 like Discord's (with `Via`)."""
        self._injected.append(_Injected429(count, path_prefix, method, retry_after))

    def inject_error(
        self,
        count: int = 1,
        status: int = 500,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Answer the next `count` matching REST requests with a server error such as 500 or 503.

        With `after_handling` the request takes effect first (a callback lands, a message is posted) and
        the error comes back anyway, as when Discord's edge fails after its backend did the work.
        """
        self._injected.append(_Injected429(count, path_prefix, method, 0.0, status, after_handling))

    def clear_injected(self) -> None:
        """Drop every injected fault not used up yet."""
        self._injected.clear()

    def _take_injected(self, method: str, path: str) -> _Injected429 | None:
        for injected in self._injected:
            if injected.remaining <= 0:
                continue
            if injected.path_prefix and not path.startswith(injected.path_prefix):
                continue
            if injected.method and injected.method.upper() != method:
                continue
            injected.remaining -= 1
            return injected
        return None

    # -- REST plumbing ------------------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self._routes.append(_Route(method, regex, handler, auth, f"{method} {pattern}"))

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            payload: Any = None
            files: list[dict[str, Any]] = []
            for name, value in form.items():
                if name == "payload_json":
                    raw = value.file.read() if isinstance(value, web.FileField) else value
                    payload = json.loads(raw.decode() if isinstance(raw, (bytes, bytearray)) else str(raw))
                elif isinstance(value, web.FileField):
                    content = value.file.read()
                    files.append(
                        {
                            "field": name,
                            "filename": value.filename,
                            "size": len(content),
                            "content_type": value.content_type,
                        }
                    )
            return payload, files
        if not request.can_read_body:
            return None, []
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _api(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        path = "/" + tail
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, time.time())
        self.requests.append(record)
        try:
            response = await self._answer(request, record, body, files)
        except ApiError as error:
            response = _response(error.body(), error.status, _ratelimit_headers(path))
        record.status = response.status
        self.notify()
        return response

    async def _answer(
        self, request: web.Request, record: RecordedRequest, body: Any, files: list[dict[str, Any]]
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/v10/"):
            self.record_problem("unhandled route", f"{request.method} {request.path}", "not under /api/v10")
            raise ApiError(404, 0, "404: Not Found")
        injected = self._take_injected(record.method, record.path)
        if injected is not None and not injected.after_handling:
            return _injected_response(record.path, injected)
        response = await self._serve(request, record, body, files)
        return response if injected is None else _injected_response(record.path, injected)

    async def _serve(
        self, request: web.Request, record: RecordedRequest, body: Any, files: list[dict[str, Any]]
    ) -> web.StreamResponse:
        for route in self._routes:
            match = route.pattern.match(record.path)
            if match is None or route.method != record.method:
                continue
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise ApiError(401, 0, "401: Unauthorized")
            call = _Request(record.method, record.path, match.groupdict(), request.query, body, files)
            response = await route.handler(call)
            response.headers.update(_ratelimit_headers(route.bucket))
            return response
        self.record_problem(
            "unhandled route", f"{record.method} {record.path}", "the stand-in does not serve it"
        )
        raise ApiError(404, 0, "404: Not Found")

    def _register_routes(self) -> None:
        """Each resource adds its routes (see `StandIn._register_routes`)."""

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """The gateway websocket (served by `GatewayMixin`)."""
        raise NotImplementedError

    def _validate(self, where: str, violations: list[limits.Violation]) -> None:
        """Record violations; reject the request like Discord (50035) unless `reject_invalid` is off."""
        if not violations:
            return
        for violation in violations:
            self.record_problem("payload violation", where, str(violation))
        if self.reject_invalid:
            errors = {
                v.path or "_": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": v.problem}]}
                for v in violations
            }
            raise ApiError(400, 50035, "Invalid Form Body", errors)


def _ratelimit_headers(bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": hashlib.md5(bucket.encode()).hexdigest()[:16],
    }


def _injected_response(path: str, injected: _Injected429) -> web.Response:
    if injected.status == 429:
        return _rate_limited(path, injected.retry_after)
    body = {"message": f"{injected.status}: injected server error", "code": 0}
    return _response(body, injected.status)


def _rate_limited(path: str, retry_after: float) -> web.Response:
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": hashlib.md5(path.encode()).hexdigest()[:16],
        "X-RateLimit-Scope": "user",
        "Via": "1.1 google",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return _response(body, 429, headers)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
