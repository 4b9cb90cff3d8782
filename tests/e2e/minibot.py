"""A bare discord.py bot that exercises the stand-in, and the "plain discord.py" baseline for benchmarks.

Same contract as `python -m bot`: DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL, optional DEV_GUILD_ID.
Run it as a script: `python tests/e2e/minibot.py`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.webhook.async_ import async_context, interaction_response_params

log = logging.getLogger("minibot")

FILMS = ["Alien", "Amelie", "Arrival", "Blade Runner", "Casablanca", "Heat", "Sam Elliott: A Life", "Tremors"]


class Panel(discord.ui.View):
    """A persistent panel: it must keep working after the bot restarts."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="One", style=discord.ButtonStyle.primary, custom_id="mini:btn:1")
    async def one(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        await interaction.response.send_message(
            f"button 1 pressed by {interaction.user.name}", ephemeral=True
        )

    @discord.ui.button(label="Two", custom_id="mini:btn:2")
    async def two(self, interaction: discord.Interaction, _: discord.ui.Button[Panel]) -> None:
        await interaction.response.edit_message(content=f"Panel (two pressed by {interaction.user.name})")

    @discord.ui.select(
        custom_id="mini:sel",
        placeholder="Pick colours",
        max_values=2,
        options=[discord.SelectOption(label=name, value=name.lower()) for name in ("Red", "Green", "Blue")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Panel]) -> None:
        await interaction.response.send_message(f"picked {', '.join(select.values)}", ephemeral=True)


class Feedback(discord.ui.Modal, title="Feedback"):
    """A one-field modal."""

    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Your thoughts", custom_id="mini:fb:text", style=discord.TextStyle.long, max_length=200
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}")


mini = app_commands.Group(name="mini", description="Small things")
tools = app_commands.Group(name="tools", description="Tools", parent=mini)


@mini.command(name="echo", description="Say it back")
async def echo(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(text)


@mini.command(name="add", description="Add two numbers")
async def add(interaction: discord.Interaction, a: int, b: int) -> None:
    await interaction.response.send_message(f"{a} + {b} = {a + b}")


@tools.command(name="roll", description="Roll a die (always the top face, for tests)")
async def roll(interaction: discord.Interaction, sides: app_commands.Range[int, 2, 100] = 6) -> None:
    await interaction.response.send_message(f"rolled {sides} on a d{sides}")


@app_commands.command(name="ping", description="Pong")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


@app_commands.command(name="cast", description="Look up a film")
@app_commands.describe(name="Film title")
async def cast(interaction: discord.Interaction, name: str) -> None:
    embed = discord.Embed(title=name, description="A film in the mini catalogue")
    await interaction.response.send_message(embed=embed)


@cast.autocomplete("name")
async def cast_name(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    found = [film for film in FILMS if current.lower() in film.lower()]
    return [app_commands.Choice(name=film, value=film) for film in found[:25]]


@app_commands.command(name="panel", description="Post the persistent panel")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Panel", view=Panel())


@app_commands.command(name="feedback", description="Open the feedback form")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())


@app_commands.command(name="slow", description="Answers after the 3 second deadline")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(3.5)
    await interaction.response.send_message("too late")


@app_commands.command(name="double", description="Acknowledges twice")
async def double(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("first")
    params = interaction_response_params(4, {"content": "second"})
    code = None
    try:
        await async_context.get().create_interaction_response(
            interaction.id, interaction.token, session=interaction._session, params=params
        )
    except discord.HTTPException as error:
        code = error.code
    await interaction.followup.send(f"second ack rejected: {code}")


@app_commands.command(name="secret", description="An ephemeral reply")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("for your eyes only", ephemeral=True)


@app_commands.command(name="post", description="Post a plain channel message")
async def post(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    assert isinstance(interaction.channel, discord.abc.Messageable)
    await interaction.channel.send(text)
    await interaction.followup.send("posted")


@app_commands.command(name="think", description="Defer, then answer")
async def think(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.2)
    await interaction.edit_original_response(content="done thinking")


@app_commands.command(name="poster", description="Send a (spoilered) file")
async def poster(interaction: discord.Interaction) -> None:
    file = discord.File(io.BytesIO(b"poster bytes"), filename="poster.txt", spoiler=True)
    await interaction.response.send_message("the poster", file=file)


@app_commands.command(name="modonly", description="For moderators")
@app_commands.default_permissions(manage_guild=True)
async def modonly(interaction: discord.Interaction) -> None:
    allowed = isinstance(interaction.user, discord.Member) and interaction.user.guild_permissions.manage_guild
    await interaction.response.send_message(
        "welcome, moderator" if allowed else "moderators only", ephemeral=True
    )


class MiniBot(commands.Bot):
    """The whole bot: the commands above, the persistent panel, a sync at start-up."""

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        for command in (
            mini,
            ping,
            cast,
            panel,
            feedback,
            slow,
            double,
            secret,
            post,
            think,
            poster,
            modonly,
        ):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        self.add_view(Panel())
        guild_id = os.environ.get("DEV_GUILD_ID")
        if guild_id:
            guild = discord.Object(int(guild_id))
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()


async def run(token: str) -> None:
    bot = MiniBot()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    if os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    if os.environ.get("DISCORD_GATEWAY_URL"):
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    asyncio.run(run(os.environ["DISCORD_TOKEN"]))


if __name__ == "__main__":
    main()
