"""`python -m bot sandbox`: the real bot against a local Discord stand-in, driven by typed commands.

Reads one command per line from stdin (a terminal or a script) and prints every reply as text.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.standin import BotNotReady, BotProcess, Driver, DriverError, Reply, StandIn
from bot.standin.render import render_choices, render_message, render_modal, text_inputs
from bot.standin.server import Message

HELP = """\
/command sub option:value ...   run a slash command, e.g. /plot beat:8  /cast name:sam elliott
                                (a value runs to the next option name; leading text fills the first option)
click N | click LABEL           press button N (as numbered in the last message with buttons),
                                or the button whose label starts with LABEL: click Next
select N VALUE[, VALUE...]      choose in select menu N of that message
modal FIELD=TEXT ...            submit the last modal (with one field, `modal TEXT` is enough)
complete /command option: TEXT  show the autocomplete choices for TEXT typed in that option,
                                e.g. complete /plot beat: dea   complete /cast name: kri
as NAME [--force]               act as another member: mod, member, member2 (now: {member}{forced});
                                --force runs commands hidden from them (moderator-only ones), to
                                see the bot's own refusal
channel NAME                    act in another channel: general, spoilers, announcements (now: #{channel})
                                #spoilers starts marked as a spoiler channel (plot text untagged);
                                /config spoilers channel:spoilers marked:false unmarks it
read [CHANNEL]                  print a channel's or thread's messages (`read stage 2` finds a room)
threads [CHANNEL]               list a channel's threads: private or not, archived, locked, who is in
new-channel NAME                a moderator creates a text channel (for /config discussion channel)
wait SECONDS                    let time pass, then print what the bot posted meanwhile
commands                        list the bot's slash commands and their options
log                             the end of the bot's log
help                            this text
quit                            stop the bot and leave"""
SPOILER_CHANNEL = "spoilers"
SETTLE_QUIET = 0.3
SETTLE_MAX = 3.0
OPTION_TYPES = {
    3: "text", 4: "integer", 5: "true/false", 6: "member", 7: "channel", 8: "role", 9: "member/role", 10: "number",
    11: "file",
}  # fmt: skip


def parse_options(text: str, names: Sequence[str]) -> dict[str, str]:
    """Split `name:value name2:longer value` on the declared option names; leading text fills the first."""
    text = text.strip()
    if not names:
        if text:
            raise DriverError("this command takes no options")
        return {}
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    matches = list(re.finditer(rf"(?:^|\s)({alternatives}):", text))
    lead = text[: matches[0].start()] if matches else text
    stray = re.match(r"([\w-]+):(?!//)", lead)
    if stray:
        raise DriverError(f"no option {stray.group(1)!r} (options: {', '.join(names)})")
    options: dict[str, str] = {}
    if lead.strip():
        options[names[0]] = lead.strip()
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        options[match.group(1)] = text[match.end() : end].strip()
    return options


def parse_slash(commands: Sequence[dict[str, Any]], line: str) -> tuple[str, dict[str, str]]:
    """A typed slash command as (command path, raw option values), using the commands the bot synced."""
    name, _, rest = line.strip().lstrip("/").strip().partition(" ")
    node = next((c for c in commands if c.get("type", 1) == 1 and c["name"] == name), None)
    path = [name]
    while node is not None:
        subs = {o["name"]: o for o in node.get("options") or () if o["type"] in (1, 2)}
        word, _, remainder = rest.strip().partition(" ")
        if word not in subs:
            break
        path.append(word)
        node, rest = subs[word], remainder
    if node is None:
        return " ".join(path), {}
    names = [o["name"] for o in node.get("options") or () if o["type"] not in (1, 2)]
    return " ".join(path), parse_options(rest, names)


def parse_fields(text: str, names: Sequence[str]) -> dict[str, str]:
    """`field=value other=longer value` for a modal; with one field, bare text fills it."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    matches = list(re.finditer(rf"(?:^|\s)({alternatives})=", text)) if names else []
    if not matches:
        if len(names) == 1 and text.strip():
            return {names[0]: text.strip()}
        raise DriverError(
            f"say which field: modal {names[0] if names else 'field'}=text (fields: {', '.join(names)})"
        )
    fields: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        fields[match.group(1)] = text[match.end() : end].strip()
    return fields


def describe_commands(commands: Sequence[dict[str, Any]]) -> str:
    """One line per runnable slash command with its options (`[optional]`)."""
    lines: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        options = node.get("options") or []
        subs = [o for o in options if o["type"] in (1, 2)]
        for sub in subs:
            walk(sub, f"{prefix} {sub['name']}")
        if not subs:
            parts = [f"{o['name']}:{OPTION_TYPES.get(o['type'], '?')}" for o in options]
            shown = [p if o.get("required") else f"[{p}]" for p, o in zip(parts, options, strict=True)]
            lines.append(f"{prefix} {' '.join(shown)}".rstrip() + f"  — {node.get('description', '')}")

    for command in sorted(commands, key=lambda c: c["name"]):
        if command.get("type", 1) == 1:
            walk(command, "/" + command["name"])
    return "\n".join(lines) or "(the bot has no slash commands)"


class Sandbox:
    """The command loop: turns typed lines into driver calls and prints what the bot did."""

    def __init__(self, standin: StandIn, process: BotProcess, write: Callable[[str], None]) -> None:
        self.standin = standin
        self.process = process
        self.driver = Driver(standin)
        self.write = write
        self.printed: dict[int, int] = {}  # message id -> version last printed
        self.last_with_components: Message | None = None
        self.last_modal: Reply | None = None
        self.force = False
        self.mark_all_printed()

    async def prepare(self) -> None:
        """Set the server up the way a club would: #spoilers marked as a spoiler channel (when the bot can)."""
        if not any(c["name"] == "config" for c in self.driver.commands()):
            return  # another bot (--bot) without the film club's settings
        await self.driver.command(
            "config spoilers", {"channel": SPOILER_CHANNEL, "marked": True}, member="mod"
        )
        self.mark_all_printed()

    def mark_all_printed(self) -> None:
        self.printed = {m.id: m.version for m in self.standin.messages.values()}

    def show(self, message: Message, *, note: str = "") -> None:
        """Print one message, remembering it as the target of `click`/`select` if it has components."""
        where = self.standin.world.find_channel(message.channel_id)
        if where is not None and where[1].name != self.driver.default_channel:
            note = f"[#{where[1].name}] {note}"
        self.write((note + "\n" if note else "") + self.render(message))
        self.printed[message.id] = message.version
        if message.components:
            self.last_with_components = message

    def render(self, message: Message) -> str:
        """A message as text, mentions and timestamps made readable."""
        world = self.standin.world
        names = {str(user.id): user.username for user in world.users.values()}
        for guild in world.guilds.values():
            names.update({str(c.id): c.name for c in guild.channels.values()})
            names.update({str(t.id): t.name for t in guild.threads.values()})
            names.update({str(r.id): r.name.lstrip("@") for r in guild.roles.values()})
        return render_message(message.payload(), names=names)

    def show_reply(self, reply: Reply) -> None:
        for message in reply.messages:
            self.show(message)
        if reply.modal is not None:
            self.last_modal = reply
            names = [field["custom_id"] for field, _ in text_inputs(reply.modal)]
            self.write(
                render_modal(reply.modal) + f"\n(submit with: modal {names[0] if names else 'field'}=...)"
            )
        if reply.choices is not None:
            self.write(render_choices(reply.choices))
        if reply.error is not None:
            self.write(f"! Discord answered the bot with {reply.error['code']} {reply.error['message']}")
        elif not reply.messages and reply.modal is None and reply.choices is None:
            self.write("(the bot acknowledged without a visible reply)")

    def show_news(self) -> None:
        """Print messages that appeared or changed since last printed (public ones, and this member's own)."""
        me = self.driver.member().user.id
        for message in sorted(self.standin.messages.values(), key=lambda m: m.id):
            if message.deleted or self.printed.get(message.id) == message.version:
                continue
            owner = (message.interaction_metadata or {}).get("user", {}).get("id")
            if message.ephemeral and owner != str(me):
                continue
            self.show(message)  # an edited message says "(edited)" in its own header

    def show_problems(self) -> None:
        for problem in self.standin.take_problems():
            self.write(f"! stand-in: {problem}")

    def _changed_since(self, version: int) -> Callable[[], bool]:
        return lambda: self.standin.version != version

    async def settle(self) -> None:
        """Wait until the bot has been quiet for a moment (it may post followups), then print news."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_MAX
        while loop.time() < deadline:
            try:
                await self.standin.wait_until(
                    self._changed_since(self.standin.version), SETTLE_QUIET, what="quiet"
                )
            except TimeoutError:
                break
        self.show_news()
        self.show_problems()

    async def run_line(self, line: str) -> bool:
        """Run one typed line; False means leave."""
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if line.startswith("/"):
            path, options = parse_slash(self.driver.commands(), line)
            try:
                reply = await self.driver.command(path, options, force=self.force)
            except DriverError as error:
                hidden = str(error).partition(" (default_member_permissions)")
                if not hidden[1]:
                    raise
                member = self.driver.default_member
                raise DriverError(
                    f"{hidden[0].split(': it needs')[0]}: Discord hides it from members without Manage Server. "
                    f"Type `as {member} --force` to run it anyway and see the bot's own refusal."
                ) from None
            self.show_reply(reply)
        elif word == "complete":
            await self._complete(rest)
        elif word == "click":
            self.show_reply(await self.driver.click(self._target(), int(rest) if rest.isdigit() else rest))
        elif word == "select":
            number, _, values = rest.partition(" ")
            chosen = [v.strip() for v in values.split(",") if v.strip()]
            self.show_reply(await self.driver.select(self._target(), number, chosen))
        elif word == "modal":
            if self.last_modal is None or self.last_modal.modal is None:
                raise DriverError("no modal is open")
            names = [field["custom_id"] for field, _ in text_inputs(self.last_modal.modal)]
            reply = await self.driver.submit_modal(self.last_modal, parse_fields(rest, names))
            self.last_modal = None
            self.show_reply(reply)
        elif word == "as":
            name, _, flag = rest.partition(" ")
            if flag.strip() not in ("", "--force"):
                raise DriverError("use: as NAME  or  as NAME --force")
            self.driver.default_member = self.driver.member(name.lstrip("@")).user.username
            self.force = flag.strip() == "--force"
            extra = " Commands hidden from you run anyway (--force)." if self.force else ""
            self.write(f"You are now {self.driver.default_member}.{extra}")
        elif word == "channel":
            self.driver.default_channel = self.driver.channel(rest).name
            self.write(f"You are now in #{self.driver.default_channel}.")
        elif word == "read":
            self._read(self._where(rest) if rest else None)
        elif word == "threads":
            self._threads(rest or None)
        elif word == "new-channel":
            channel = await self.standin.add_channel(rest.lstrip("#") or "film-talk")
            self.write(f"Created #{channel.name}.")
        elif word == "wait":
            await asyncio.sleep(min(float(rest or 1), 3600))
        elif word == "commands":
            self.write(describe_commands(self.driver.commands()))
        elif word == "log":
            self.write(self.process.log_tail(40))
        elif word == "help":
            forced = ", --force" if self.force else ""
            self.write(
                HELP.format(
                    member=self.driver.default_member, channel=self.driver.default_channel, forced=forced
                )
            )
        elif word in ("quit", "exit"):
            return False
        else:
            raise DriverError(f"unknown command {word!r}; type help")
        await self.settle()
        return True

    async def _complete(self, text: str) -> None:
        """`complete /plot beat: dea`: what the bot suggests while TEXT is typed in that option."""
        command, colon, typed = text.partition(":")
        path, _, focused = command.strip().lstrip("/").rpartition(" ")
        if not colon or not path or not focused:
            raise DriverError("use: complete /command option: text   e.g. complete /plot beat: dea")
        choices = await self.driver.autocomplete(path, {focused: typed.strip()}, focused)
        self.write(render_choices(choices))

    def _target(self) -> Message:
        message = self.last_with_components
        if message is None or message.deleted:
            raise DriverError("no message with buttons or menus yet")
        return message

    def _where(self, name: str) -> str:
        """A channel by name, or the first thread whose name contains the text (`stage 2`)."""
        try:
            return self.driver.channel(name).name
        except DriverError:
            for thread in self.driver.guild.threads.values():
                if name.lower() in thread.name.lower():
                    return str(thread.id)
            raise

    def _threads(self, channel: str | None) -> None:
        parent = self.driver.channel(channel)
        found = self.standin.threads_of(parent)
        self.write(f"── threads of #{parent.name}: {len(found)} ──")
        guild = self.driver.guild
        for thread in found:
            flags = [
                "private" if thread.private else "public",
                *(["archived"] if thread.archived else []),
                *(["locked"] if thread.locked else []),
            ]
            members = [guild.members[m].user.username for m in sorted(thread.members) if m in guild.members]
            self.write(f"{thread.name}  [{', '.join(flags)}]  members: {', '.join(members) or 'none'}")

    def _read(self, channel: str | None) -> None:
        messages = self.driver.channel_messages(channel)
        name = self.driver.channel(channel).name
        self.write(f"── #{name}: {len(messages)} message(s) ──")
        for message in messages:
            self.write(self.render(message) + "\n")
            self.printed[message.id] = message.version
            if message.components:
                self.last_with_components = message


def _stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines from stdin via a daemon thread (so a pending read never blocks exit); None marks the end."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
    return queue


async def repl(sandbox: Sandbox, *, interactive: bool) -> int:
    """Read and run lines until quit or end of input; 1 if the bot died."""
    lines = _stdin_lines(asyncio.get_running_loop())
    while True:
        if interactive:
            print(f"{sandbox.driver.default_member} #{sandbox.driver.default_channel}> ", end="", flush=True)
        line = await lines.get()
        if line is None:
            return 0
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not interactive:
            sandbox.write(f"> {line}")
        try:
            if not await sandbox.run_line(line):
                return 0
        except (DriverError, TimeoutError, ValueError) as error:
            sandbox.write(f"! {error}")
            sandbox.show_problems()
        if not sandbox.process.running:
            sandbox.write(
                f"! the bot exited (code {sandbox.process.process and sandbox.process.process.returncode})"
            )
            sandbox.write(sandbox.process.log_tail(30))
            return 1


async def run(args: argparse.Namespace, argv: list[str] | None, workdir: Path) -> int:
    """Start the stand-in and the bot, run the command loop, stop the bot cleanly."""
    try:
        async with StandIn() as standin:
            process = BotProcess(standin, argv, workdir=workdir, dev_guild=True)
            print("Starting the bot against a local Discord stand-in…", file=sys.stderr, flush=True)
            try:
                await process.start()
                await process.wait_ready(args.timeout)
                sandbox = Sandbox(standin, process, lambda text: print(text, flush=True))
                await sandbox.prepare()
                interactive = sys.stdin.isatty()
                sandbox.write(f"Film Club sandbox: you are {sandbox.driver.default_member} in "
                              f"#{sandbox.driver.default_channel}. Type help for commands.")  # fmt: skip
                sandbox.show_problems()
                return await repl(sandbox, interactive=interactive)
            except BotNotReady as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            finally:
                await process.stop()
    finally:
        if args.keep:
            print(f"The database and bot log are kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def bot_argv(command_line: str | None) -> list[str] | None:
    """The bot's command line with relative paths made absolute (it runs in a temporary folder)."""
    if not command_line:
        return None
    return [os.path.abspath(part) if os.path.exists(part) else part for part in shlex.split(command_line)]


def main(argv: Sequence[str]) -> int:
    """Entry point for `python -m bot sandbox [options]`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot sandbox",
        description="Try the bot against a local Discord stand-in: no token, no network.",
    )
    parser.add_argument("--bot", help="command line of the bot to run (default: this Python, -m bot)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the bot to start")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and bot log")
    args = parser.parse_args(list(argv))
    logging.getLogger("bot.standin").setLevel(logging.ERROR)  # problems are printed as "! stand-in: ..."
    try:
        return asyncio.run(run(args, bot_argv(args.bot), Path(tempfile.mkdtemp(prefix="filmclub-sandbox-"))))
    except KeyboardInterrupt:
        return 130
