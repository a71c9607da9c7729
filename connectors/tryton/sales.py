"""Canonical sales orders as Tryton sales, quoted, confirmed and processed.

The order number is the stable key: it is the sale's ``reference``, searched before a sale
is created. A retried call finds the sale and only finishes what is left of
draft → quotation → confirmed → processing, so no second sale is ever made. ``look_up`` is
the action's lookup (hub/connector.py): what ``create`` answers, when the sale is already
processing; a sale still short of it is left to ``create`` to finish.

Amounts: each line is booked before tax with the Tryton taxes of its rates (prices that
include tax are turned into net amounts with the storefront's own tax figures), shipping is a
line of its own with its tax, and discounts are inside the line amounts. Tryton then computes
the tax itself, with unit prices at 4 digits; where its total still differs from the
storefront's (a cent of rounding), one adjustment line booked before the sale is quoted makes
the ERP total equal to the storefront's, and the result reports it.

Cancellation (``cancel``): Tryton cancels only a draft or quoted sale, so a sale already
processing (the bundled flow processes each sale at once) is taken back document by document:
its draft invoices are cancelled and its posted ones credited (Invoices.withdraw), its customer
shipments not yet done are cancelled, and the sale's invoice and shipment exceptions that this
raises are handled by ignoring the cancelled documents, after which Tryton sees nothing left to
invoice or ship and the sale is done. A sale already shipped keeps its done shipments (goods
that left need a return). Every step looks at the current state first, so a repeat changes
nothing and answers the same.

Invoicing on fulfilment (``invoice_fulfilled``, the AutoInvoice step): a processed sale already
has a draft invoice of the whole order (invoice method "order"). A fulfilment that ships every
good left on it posts it as it is (shipping and adjustment lines included); one that ships part
has the draft's goods written down to what it shipped (the adjustment line waits for the last
invoice) and posted, and the sale processed again, so Tryton makes the draft of the rest. The
posted invoice carries ``Fulfilment <number>`` as its description: a repeat finds it and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.tryton import mapping
from connectors.tryton.catalog import Catalog
from connectors.tryton.client import TrytonClient
from connectors.tryton.invoices import Invoices
from connectors.tryton.parties import Parties
from connectors.tryton.taxes import Taxes
from hub.errors import FatalError
from hub.o2c.orders.net_lines import NetLine, net_lines, total_difference

ACTION = "create_sale"
SHIPPING_SKU = "SHIPPING"
ADJUSTMENT_SKU = "ADJUSTMENT"
NEXT_BUTTON = {"draft": "quote", "quotation": "confirm", "confirmed": "process"}
CANCEL_ACTION = "cancel_sales_order"
CANCELLABLE = {"draft": ["cancel"], "quotation": ["cancel"], "confirmed": ["draft", "cancel"]}
OPEN_SHIPMENT_STATES = ("draft", "waiting", "assigned", "picked", "packed", "shipped")
EXCEPTION_WIZARDS = (("invoice_state", "sale.handle.invoice.exception", "domain_invoices", "ignore_invoices"),
                     ("shipment_state", "sale.handle.shipment.exception", "domain_moves", "ignore_moves"))
FULFILLED_ACTION = "invoice_fulfilled"
FULFILMENT = "Fulfilment "
BILLED_STATES = ("draft", "validated", "posted", "paid")
SALE_FIELDS = ["number", "reference", "state", "untaxed_amount", "tax_amount", "total_amount", "invoices",
               "party", "currency"]


class Sales:
    """Create and advance ``sale.sale`` records."""

    def __init__(self, client: TrytonClient, parties: Parties, catalog: Catalog, taxes: Taxes, *,
                 shipping_sku: str = SHIPPING_SKU, adjustment_sku: str = ADJUSTMENT_SKU):
        self.client, self.parties, self.catalog, self.taxes = client, parties, catalog, taxes
        self.shipping_sku, self.adjustment_sku = shipping_sku, adjustment_sku

    def create(self, order: Mapping[str, Any], *, action: str = ACTION) -> dict[str, Any]:
        """The sale of ``order`` (made once), processed; ``{id, number, state, total_amount, ...,
        adjustment}``."""
        sale_id = self.find(order["number"], action=action)
        if sale_id is None:
            sale_id = self.insert(order, action=action)
        adjustment = self.match_total(sale_id, order, action=action)
        self.advance(sale_id, action=action)
        return {**mapping.sale_result(self.read(sale_id, action=action)), "adjustment": adjustment}

    def look_up(self, order: Mapping[str, Any], *, action: str = ACTION) -> dict[str, Any] | None:
        """What ``create`` answers for ``order`` when its sale is processing or done; None when
        there is no live sale of its number, or one ``create`` has not finished (called again,
        it finishes it)."""
        sale_id = self.find(order["number"], action=action)
        if sale_id is None:
            return None
        sale = self.read(sale_id, action=action)
        if sale["state"] in NEXT_BUTTON:  # draft, quotation or confirmed: not processed yet
            return None
        return {**mapping.sale_result(sale), "adjustment": self.adjustment_of(sale_id, action=action)}

    def find(self, number: str, *, action: str = ACTION) -> int | None:
        """The id of the live (not cancelled) sale whose reference is ``number``."""
        ids = self.client.search("sale.sale", [("reference", "=", number), ("state", "!=", "cancelled")],
                                 limit=1, order=[("id", "ASC")], action=action)
        return ids[0] if ids else None

    def cancel(self, order: Mapping[str, Any], invoices: Invoices, *,
               action: str = CANCEL_ACTION) -> dict[str, Any]:
        """Cancel the sale of ``order`` (a sales order or ``{number}``); see the module doc.

        Returns ``{sale, state: "cancelled", cancelled_invoices, credit_notes, shipped}``:
        the sale as Tryton now has it, its invoices cancelled while draft, the credit notes of
        the posted ones (kind credit_note, credits_invoice) and the ids of shipments already done.
        """
        sale_id = self.find_any(order["number"], action=action)
        sale = self.read(sale_id, action=action)
        for button in CANCELLABLE.get(sale["state"], []):
            self.client.model("sale.sale", button, [sale_id], action=action)
        withdrawn = invoices.withdraw(list(sale["invoices"]), order["number"], action=action)
        shipped = self.cancel_shipments(sale_id, action=action)
        self.handle_exceptions(sale_id, action=action)
        return {"sale": mapping.sale_result(self.read(sale_id, action=action)), "state": "cancelled",
                **withdrawn, "shipped": shipped}

    def invoice_fulfilled(self, fulfillment: Mapping[str, Any], invoices: Invoices, *,
                          action: str = FULFILLED_ACTION) -> dict[str, Any]:
        """Post the invoice of what ``fulfillment`` (canonical, with ``order_number``) shipped.

        Returns ``{sale, order_number, invoice}``: the sale's number and the posted invoice as a
        canonical invoice (None when the sale had nothing left to invoice). See the module doc.
        """
        sale_id = self.find_any(fulfillment["order_number"], action=action)
        marker = FULFILMENT + str(fulfillment.get("number") or fulfillment["order_number"])
        invoice_id = self.fulfilment_invoice(sale_id, marker, action=action)
        if invoice_id is None:
            invoice_id = self.draft_invoice(sale_id, action=action)
            if invoice_id is not None:
                self.bill_shipped(sale_id, invoice_id, fulfillment, marker, invoices, action=action)
        elif self.client.read("account.invoice", [invoice_id], ["state"], action=action)[0]["state"] in (
                "draft", "validated"):
            self.client.model("account.invoice", "post", [invoice_id], action=action)
        record = invoices.canonical([invoice_id], action=action)[0] if invoice_id is not None else None
        return {"sale": self.read(sale_id, action=action)["number"], "order_number": fulfillment["order_number"],
                "invoice": record}

    def fulfilment_invoice(self, sale_id: int, marker: str, *, action: str) -> int | None:
        """The sale's invoice already made for the fulfilment ``marker`` names, if any."""
        sale = self.read(sale_id, action=action)
        rows = self.client.read("account.invoice", list(sale["invoices"]), ["state", "description"], action=action)
        found = [row["id"] for row in rows if row["description"] == marker and row["state"] in BILLED_STATES]
        return min(found) if found else None

    def draft_invoice(self, sale_id: int, *, action: str) -> int | None:
        """The sale's draft customer invoice, made anew by processing the sale when a partial
        invoice left the rest uninvoiced; None when nothing is left to invoice."""
        for attempt in range(2):
            sale = self.read(sale_id, action=action)
            rows = self.client.read("account.invoice", list(sale["invoices"]), ["state", "total_amount"],
                                    action=action)
            drafts = [row["id"] for row in rows if row["state"] in ("draft", "validated") and row["total_amount"] >= 0]
            if drafts or attempt or sale["state"] != "processing":
                return min(drafts) if drafts else None
            self.client.model("sale.sale", "process", [sale_id], action=action)
        return None

    def bill_shipped(self, sale_id: int, invoice_id: int, fulfillment: Mapping[str, Any], marker: str,
                     invoices: Invoices, *, action: str) -> None:
        """Write the draft invoice down to the goods shipped (when it bills more), mark it with
        the fulfilment and post it; process the sale again after a partial invoice."""
        lines = invoices.by_invoice("account.invoice.line", [invoice_id], mapping.INVOICE_LINE_FIELDS,
                                    action=action).get(invoice_id, [])
        changes = mapping.shipped_line_changes(lines, fulfillment.get("lines") or [],
                                               services=(self.shipping_sku, self.adjustment_sku),
                                               last=(self.adjustment_sku,))
        values: dict[str, Any] = {"description": marker}
        if changes:
            values["lines"] = changes
        self.client.write("account.invoice", [invoice_id], values, action=action)
        self.client.model("account.invoice", "post", [invoice_id], action=action)
        if changes:
            self.client.model("sale.sale", "process", [sale_id], action=action)

    def find_any(self, number: str, *, action: str) -> int:
        """The sale whose reference is ``number``: the live one, else the last cancelled one."""
        sale_id = self.find(number, action=action)
        if sale_id is None:
            ids = self.client.search("sale.sale", [("reference", "=", number)], limit=1, order=[("id", "DESC")],
                                     action=action)
            sale_id = ids[0] if ids else None
        if sale_id is None:
            raise FatalError(f"Tryton has no sale for order {number}", connection=self.client.connection,
                             action=action)
        return sale_id

    def cancel_shipments(self, sale_id: int, *, action: str) -> list[int]:
        """Cancel the sale's customer shipments not yet done; the ids of those already done."""
        sale, = self.client.read("sale.sale", [sale_id], ["shipments"], action=action)
        rows = self.client.read("stock.shipment.out", list(sale["shipments"]), ["state"], action=action)
        todo = [row["id"] for row in rows if row["state"] in OPEN_SHIPMENT_STATES]
        if todo:
            self.client.model("stock.shipment.out", "cancel", todo, action=action)
        return [row["id"] for row in rows if row["state"] == "done"]

    def handle_exceptions(self, sale_id: int, *, action: str) -> None:
        """Ignore the cancelled invoices and moves the sale is in exception for, with Tryton's
        handle-exception wizards, then process the sale so it sees nothing left to do."""
        sale, = self.client.read("sale.sale", [sale_id], ["state", *(w[0] for w in EXCEPTION_WIZARDS)],
                                 action=action)
        handled = False
        for state_field, wizard, domain_field, ignore_field in EXCEPTION_WIZARDS:
            if sale[state_field] == "exception" and sale["state"] != "cancelled":
                self.ignore_exception(sale_id, wizard, domain_field, ignore_field, action=action)
                handled = True
        if handled:
            self.client.model("sale.sale", "process", [sale_id], action=action)

    def ignore_exception(self, sale_id: int, wizard: str, domain_field: str, ignore_field: str, *,
                         action: str) -> None:
        """Run ``wizard`` on the sale, ignoring every cancelled record it offers."""
        context = {**(self.client.context or {}), "active_model": "sale.sale", "active_id": sale_id,
                   "active_ids": [sale_id]}
        session_id, start, _end = self.client.call(f"wizard.{wizard}.create", [context], action=action)
        try:
            execute = f"wizard.{wizard}.execute"
            view = self.client.call(execute, [session_id, {}, start, context], action=action)
            offered = list(((view.get("view") or {}).get("defaults") or {}).get(domain_field) or [])
            form = {domain_field: offered, ignore_field: offered}
            self.client.call(execute, [session_id, {start: form}, "handle", context], action=action)
        finally:
            self.client.call(f"wizard.{wizard}.delete", [session_id, context], action=action)

    def read(self, sale_id: int, *, action: str = ACTION) -> dict[str, Any]:
        """The sale's header fields (totals as Decimal)."""
        sale, = self.client.read("sale.sale", [sale_id], SALE_FIELDS, action=action)
        return sale

    def insert(self, order: Mapping[str, Any], *, action: str) -> int:
        """Create the draft sale with its lines, shipping charges and taxes."""
        if not order.get("lines"):
            raise FatalError(f"order {order['number']} has no lines", connection=self.client.connection, action=action)
        party_id = self.party_of(order, action=action)
        values = mapping.sale_values(
            order, party_id=party_id, address_id=self.parties.address_id(party_id, action=action),
            currency_id=self.currency_id(order["currency"], action=action),
            payment_term_id=self.payment_term_id(order.get("payment_term"), action=action))
        lines = [self.line_values(line, order["currency"], action=action)
                 for line in net_lines(order, shipping_sku=self.shipping_sku)]
        sale_id, = self.client.create("sale.sale", [{**values, "lines": [("create", lines)]}], action=action)
        return sale_id

    def line_values(self, line: NetLine, currency: str, *, action: str) -> dict[str, Any]:
        """One sale line with its taxes; a line with a SKU gets its product (created when new)."""
        tax_ids = self.taxes.ids(list(line.tax_rates), action=action)
        if line.sku == self.shipping_sku:
            product = self.catalog.ensure_service(line.sku, "Shipping", action=action)
        elif line.sku:
            product = self.catalog.ensure({"sku": line.sku, "description": line.description, "unit": line.unit,
                                           "unit_price": mapping.unit_price(line.net_amount, line.quantity)},
                                          currency, action=action)
        else:
            product = {"id": None, "sale_uom": self.catalog.uom(line.unit, action=action)[0]}
        return mapping.sale_line_values(line, product_id=product["id"], unit_id=product["sale_uom"], tax_ids=tax_ids)

    def match_total(self, sale_id: int, order: Mapping[str, Any], *, action: str) -> Decimal:
        """Book the difference between the storefront's total and the draft sale's (unit prices
        at 4 digits, tax rounded by Tryton's rule) on one adjustment line; returns it.

        Only a draft can take a line: a sale already quoted was matched before it was quoted.
        """
        sale = self.read(sale_id, action=action)
        difference = total_difference(order, sale["total_amount"])
        if sale["state"] != "draft" or not difference:
            return self.adjustment_of(sale_id, action=action)
        product = self.catalog.ensure_service(self.adjustment_sku, "Adjustment to the order total", action=action)
        line = mapping.adjustment_line_values(order, difference, product_id=product["id"],
                                              unit_id=product["sale_uom"])
        self.client.write("sale.sale", [sale_id], {"lines": [("create", [line])]}, action=action)
        return difference

    def adjustment_of(self, sale_id: int, *, action: str) -> Decimal:
        """The amount already booked on the sale's adjustment line (0 when it has none)."""
        product = self.catalog.find(self.adjustment_sku, action=action)
        if product is None:
            return Decimal(0)
        rows = self.client.search_read("sale.line", [("sale", "=", sale_id), ("product", "=", product["id"])],
                                       ["amount"], action=action)
        return sum((row["amount"] for row in rows), Decimal(0))

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
