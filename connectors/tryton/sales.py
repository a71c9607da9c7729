"""Canonical sales orders as Tryton sales, quoted, confirmed and processed.

The order number is the stable key: it is the sale's ``reference``, searched before a sale
is created. A retried call finds the sale and only finishes what is left of
draft → quotation → confirmed → processing, so no second sale is ever made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.tryton import mapping
from connectors.tryton.catalog import Catalog
from connectors.tryton.client import TrytonClient
from connectors.tryton.parties import Parties
from hub.errors import FatalError

ACTION = "create_sale"
NEXT_BUTTON = {"draft": "quote", "quotation": "confirm", "confirmed": "process"}
SALE_FIELDS = ["number", "reference", "state", "untaxed_amount", "tax_amount", "total_amount", "invoices",
               "party", "currency"]


class Sales:
    """Create and advance ``sale.sale`` records."""

    def __init__(self, client: TrytonClient, parties: Parties, catalog: Catalog):
        self.client, self.parties, self.catalog = client, parties, catalog

    def create(self, order: Mapping[str, Any], *, action: str = ACTION) -> dict[str, Any]:
        """The sale of ``order`` (made once), processed; ``{id, number, state, total_amount, ...}``."""
        sale_id = self.find(order["number"], action=action)
        if sale_id is None:
            sale_id = self.insert(order, action=action)
        self.advance(sale_id, action=action)
        return mapping.sale_result(self.read(sale_id, action=action))

    def find(self, number: str, *, action: str = ACTION) -> int | None:
        """The id of the live (not cancelled) sale whose reference is ``number``."""
        ids = self.client.search("sale.sale", [("reference", "=", number), ("state", "!=", "cancelled")],
                                 limit=1, order=[("id", "ASC")], action=action)
        return ids[0] if ids else None

    def read(self, sale_id: int, *, action: str = ACTION) -> dict[str, Any]:
        """The sale's header fields (totals as Decimal)."""
        sale, = self.client.read("sale.sale", [sale_id], SALE_FIELDS, action=action)
        return sale

    def insert(self, order: Mapping[str, Any], *, action: str) -> int:
        """Create the draft sale with its lines."""
        if not order.get("lines"):
            raise FatalError(f"order {order['number']} has no lines", connection=self.client.connection, action=action)
        party_id = self.party_of(order, action=action)
        values = mapping.sale_values(
            order, party_id=party_id, address_id=self.parties.address_id(party_id, action=action),
            currency_id=self.currency_id(order["currency"], action=action),
            payment_term_id=self.payment_term_id(order.get("payment_term"), action=action))
        lines = [self.line_values(line, order["currency"], action=action) for line in order["lines"]]
        sale_id, = self.client.create("sale.sale", [{**values, "lines": [("create", lines)]}], action=action)
        return sale_id

    def line_values(self, line: Mapping[str, Any], currency: str, *, action: str) -> dict[str, Any]:
        """One sale line; a line with a SKU gets its product (created when new)."""
        if line.get("sku"):
            product = self.catalog.ensure(line, currency, action=action)
            return mapping.sale_line_values(line, product_id=product["id"], unit_id=product["sale_uom"],
                                            currency=currency)
        unit_id, _symbol = self.catalog.uom(line.get("unit"), action=action)
        return mapping.sale_line_values(line, product_id=None, unit_id=unit_id, currency=currency)

    def party_of(self, order: Mapping[str, Any], *, action: str) -> int:
        """The ordering party, found by external ref or e-mail, else created."""
        customer = dict(order.get("customer") or {})
        if not (customer.get("email") or customer.get("name")):
            raise FatalError(f"order {order['number']} names no customer", connection=self.client.connection,
                             action=action)
        found = self.parties.find(customer, action=action)
        if found is not None:
            return found
        address = order.get("billing_address") or order.get("shipping_address")
        customer.pop("tax_id", None)
        return self.parties.upsert({**customer, "addresses": [address] if address else []}, action=action)["id"]

    def advance(self, sale_id: int, *, action: str) -> None:
        """Press quote, confirm and process until the sale is processing (or done)."""
        for _ in range(len(NEXT_BUTTON)):
            button = NEXT_BUTTON.get(self.read(sale_id, action=action)["state"])
            if button is None:
                return
            self.client.model("sale.sale", button, [sale_id], action=action)

    def currency_id(self, code: str, *, action: str) -> int:
        """The ``currency.currency`` id of an ISO code."""
        ids = self.client.search("currency.currency", [("code", "=", code)], limit=1, action=action)
        if not ids:
            raise FatalError(f"Tryton has no currency {code}", connection=self.client.connection, action=action)
        return ids[0]

    def payment_term_id(self, name: str | None, *, action: str) -> int | None:
        """The payment term named ``name`` (None when the order names none)."""
        if not name:
            return None
        ids = self.client.search("account.invoice.payment_term", [("name", "=", name)], limit=1, action=action)
        if not ids:
            raise FatalError(f"Tryton has no payment term {name!r}", connection=self.client.connection, action=action)
        return ids[0]
