"""What every ``o2c-hub`` command group needs: the hub of --config, and a clean failure."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from hub.errors import ConfigError
from hub.hub import Hub


def hub_from(ctx: click.Context) -> Hub:
    """The hub configured by the root command's --config, its database up to date
    (exit 1 listing config problems)."""
    try:
        hub = Hub.from_config(ctx.find_root().obj)
    except ConfigError as exc:
        fail(str(exc))
    hub.migrate()
    return hub


def fail(message: str) -> NoReturn:
    """Print ``message`` to standard error and exit 1."""
    click.echo(message, err=True)
    sys.exit(1)
