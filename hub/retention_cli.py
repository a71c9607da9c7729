"""``o2c-hub prune [--dry-run]`` and ``o2c-hub erase customer REF``.

    o2c-hub prune              remove what is past the config's (and recipes') retention now
    o2c-hub prune --dry-run    count it, per kind, and change nothing
    o2c-hub erase customer REF --reason R
                               replace one customer's personal data everywhere by [erased]
                               (an e-mail by erased@erased.invalid), and no one else's; the
                               reason (the request's reference) goes to the audit log
"""

from __future__ import annotations

import click

from hub.cli_common import command_line_actor, fail, hub_from, reason_text
from hub.errors import CustomerNotFound
from hub.runs.retention import prune_hub
from hub.store.erasure import erase_customer


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@click.pass_context
def prune(ctx: click.Context, dry_run: bool) -> None:
    """Remove event bodies, step data, finished runs and audit lines past their retention."""
    hub = hub_from(ctx)
    report = prune_hub(hub, dry_run=dry_run)
    click.echo("would remove:" if dry_run else "removed:")
    for line in report.lines():
        click.echo(f"  {line}")
    if not dry_run and report.batches:
        click.echo(f"{report.batches} batch(es) of at most {hub.settings.retention.batch_size} rows, "
                   f"the longest {report.longest_batch * 1000:.0f} ms")


@click.group()
def erase() -> None:
    """Erase personal data (GDPR right to erasure)."""


@erase.command("customer")
@click.argument("ref")
@click.option("--reason", required=True,
              help="Why, e.g. the erasure request's reference (written to the audit log, which outlives "
                   "the erasure: do not name the person).")
@click.pass_context
def erase_customer_command(ctx: click.Context, ref: str, reason: str) -> None:
    """Replace the personal data of customer REF (canonical id, system:id, external id or
    e-mail) by [erased] in events, runs, effects and canonical records; amounts stay. Other
    customers' records keep their own data; only this customer's e-mail, name, phone or IBAN
    is replaced where they name it."""
    why = reason_text(reason)
    hub = hub_from(ctx)
    try:
        report = erase_customer(hub.sessions, ref, who=command_line_actor(), reason=why)
    except CustomerNotFound as exc:
        fail(str(exc))
    if not report.counts:
        click.echo("nothing left to erase: no record holds this customer's personal data")
    for table, count in sorted(report.counts.items()):
        click.echo(f"  {table}: {count} record(s)")
    click.echo("erasure recorded in the audit log")
    if report.on_disk:
        click.echo(f"note: {report.on_disk}")
