"""``o2c-hub cashapp``: match received money to open invoices, and decide proposals.

    o2c-hub cashapp run                       decide every payment / bank credit not yet decided
    o2c-hub cashapp proposals [--status ...]  list proposals with their reasons
    o2c-hub cashapp accept ID                 apply a proposal (learns the payer's IBAN)
    o2c-hub cashapp reject ID --reason TEXT   record why a proposal is wrong
    o2c-hub cashapp report                    auto-match rate, proposal rate, unapplied cash
"""

from __future__ import annotations

import getpass

import click
from sqlalchemy import select

from hub import jsonutil
from hub.cli_common import ROW_ID, fail, hub_from
from hub.o2c.cashapp.service import CashApplication, ProposalError
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import outcome_view, proposal_view
from hub.store.o2c_cash import MatchProposal


@click.group("cashapp")
def cashapp() -> None:
    """Cash application: apply payments and bank lines to open invoices."""


@cashapp.command("run")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Match every payment and bank credit that has no decision yet."""
    with hub_from(ctx).sessions.begin() as session:
        outcomes = CashApplication(session).run()
        for outcome in outcomes:
            click.echo(f"{outcome.status:13} {outcome.reference}  {', '.join(outcome.invoices) or '-'}")
    click.echo(f"{len(outcomes)} decided")


@cashapp.command("proposals")
@click.option("--status", default="proposed", show_default=True,
              help="proposed, auto_applied, accepted, rejected, unmatched or all")
@click.pass_context
def proposals(ctx: click.Context, status: str) -> None:
    """List proposals, each with the reasons for it."""
    query = select(MatchProposal).order_by(MatchProposal.id)
    if status != "all":
        query = query.where(MatchProposal.status == status)
    with hub_from(ctx).sessions() as session:
        found = session.scalars(query).all()
        for proposal in found:
            click.echo(f"#{proposal.id} {proposal.status} {proposal.payment_reference} {proposal.amount} "
                       f"{proposal.currency} → {', '.join(proposal.invoices) or '-'} (score {proposal.score})")
            for reason in proposal.reasons:
                click.echo(f"    - {reason}")
    if not found:
        click.echo("0 proposals")


@cashapp.command("accept")
@click.argument("proposal_id", type=ROW_ID)
@click.pass_context
def accept(ctx: click.Context, proposal_id: int) -> None:
    """Apply proposal PROPOSAL_ID and learn the payer's IBAN."""
    try:
        with hub_from(ctx).sessions.begin() as session:
            outcome = CashApplication(session).accept(proposal_id, who=_who())
    except ProposalError as exc:
        fail(str(exc))
    click.echo(jsonutil.dumps(outcome_view(outcome)))


@cashapp.command("reject")
@click.argument("proposal_id", type=ROW_ID)
@click.option("--reason", required=True, help="Why the proposal is wrong.")
@click.pass_context
def reject(ctx: click.Context, proposal_id: int, reason: str) -> None:
    """Reject proposal PROPOSAL_ID, recording the reason."""
    try:
        with hub_from(ctx).sessions.begin() as session:
            proposal = CashApplication(session).reject(proposal_id, reason=reason, who=_who())
            click.echo(jsonutil.dumps(proposal_view(proposal)))
    except ProposalError as exc:
        fail(str(exc))


@cashapp.command("report")
@click.pass_context
def report(ctx: click.Context) -> None:
    """Auto-match rate, proposal rate, unmatched rate and unapplied cash per currency."""
    with hub_from(ctx).sessions() as session:
        click.echo(jsonutil.dumps(cash_report(session)))


def _who() -> str:
    return f"cli:{getpass.getuser()}"
