"""``o2c-hub einvoice``: export a stored invoice as EN 16931 XML, import a UBL invoice.

    o2c-hub einvoice export INV-2024-0001 --format ubl|cii [--seller seller.yaml] [-o FILE]
    o2c-hub einvoice import invoice.xml

The seller is the issuing company: ``{name, vat_id, iban, email, address: {line1, city,
postal_code, country}}``, from ``--seller FILE`` or else the ``seller:`` of the config's e-mail
connection (the one that delivers invoices).
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import yaml
from lxml import etree

from hub.canonical import check
from hub.cli_common import command_line_actor, fail, hub_from
from hub.errors import InputError, InvalidRecordError
from hub.o2c.einvoice.cii import to_cii
from hub.o2c.einvoice.common import Seller
from hub.o2c.einvoice.ubl import from_ubl, to_ubl
from hub.o2c.queries import find_record
from hub.o2c.records import store_record
from hub.runs.inbox import audit

WRITERS = {"ubl": to_ubl, "cii": to_cii}
_WHERE = re.compile(r", line \d+, column \d+$")  # lxml's own position suffix; we say it first


@click.group("einvoice")
def einvoice() -> None:
    """EN 16931 e-invoices: UBL 2.1 and Factur-X CII."""


@einvoice.command("export")
@click.argument("number")
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="ubl", show_default=True)
@click.option("--seller", "seller_file", type=click.Path(exists=True, dir_okay=False),
              help="YAML file with the seller's name, vat_id, iban and address "
                   "(default: the seller of the config's e-mail connection).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.pass_context
def export(ctx, number, fmt, seller_file, output):
    """Write invoice (or credit note) NUMBER as UBL or CII XML."""
    hub = hub_from(ctx)
    seller = _seller(seller_file) if seller_file else _configured_seller(hub)
    with hub.sessions() as session:
        found = find_record(session, "invoice", match={"number": number}) or \
            find_record(session, "invoice", match={"number": number, "kind": "credit_note"})
    if found is None:
        fail(f"no invoice or credit note numbered {number!r} in the store")
    found.pop("id", None)
    found.pop("days_overdue", None)
    xml = WRITERS[fmt](check("invoice", found), seller)
    if output:
        Path(output).write_bytes(xml)
    else:
        click.echo(xml.decode("utf-8"), nl=False)


@einvoice.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def import_(ctx, file):
    """Store the UBL invoice or credit note in FILE as a canonical invoice."""
    try:
        record = check("invoice", from_ubl(Path(file).read_bytes()))
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(file, exc) from exc
    except InvalidRecordError as exc:
        fail(f"{file}: {exc}")
    hub = hub_from(ctx)
    with hub.sessions.begin() as session:
        result = store_record(session, "invoice", record)
    verb = "created" if result.created else "updated" if result.changed else "unchanged"
    audit(hub.sessions, "einvoice.import", f"{record['kind'].replace('_', ' ')} {record['number']} imported from "
          f"{Path(file).name} by {command_line_actor()}: {verb}")
    click.echo(f"{record['kind']} {record['number']}: {verb} (id {result.id})")


def _not_well_formed(file: str, exc: etree.XMLSyntaxError) -> InputError:
    line, column = exc.position
    reason = _WHERE.sub("", exc.msg)
    return InputError(f"{file}: not well-formed XML at line {line}, column {column}: {reason}")


def _configured_seller(hub) -> Seller:
    sellers = [c.seller for c in hub.settings.connections.values() if getattr(c, "seller", None)]
    if not sellers:
        fail("no seller to issue the invoice: pass --seller FILE, or add seller: {name, vat_id, address} "
             "to the config's e-mail connection")
    return sellers[0]


def _seller(path: str) -> Seller:
    raw = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    missing = [k for k in ("name", "vat_id") if not raw.get(k)]
    if missing or not (raw.get("address") or {}).get("country"):
        fail(f"{path}: the seller needs name, vat_id and address.country")
    return Seller.from_config(raw)
