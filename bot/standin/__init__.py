"""A local Discord stand-in that an unmodified discord.py client talks to over loopback.

`StandIn` serves REST and the gateway, `Driver` acts as guild members, `BotProcess` runs the bot against it.
Nothing here imports discord: the stand-in speaks JSON, as Discord does.
"""

from bot.standin.driver import BotNotReady, BotProcess, Driver, DriverError, Reply
from bot.standin.server import InteractionRecord, Message, Problem, StandIn

__all__ = [
    "BotNotReady",
    "BotProcess",
    "Driver",
    "DriverError",
    "InteractionRecord",
    "Message",
    "Problem",
    "Reply",
    "StandIn",
]
