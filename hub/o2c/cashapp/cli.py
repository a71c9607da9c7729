"""``o2c-hub cashapp``: match received money to open invoices, and decide proposals; and
``o2c-hub bank lines``: the stored bank lines with their statement and state.

    o2c-hub cashapp run [--recipe SLUG]       run the cash-application recipe now: decide every
                                              payment / bank credit not yet decided
    o2c-hub cashapp proposals [--status ...] [--json]
                                              proposals with their candidate sets and amounts
    o2c-hub cashapp accept ID [--candidate N --reason TEXT]
                                              apply a candidate (learns the payer's IBAN)
    o2c-hub cashapp accept ID --allocate INV=AMOUNT [--allocate ...] --reason TEXT
                                              apply the payment as you allocate it
    o2c-hub cashapp reject ID --reason TEXT   record why a proposal is wrong
    o2c-hub cashapp report                    auto-match rate, proposal rate, unapplied cash
    o2c-hub bank lines [--state S] [--statement ID] [--limit N] [--json]

Accepting and rejecting are audit lines, like the console's and the API's.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from hub import jsonutil
from hub.cli_common import REASON_HELP, ROW_ID, command_line_actor, fail, hub_from, reason_text
from hub.errors import RefusedError
from hub.o2c.cashapp.banklines import STATES as BANK_LINE_STATES
from hub.o2c.cashapp.banklines import BankLineFilter, bank_lines
from hub.o2c.cashapp.service import CashApplication
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import accept_audit_line, customer_names, outcome_view, proposal_view
from hub.runs.manual import only_recipe, run_now, steps_of
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry

STATUSES = ("proposed", "auto_applied", "accepted", "rejected", "unmatched", "all")


@click.group("cashapp")
def cashapp() -> None:
    """Cash application: apply payments and bank lines to open invoices."""


@cashapp.command("run")
@click.option("--recipe", help="Which recipe to run, when several have a cash_apply step.")
@click.pass_context
def run(ctx: click.Context, recipe: str | None) -> None:
    """Run the cash-application recipe now (a run like its scheduled ones): match every payment
    and bank credit that has no decision yet."""
    hub = hub_from(ctx)
    found = [built for built, _ in steps_of(hub, "cash_apply") if recipe in (None, built.slug)]
    built = only_recipe(found, (f"the name {recipe!r} and " if recipe else "") + "a cash_apply step",
                        "add recipes/cash-application.yaml (o2c-hub init writes it) to the config's recipes")
    ran = run_now(hub, built, {}, kind="cash_apply")
    for decided in ran.outputs:
        for outcome in decided["outcomes"]:
            click.echo(f"{outcome['status']:13} {outcome['payment']}  {', '.join(outcome['invoices']) or '-'}")
        click.echo(f"{decided['decided']} decided")
    click.echo(ran.summary)
    ctx.exit(ran.exit_code)


@cashapp.command("proposals")
@click.option("--status", default="proposed", show_default=True, type=click.Choice(STATUSES),
              help="Only proposals with this status (all: every one).")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON, with every candidate set.")
@click.pass_context
def proposals(ctx: click.Context, status: str, as_json: bool) -> None:
    """List proposals, each with its candidate sets (invoices, amounts, score, reasons)."""
    query = select(MatchProposal).order_by(MatchProposal.id)
    if status != "all":
        query = query.where(MatchProposal.status == status)
    with hub_from(ctx).sessions() as session:
        views = [proposal_view(p) for p in session.scalars(query)]
        names = customer_names(session, {c["customer_id"] for v in views for c in v["candidates"]}
                               | {v["customer_id"] for v in views})
    if as_json:
        click.echo(jsonutil.dumps({"proposals": views}, pretty=True))
        return
    for view in views:
        _echo_proposal(view, names)
    if not views:
        click.echo("0 proposals")


def _echo_proposal(view: dict[str, Any], names: dict[int, str]) -> None:
    customer = names.get(view["customer_id"], "customer unknown") if view["customer_id"] else "customer unknown"
    click.echo(f"#{view['id']} {view['status']} {view['payment']} {view['amount']} {view['currency']} "
               f"({customer}) → {', '.join(view['invoices']) or '-'} (score {view['score']})")
    for reason in view["reasons"]:
        click.echo(f"    - {reason}")
    for candidate in view["candidates"]:
        chosen = "  ← accepted" if candidate["rank"] == view["accepted_candidate"] else ""
        click.echo(f"  candidate {candidate['rank']}: score {candidate['score']}, {candidate['fit']}, "
                   f"applies {candidate['total_applied']}, unapplied {candidate['unapplied']}, "
                   f"short {_amount(candidate['short'])}{chosen}")
        for invoice in candidate["invoices"]:
            owner = names.get(invoice["customer_id"], "-") if invoice["customer_id"] else "-"
            click.echo(f"      {invoice['number']} ({owner}): open {_amount(invoice['open'])}, "
                       f"applied {invoice['applied']}")
        for reason in candidate["reasons"]:
            points = "" if reason["points"] is None else f" ({reason['points']:+d})"
            click.echo(f"      - {reason['text']}{points}")


def _amount(value: Any) -> str:
    return "not recorded" if value is None else str(value)


@cashapp.command("accept")
@click.argument("proposal_id", type=ROW_ID)
@click.option("--candidate", type=ROW_ID, help="Which candidate set to apply (1, the default, is the best; see "
                                               "`cashapp proposals`).")
@click.option("--allocate", "allocation", multiple=True, metavar="INVOICE=AMOUNT",
              help="Apply AMOUNT of the payment to INVOICE yourself instead of a candidate set; repeat it for each "
                   "invoice (what the payment has left is kept as customer credit; a reason is needed).")
@click.option("--reason", help="Why (written to the audit log); needed for any candidate but the best, and for "
                               "an allocation of your own.")
@click.pass_context
def accept(ctx: click.Context, proposal_id: int, candidate: int | None, allocation: tuple[str, ...],
           reason: str | None) -> None:
    """Apply a candidate of proposal PROPOSAL_ID, or your own allocation, and learn the payer's IBAN."""
    if candidate is not None and allocation:
        fail("give --candidate or --allocate, not both")
    lines = [_allocation_line(text) for text in allocation]
    candidate = None if lines else candidate or 1
    why = reason_text(reason) if reason is not None else None
    who = command_line_actor()
    try:
        with hub_from(ctx).sessions.begin() as session:
            cash = CashApplication(session)
            if lines:
                outcome = cash.accept_allocation(proposal_id, lines, who=who, reason=why)
            else:
                outcome = cash.accept(proposal_id, who=who, candidate=candidate, reason=why)
            session.add(AuditEntry(kind="cashapp.accept", detail=accept_audit_line(
                proposal_id, outcome, who=who, candidate=candidate, reason=why)))
    except RefusedError as exc:
        fail(str(exc))
    click.echo(jsonutil.dumps(outcome_view(outcome)))


