"""``o2c-hub order show REF [--json]``: the order 360° view, by number or any external id."""

from __future__ import annotations

import click

from hub import jsonutil
from hub.cli_common import fail, hub_from
from hub.o2c.orders.view import order_360


@click.group()
def order() -> None:
    """Sales orders."""


@order.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, ref: str, as_json: bool) -> None:
    """The 360° view of the order REF (its number or any system's id for it)."""
    hub = hub_from(ctx)
    with hub.sessions() as session:
        view = order_360(session, ref)
    if view is None:
        fail(f"no order has the number or external id {ref!r}")
    if as_json:
        click.echo(jsonutil.dumps(view))
        return
    click.echo(f"order {view['order']}: {view['status']}, {view['total']} {view['currency']}")
    for entry in view["timeline"]:
        what = entry.get("label") or entry.get("decision")
        click.echo(f"  {entry['at']}  {entry['kind']:<20} {what}  [{', '.join(entry['sources'])}]")
