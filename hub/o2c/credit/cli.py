"""``o2c-hub credit ...`` and ``o2c-hub exceptions``: held orders, decisions, differences.

    o2c-hub credit held                           orders waiting for a credit decision
    o2c-hub credit show ORDER [--json]            every check of one order, with its rules
    o2c-hub credit approve ORDER --reason TEXT    release it: its run is queued again
    o2c-hub credit reject ORDER --reason TEXT     its run ends as rejected
    o2c-hub exceptions list [--status open|resolved|all] [--reconciliation NAME] [--json]
"""

from __future__ import annotations

import getpass

import click

from hub import jsonutil
from hub.cli_common import fail, hub_from
from hub.errors import CreditDecisionError
from hub.o2c.credit.service import APPROVED, REJECTED, check_view, checks_of, decide, held_checks
from hub.o2c.reconcile import exception_view, list_exceptions


@click.group()
def credit() -> None:
    """Credit checks of orders: held orders and decisions."""


@credit.command("held")
@click.pass_context
def held(ctx: click.Context) -> None:
    """Orders waiting for a credit decision."""
    hub = hub_from(ctx)
    with hub.sessions() as session:
        checks = [check_view(c) for c in held_checks(session)]
    for c in checks:
        click.echo(f"{c['order']}  {c['customer'] or '-'}  exposure {c['exposure']} / limit "
                   f"{c['credit_limit'] if c['credit_limit'] is not None else '-'} {c['currency']}  "
                   f"run {c['run_id']}  {c['reason']}")
    click.echo(f"{len(checks)} order(s) held")


@credit.command("show")
@click.argument("order")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, order: str, as_json: bool) -> None:
    """Every credit check of ORDER, with each rule and its value."""
    hub = hub_from(ctx)
    with hub.sessions() as session:
        checks = [check_view(c) for c in checks_of(session, order)]
    if not checks:
        fail(f"order {order} has no credit check")
    if as_json:
        click.echo(jsonutil.dumps(checks))
        return
    for c in checks:
        click.echo(f"check {c['id']} at {c['checked_at']}: {c['decision']} by {c['decided_by']}: {c['reason']}")
        for rule in c["rules"]:
            mark = "FIRED" if rule["fired"] else "skip " if rule["skipped"] else "ok   "
            click.echo(f"  {mark} {rule['rule']}: {rule['message']}")


@credit.command("approve")
@click.argument("order")
@click.option("--reason", required=True, help="Why the order may go ahead (recorded).")
@click.option("--by", "who", default=None, help="Who decides (default: the current user).")
@click.pass_context
def approve(ctx: click.Context, order: str, reason: str, who: str | None) -> None:
    """Approve the held ORDER: its run is queued again and passes the credit step."""
    _decide(ctx, order, APPROVED, reason, who)


@credit.command("reject")
@click.argument("order")
@click.option("--reason", required=True, help="Why the order is refused (recorded).")
@click.option("--by", "who", default=None, help="Who decides (default: the current user).")
@click.pass_context
def reject(ctx: click.Context, order: str, reason: str, who: str | None) -> None:
    """Reject the held ORDER: its run ends as rejected."""
    _decide(ctx, order, REJECTED, reason, who)


def _decide(ctx: click.Context, order: str, decision: str, reason: str, who: str | None) -> None:
    hub = hub_from(ctx)
    try:
        with hub.sessions.begin() as session:
            view = check_view(decide(session, order, decision, who=who or getpass.getuser(), reason=reason))
    except CreditDecisionError as exc:
        fail(str(exc))
    click.echo(f"order {order} {decision} by {view['decided_by']} (run {view['run_id']})")


@click.group()
def exceptions() -> None:
    """Differences found by reconciliations."""


@exceptions.command("list")
@click.option("--status", type=click.Choice(["open", "resolved", "all"]), default="open", show_default=True)
@click.option("--reconciliation", help="Only this reconciliation's exceptions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_(ctx: click.Context, status: str, reconciliation: str | None, as_json: bool) -> None:
    """Reconciliation exceptions, newest first."""
    hub = hub_from(ctx)
    with hub.sessions() as session:
        rows = [exception_view(r) for r in list_exceptions(
            session, status=None if status == "all" else status, reconciliation=reconciliation)]
    if as_json:
        click.echo(jsonutil.dumps(rows))
        return
    for r in rows:
        detail = f" {r['field']}: {_shown(r['left'])} != {_shown(r['right'])}" if r.get("field") else ""
        click.echo(f"{r['id']}  {r['reconciliation']}  {r['kind']}  {r['key']}{detail}  ({r['status']})")
    click.echo(f"{len(rows)} exception(s)")


def _shown(value: object) -> str:
    """An exception's amount as printed: the value, or "missing" for the side that lacks it."""
    return "missing" if value is None else str(value)
