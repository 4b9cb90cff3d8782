"""The error handler's wording: user mistakes and a busy database get help, not a traceback."""

from __future__ import annotations

import sqlite3

from discord import app_commands

from bot.errors import BUSY_MESSAGE, UNAVAILABLE_MESSAGE, NotModerator, UserError, describe_user_error
from bot.storage import DatabaseUnavailable


def _wrapped(error: Exception) -> app_commands.CommandInvokeError:
    wrapper = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapper.original = error
    return wrapper


def test_user_error_message_is_shown_as_is() -> None:
    assert describe_user_error(UserError("Beats run from 1 to 17.")) == "Beats run from 1 to 17."


def test_moderator_refusal_says_what_is_needed() -> None:
    message = describe_user_error(NotModerator())
    assert message is not None and "Manage Server" in message


def test_locked_database_gets_a_retry_message_raw_or_wrapped() -> None:
    locked = sqlite3.OperationalError("database is locked")
    assert describe_user_error(locked) == BUSY_MESSAGE
    assert describe_user_error(_wrapped(locked)) == BUSY_MESSAGE
    assert "locked" not in BUSY_MESSAGE


def test_our_own_bugs_are_not_described_to_the_user() -> None:
    assert describe_user_error(RuntimeError("boom")) is None
    assert describe_user_error(_wrapped(sqlite3.OperationalError("no such table: x"))) is None


def test_an_unreachable_database_gets_a_short_try_again() -> None:
    down = DatabaseUnavailable("PostgreSQL at postgresql://bot@db/filmclub is unreachable: OSError: refused")
    assert describe_user_error(_wrapped(down)) == UNAVAILABLE_MESSAGE
    assert "postgresql" not in UNAVAILABLE_MESSAGE.lower() and "try again" in UNAVAILABLE_MESSAGE