def _allocation_line(text: str) -> dict[str, str]:
    """``INV-1=120.50`` as an allocation line (the amount's rules are the service's)."""
    invoice, equals, amount = text.rpartition("=")
    if not (equals and invoice.strip() and amount.strip()):
        fail(f"--allocate takes INVOICE=AMOUNT, such as INV-2024-00042=120.50, not {text[:60]!r}")
    return {"invoice": invoice.strip(), "amount": amount.strip()}


@cashapp.command("reject")
@click.argument("proposal_id", type=ROW_ID)
@click.option("--reason", required=True, help=REASON_HELP)
@click.pass_context
def reject(ctx: click.Context, proposal_id: int, reason: str) -> None:
    """Reject proposal PROPOSAL_ID, recording the reason."""
    why, who = reason_text(reason), command_line_actor()
    try:
        with hub_from(ctx).sessions.begin() as session:
            proposal = CashApplication(session).reject(proposal_id, reason=why, who=who)
            session.add(AuditEntry(kind="cashapp.reject", detail=(
                f"cash application proposal {proposal_id} ({proposal.source} {proposal.payment_reference}) "
                f"rejected by {who}; reason: {why}")))
            click.echo(jsonutil.dumps(proposal_view(proposal)))
    except RefusedError as exc:
        fail(str(exc))


@cashapp.command("report")
@click.pass_context
def report(ctx: click.Context) -> None:
    """Auto-match rate, proposal rate, unmatched rate and unapplied cash per currency."""
    with hub_from(ctx).sessions() as session:
        click.echo(jsonutil.dumps(cash_report(session)))


@click.command("lines")
@click.option("--state", type=click.Choice(BANK_LINE_STATES), help="Only lines in this state.")
@click.option("--statement", help="Only lines of this statement (its id).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="At most this many lines, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the lines as JSON.")
@click.pass_context
def lines(ctx: click.Context, state: str | None, statement: str | None, limit: int, as_json: bool) -> None:
    """Bank lines, newest first, with their statement, entry reference and state."""
    with hub_from(ctx).sessions() as session:
        found, more = bank_lines(session, BankLineFilter(state=state, statement=statement, limit=limit))
    if as_json:
        click.echo(jsonutil.dumps({"bank_lines": found}, pretty=True))
        return
    for line in found:
        entry = line["entry"]["bank_reference"] or line["entry"]["entry_reference"] or line["entry"]["end_to_end_id"]
        click.echo(f"{line['booking_date']}  {line['amount']:>12} {line['currency']}  {line['state']:12}  "
                   f"statement {line['statement']['id'] or '-'} ({line['statement']['account']['id']})  "
                   f"entry {entry or '-'}  {line['reference']}")
    click.echo(f"{len(found)} line{'' if len(found) == 1 else 's'}" + (f" (more: --limit above {limit})" if more else ""))
