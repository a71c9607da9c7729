"""``o2c-hub ar``: AR reports on the terminal.

    o2c-hub ar aging [--as-of 2024-03-31] [--currency EUR] [--json]
    o2c-hub ar dso   [--as-of ...] [--period-days 90] [--json]
    o2c-hub ar kpis  [--as-of ...] [--period-days 90] [--json]

A table by default, one block per currency; ``--json`` prints the API's answer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click

from hub import jsonutil
from hub.cli_common import hub_from
from hub.o2c.reports.store import report


@click.group("ar")
def ar() -> None:
    """Accounts-receivable reports: aging, DSO, KPIs."""


def _options(command):
    command = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(command)
    command = click.option("--currency", help="Only this currency (default: every currency).")(command)
    command = click.option("--period-days", type=click.IntRange(1, 36500), default=90, show_default=True,
                           help="Length of the period ending on the as-of date.")(command)
    return click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                        help="Report date (default: today).")(command)


def _run(ctx: click.Context, name: str, as_of: datetime | None, period_days: int,
         currency: str | None, as_json: bool) -> None:
    hub = hub_from(ctx)
    day = as_of.date() if as_of else date.today()
    with hub.sessions() as session:
        found = report(session, name, day, period_days=period_days, currency=currency)
    if as_json:
        body = {"report": name, "as_of": day.isoformat(), "period_days": period_days, "currencies": found}
        click.echo(jsonutil.dumps(body, pretty=True))
        return
    click.echo(render_table(name, day, found))


def render_table(name: str, as_of: date, found: dict[str, dict[str, Any]]) -> str:
    """One block per currency: a label column and a right-aligned value column."""
    if not found:
        return f"{name} on {as_of.isoformat()}: no receivables in the store"
    blocks = []
    for currency, figures in found.items():
        rows = [(label, _cell(value)) for label, value in figures.items()]
        width = max(len(label) for label, _ in rows)
        lines = [f"{name} on {as_of.isoformat()} ({currency})"]
        lines += [f"  {label.ljust(width)}  {value:>14}" for label, value in rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, (Decimal, int, str)) else jsonutil.dumps(value)


@ar.command("aging")
@_options
@click.pass_context
def aging(ctx, as_of, period_days, currency, as_json):
    """Open AR by days past due: current, 1-30, 31-60, 61-90, 90+."""
    _run(ctx, "aging", as_of, period_days, currency, as_json)


@ar.command("dso")
@_options
@click.pass_context
def dso(ctx, as_of, period_days, currency, as_json):
    """DSO (simple, average AR, countback), best-possible DSO, average days delinquent."""
    _run(ctx, "dso", as_of, period_days, currency, as_json)


@ar.command("kpis")
@_options
@click.pass_context
def kpis(ctx, as_of, period_days, currency, as_json):
    """AR, DSO, CEI, unapplied cash and the auto-match rate."""
    _run(ctx, "kpis", as_of, period_days, currency, as_json)
