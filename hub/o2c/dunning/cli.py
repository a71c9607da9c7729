"""``o2c-hub dunning``: run a policy, and record disputes and promises to pay.

    o2c-hub dunning run --policies hub/starter/dunning.yaml --policy standard [--as-of DATE]
    o2c-hub dunning dispute INV-2026-0042 --reason "goods damaged"   (--resolved to close)
    o2c-hub dunning promise INV-2026-0042 --until 2026-12-15         (--withdraw to drop)

Disputes and promises are audit lines, worded as the console's collections page words them.
"""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cli_common import command_line_actor, fail, hub_from, reason_text
from hub.errors import HubError
from hub.o2c.dunning import state
from hub.o2c.dunning.policy import load_policies
from hub.o2c.dunning.runner import run_dunning
from hub.store.o2c import Invoice
from hub.store.platform import AuditEntry


@click.group("dunning")
def dunning() -> None:
    """Dunning: notices for late invoices, disputes and promises to pay."""


@dunning.command("run")
@click.option("--policies", "path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The dunning: YAML file.")
@click.option("--policy", "name", required=True, help="Which policy of the file to run.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Run as on this date (default today).")
@click.pass_context
def run(ctx: click.Context, path: str, name: str, as_of) -> None:
    """Send the notices the policy prescribes today; never the same level twice."""
    hub = hub_from(ctx)
    try:
        policy = load_policies(path)[name]
    except KeyError:
        fail(f"{path} has no policy {name!r}")
    except HubError as exc:
        fail(str(exc))
    when = as_of.date() if as_of else date.today()
    sent = run_dunning(hub.sessions, hub.connections, policy, when)
    for result in sent:
        n = result.notice
        how = "already sent" if result.reused else f"sent by {result.connection}"
        click.echo(f"{n.customer}: {n.level.name} for {len(n.invoices)} invoice(s), {how}")
    click.echo(f"{len(sent)} notice(s) on {when.isoformat()} under policy {name}")


@dunning.command("dispute")
@click.argument("invoice")
@click.option("--reason", help="Why the customer disputes it.")
@click.option("--resolved", is_flag=True, help="Close the dispute: dunning resumes.")
@click.pass_context
def dispute(ctx: click.Context, invoice: str, reason: str | None, resolved: bool) -> None:
    """Open (or close) a dispute on INVOICE: disputed invoices are not dunned."""
    if not resolved and not (reason or "").strip():
        fail("give --reason for a dispute (or --resolved to close one)")
    why = None if resolved else reason_text(reason)
    hub = hub_from(ctx)
    with hub.sessions.begin() as session:
        _known(session, invoice)
        state.set_dispute(session, invoice, disputed=not resolved, reason=why)
        what = "dispute closed" if resolved else f"dispute opened; reason: {why}"
        session.add(AuditEntry(kind="collections.dispute", detail=f"invoice {invoice}: {what} by {command_line_actor()}"))
    click.echo(f"{invoice}: dispute {'closed' if resolved else 'opened'}")


@dunning.command("promise")
@click.argument("invoice")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="The promised payment date.")
@click.option("--withdraw", is_flag=True, help="Drop the promise: dunning resumes.")
@click.pass_context
def promise(ctx: click.Context, invoice: str, until, withdraw: bool) -> None:
    """Record a promise to pay INVOICE: it is not dunned until that date."""
    if not withdraw and until is None:
        fail("give --until DATE (or --withdraw)")
    if until is not None and until.date() < date.today():
        fail(f"--until: a promise to pay is for a day to come, not {until.date().isoformat()}")
    hub = hub_from(ctx)
    with hub.sessions.begin() as session:
        _known(session, invoice)
        state.set_promise(session, invoice, None if withdraw else until.date())
        what = "promise to pay withdrawn" if withdraw else f"promise to pay by {until.date()}"
        session.add(AuditEntry(kind="collections.promise",
                               detail=f"invoice {invoice}: {what}, recorded by {command_line_actor()}"))
    click.echo(f"{invoice}: " + ("promise withdrawn" if withdraw else f"promised by {until.date()}"))


def _known(session: Session, number: str) -> None:
    if session.scalar(select(Invoice.id).where(Invoice.kind == "invoice", Invoice.number == number)) is None:
        fail(f"there is no invoice {number}")
