"""The readable copy of an e-invoice: one self-contained HTML page (styles inline, no images,
scripts or links to fetch), rendered server-side from ``templates/invoice.html``.

    render_html(invoice, seller) -> str     invoice: a canonical invoice made whole by
                                            delivery.as_document (lines and tax lines present)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from hub.o2c.einvoice import common
from hub.o2c.einvoice.common import Seller


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("hub.o2c.einvoice", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["plain"] = common.plain
    env.filters["percent"] = common.percent
    return env


def render_html(invoice: Mapping[str, Any], seller: Seller) -> str:
    """The HTML page of ``invoice`` issued by ``seller``; every value is escaped."""
    currency = invoice["currency"]

    def money(value: Any) -> str:
        return common.amount(value, currency)

    lines = [{**line, "net": common.line_total(line), "rate": common.line_rate(invoice, line),
              "unit_name": line.get("unit") or ""} for line in invoice.get("lines", [])]
    template = _environment().get_template("invoice.html")
    return template.render(
        invoice=invoice, seller=seller, lines=lines, totals=common.totals(invoice), money=money,
        title="Credit note" if invoice.get("kind") == "credit_note" else "Invoice",
        customer=invoice.get("customer") or {}, address=invoice.get("billing_address") or {},
        taxes=[{**t, "rate": Decimal(t.get("rate") or 0)} for t in invoice.get("tax_lines", [])],
    )
