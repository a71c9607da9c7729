"""What every ``o2c-hub`` command group needs: the hub of --config, and a clean failure.

A command that fails prints one line, ``o2c-hub: <what went wrong>``, on standard error and
exits 1 (a config file with several problems prints one line per problem). ``o2c-hub --debug``
lets the exception through instead, traceback and all. A command typed wrong (an unknown option,
a value click refuses) is one line too, naming the command's --help.

Ids and counts given to a command are whole numbers from 1 to 2^63-1 (:data:`ROW_ID`), the
range of SQLite's INTEGER, as at the web edge: a larger number is refused before any query.
"""

from __future__ import annotations

import getpass
import importlib

import sys
from typing import NoReturn

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from hub.errors import ConfigError, HubError
from hub.hub import Hub
from hub.settings import Settings
from hub.redact import Redactor, url_secrets

PROG = "o2c-hub"
_HUB = "o2c_hub.hub"  # ctx.meta key: the hub the command built, for naming its database
ROW_ID = click.IntRange(1, 2**63 - 1)  # an id or a count: what SQLite's INTEGER holds
REASON_HELP = "Why (written to the audit log)."
MAX_REASON = 500


def hub_from(ctx: click.Context, settings: Settings | None = None) -> Hub:
    """The hub configured by the root command's --config (or by ``settings`` read from it),
    its database up to date (ConfigError listing every config problem)."""
    hub = Hub.from_settings(settings) if settings is not None else Hub.from_config(ctx.find_root().obj)
    ctx.meta[_HUB] = hub
    hub.migrate()
    return hub


def command_line_actor() -> str:
    """Who acts when a command changes something, as the audit log names them."""
    try:
        return f"the command line (system user {getpass.getuser()})"
    except (KeyError, OSError):  # a container user with no name
        return "the command line"


def reason_text(text: str) -> str:
    """The ``--reason`` of a command that changes something, as the audit log keeps it (one line,
    at most :data:`MAX_REASON` characters); exit 1 when it says nothing."""
    reason = " ".join(text.split())
    if not reason:
        fail("--reason: say why (it is written to the audit log)")
    return reason[:MAX_REASON]


def fail(message: str) -> NoReturn:
    """Print ``message`` to standard error as ``o2c-hub: message`` and exit 1."""
    _print(message.splitlines() or [message])
    sys.exit(1)


def _print(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"{PROG}: {line}", err=True)


class UsageFailure(click.ClickException):
    """A command typed wrong: one line, ``o2c-hub: <click's message> (<command> --help)``, exit 1."""

    exit_code = 1

    def __init__(self, error: click.UsageError, ctx: click.Context):
        where = error.ctx or ctx
        super().__init__(f"{error.format_message()} ({where.command_path} --help)")

    def show(self, file=None) -> None:
        _print([self.message])


class LazyGroup(click.Group):
    """A group whose ``lazy`` commands ("name": "module:attribute") are imported when asked
    for: a command that does not need a service never pays for importing it."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


class HubGroup(LazyGroup):
    """The root command: turns any exception out of a command into one line and exit 1,
    unless --debug asked for the traceback; usage errors too (--debug or not)."""

    def main(self, args=None, prog_name: str | None = None, *rest, **extra):
        """Named o2c-hub however started (``python -m hub`` too), in usage lines and messages."""
        return super().main(args, prog_name or PROG, *rest, **extra)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # no command given: click shows the help
        except click.UsageError as exc:
            raise UsageFailure(exc, exc.ctx) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            raise UsageFailure(exc, ctx) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            _print(failure_lines(exc, ctx.meta.get(_HUB)))
            ctx.exit(1)


def failure_lines(exc: Exception, hub: Hub | None = None) -> list[str]:
    """What to tell the admin about ``exc``: one line, or one per problem of a config file."""
    redactor = hub.redactor if hub is not None else Redactor()
    if isinstance(exc, ConfigError) and exc.issues:
        return [str(issue) for issue in exc.issues]
    if isinstance(exc, HubError):
        return [redactor.text(_first_line(exc.describe()))]
    if isinstance(exc, OperationalError):
        return [database_unreachable(exc, hub.settings.database_url if hub else None)]
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return [redactor.text(f"{where}{exc.strerror}")]
    return [f"unexpected error: {type(exc).__name__}: {redactor.text(_first_line(str(exc)))} "
            f"(run with --debug for the traceback)"]


def database_unreachable(exc: OperationalError, url: str | None) -> str:
    """``cannot reach the database at <url, password masked>: <the driver's first line>``."""
    reason = _first_line(str(exc.orig) if exc.orig is not None else str(exc))
    if url is None:
        return f"cannot reach the database: {reason}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"cannot reach the database: {reason}"
    masked = Redactor(url_secrets(url) + ([parsed.password] if parsed.password else []))
    return (f"cannot reach the database at {masked.text(parsed.render_as_string(hide_password=True))}: "
            f"{masked.text(reason)}")


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
