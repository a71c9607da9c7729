"""``o2c-hub dunning``: run a policy, and record disputes and promises to pay.

    o2c-hub dunning run [--policy standard] [--policies dunning.yaml] [--as-of DATE]
                                  run the recipe with that dunning step now (a run like its scheduled ones)
    o2c-hub dunning dispute INV-2026-0042 --reason "goods damaged"   (--resolved to close)
    o2c-hub dunning promise INV-2026-0042 --until 2026-12-15         (--withdraw to drop)

Disputes and promises are audit lines, worded as the console's collections page words them.
"""

from __future__ import annotations

import os
from datetime import date

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cli_common import command_line_actor, fail, hub_from, reason_text
from hub.errors import HubError
from hub.o2c.dunning import state
from hub.o2c.dunning.policy import load_policies
from hub.runs.manual import only_recipe, run_now, steps_of
from hub.store.o2c import Invoice
from hub.store.platform import AuditEntry


@click.group("dunning")
def dunning() -> None:
    """Dunning: notices for late invoices, disputes and promises to pay."""


@dunning.command("run")
@click.option("--policies", "path", type=click.Path(exists=True, dir_okay=False),
              help="Only the recipe running a policy of this dunning: YAML file.")
@click.option("--policy", "name", help="Only the recipe running this policy.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Run as on this date (default today).")
@click.pass_context
def run(ctx: click.Context, path: str | None, name: str | None, as_of) -> None:
    """Run the dunning recipe now (a run like its scheduled ones): send the notices its policy
    prescribes; never the same level twice."""
    hub = hub_from(ctx)
    if path and name:
        try:
            if name not in load_policies(path):
                fail(f"{path} has no policy {name!r}")
        except HubError as exc:
            fail(str(exc))
    found = [(built, step) for built, step in steps_of(hub, "dunning")
             if name in (None, step.policy.name) and (path is None or _same_file(step.policies, path))]
    wanted = "a dunning step" + (f" running policy {name!r}" if name else "") + (f" of {path}" if path else "")
    built = only_recipe([built for built, _ in found], wanted, "add one like recipes/weekday-dunning.yaml "
                        "(o2c-hub init writes it) to the config's recipes")
    if as_of and all(step.as_of is None for b, step in found if b is built):
        fail(f"recipe {built.slug} takes no date from its event: give its dunning step as_of: event.as_of")
    ran = run_now(hub, built, {"as_of": as_of.date().isoformat()} if as_of else {}, kind="dunning")
    for output in ran.outputs:
        for notice in output["notices"]:
            how = "already sent" if notice["reused"] else f"sent by {notice['connection']}"
            click.echo(f"{notice['customer']}: {notice['level']} for {len(notice['invoices'])} invoice(s), {how}")
        click.echo(f"{output['count']} notice(s) on {output['as_of']} under policy {output['policy']}")
    click.echo(ran.summary)
    ctx.exit(ran.exit_code)


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


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
