"""The ``tryton`` connector: a Tryton ERP (trytond 8.2) over JSON-RPC.

    connections:
      erp:
        connector: tryton
        url: http://127.0.0.1:8000
        database: o2c
        username: admin
        password: "${TRYTON_PASSWORD}"

Actions (payloads are canonical records; every one is idempotent by a stable key, so a call
repeated after a crash never makes a second record: ``create_sale`` declares a lookup, the sale
whose reference is the order number, asked before calling again; the others are repeatable,
each finding its earlier work first; see hub/connector.py):

``upsert_party``        customer → ``{id, code, created}``; key: external refs, then e-mail
``upsert_product``      product → ``{id, template, created}``; key: sku (product code)
``create_sale``         sales_order → ``{id, number, reference, state, untaxed_amount, tax_amount,
                        total_amount, invoices, adjustment}``; key: order number (sale reference);
                        lines before tax with their taxes (found by rate, created from the
                        first tax's accounts when new), shipping as a service line, the total
                        matched to the order's on an adjustment line; quoted, confirmed and
                        processed
``post_invoice``        ``{id | number | order_number}`` → list of canonical invoices, posted
``read_invoice``        ``{id | number | order_number}`` → canonical invoice
``list_open_invoices``  ``{}`` → canonical invoices posted and not paid
``record_payment``      ``{invoice: {id | number | order_number}, payment: canonical payment}`` →
                        ``{payment_line, invoice, applied, credit, credit_move}``: the invoice takes
                        up to what it still has to pay, the rest is a posted credit move on the
                        party's receivable; key: payment reference
``cancel_sales_order``  sales_order or ``{number}`` → ``{sale, state, cancelled_invoices, credit_notes,
                        shipped}``: a draft or quoted sale cancelled; a processing one has its draft
                        invoices and open shipments cancelled, its posted invoices credited and its
                        exceptions handled (connectors.tryton.sales); key: order number
``refund_payment``      ``{invoice: {id | number | order_number}, payment: negative canonical payment}``
                        → ``{invoice, credit_note, credit_notes, credited, paid_out, payout_move}``:
                        credit notes for the refunded lines (on the invoices that billed them) or
                        amount, the money paid back booked
                        (connectors.tryton.refunds); key: refund reference
``invoice_fulfilled``   fulfillment (``{order_number, number, lines}``) → ``{sale, order_number, invoice}``:
                        the sale's draft invoice, written down to the goods shipped when it bills
                        more, posted (the AutoInvoice step; connectors.tryton.sales); key:
                        fulfilment number
``list_sales_orders``   ``{since?}`` → ``[{number, total, untaxed, tax, currency, state}]`` (read-only;
                        number = the sale's reference, cancelled sales left out)
``list_invoice_payments`` ``{since?}`` → ``[{invoice, order_number, currency, total, paid, amount_due,
                        payments: [{reference, amount, credit}]}]`` (read-only)
``receivable_balances`` ``{}`` → ``[{currency, invoices, credit, balance}]``: open receivable per
                        currency, invoices to pay minus open customer credit (read-only)

Poll resources: ``invoices`` and ``sales``, changed since the cursor (Tryton's write_date).

ERP-neutral names (the same on the odoo connector, so recipes do not depend on the ERP):
``upsert_customer`` (= upsert_party), ``create_sales_order`` (= create_sale), ``post_invoice``,
``record_payment``, ``list_open_invoices``, ``list_sales_orders``, ``list_invoice_payments`` and
``receivable_balances`` (above). Canonical invoices from Tryton carry no
due date (Tryton keeps maturity dates on move lines); recipes derive one when they need it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connectors.tryton.catalog import Catalog
from connectors.tryton.client import DEFAULT_TIMEOUT, TrytonClient
from connectors.tryton.invoices import Invoices
from connectors.tryton.ledger import Ledger
from connectors.tryton.parties import Parties
from connectors.tryton.polling import POLLED, poll_changes
from connectors.tryton.sales import ADJUSTMENT_SKU, SHIPPING_SKU, Sales
from connectors.tryton.taxes import Taxes
from hub.connector import Action, ActionContext, Connector, Cursor, Findable, PolledRecord, Repeatable
from hub.errors import FatalError

__all__ = ["TrytonConnector", "TrytonClient"]


def _prop(kind: str | list[str], title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


TRYTON_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "tryton connection",
    "description": "A Tryton ERP database reached over JSON-RPC (POST /<database>/rpc/).",
    "type": "object",
    "required": ["url", "database", "username", "password"],
    "additionalProperties": False,
    "examples": [
        {"url": "http://127.0.0.1:8000", "database": "o2c", "username": "admin", "password": "${TRYTON_PASSWORD}"},
        {"url": "https://erp.example.com", "database": "prod", "username": "o2c", "password": "${TRYTON_PASSWORD}",
         "timeout": 60, "company": "Acme GmbH", "context": {"language": "de"}, "payment_method": "Bank"},
    ],
    "properties": {
        "url": _prop("string", "Server URL", "Root URL of the trytond server (no database, no /rpc/).",
                     ["http://127.0.0.1:8000"], format="uri"),
        "database": _prop("string", "Database", "Name of the Tryton database.", ["o2c"], minLength=1),
        "username": _prop("string", "User name", "Tryton login of the integration user.", ["admin", "o2c"], minLength=1),
        "password": _prop("string", "Password", "Password of that user.", ["${TRYTON_PASSWORD}"], secret=True),
        "timeout": _prop("number", "Timeout", "Seconds to wait for each call (connect at most 5 s).", [30],
                         default=DEFAULT_TIMEOUT, exclusiveMinimum=0),
        "company": _prop(["string", "integer"], "Company", "Company to work in, by party name or id; default: "
                         "the user's current company.", ["Acme GmbH", 1]),
        "context": _prop("object", "Context", "Extra Tryton context sent with every call (over the user's "
                         "preferences).", [{"language": "de"}]),
        "product_category": _prop("string", "Product category", "Accounting category given to new products; "
                                  "default: the first accounting category.", ["Goods"]),
        "payment_method": _prop("string", "Payment method", "Invoice payment method used by record_payment; "
                                "default: the first one.", ["Cash", "Bank"]),
        "shipping_product": _prop("string", "Shipping product", "Code of the service product shipping charges "
                                  "are sold as (created when missing).", ["SHIPPING"], default=SHIPPING_SKU),
        "adjustment_product": _prop("string", "Adjustment product", "Code of the service product of the line "
                                    "that brings a sale's total to the storefront's when Tryton's rounding "
                                    "differs by a cent (created when missing).", ["ADJUSTMENT"],
                                    default=ADJUSTMENT_SKU),
    },
}


class TrytonConnector(Connector):
    """Parties, products, sales, invoices and payments in one Tryton database."""

    kind = "tryton"
    config_schema = TRYTON_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: TrytonClient):
        super().__init__(name, config)
        self.client = client
        self.parties = Parties(client)
        self.catalog = Catalog(client, category=config.get("product_category"))
        self.taxes = Taxes(client)
        self.sales = Sales(client, self.parties, self.catalog, self.taxes,
                           shipping_sku=config.get("shipping_product", SHIPPING_SKU),
                           adjustment_sku=config.get("adjustment_product", ADJUSTMENT_SKU))
        self.invoices = Invoices(client, self.parties, payment_method=config.get("payment_method"))

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> TrytonConnector:
        """Build the client; nothing is sent until the first action (login is lazy)."""
        client = TrytonClient(config["url"], config["database"], config["username"], config["password"],
                              timeout=float(config.get("timeout", DEFAULT_TIMEOUT)),
                              context=config.get("context"), company=config.get("company"), connection=name)
        return cls(name, config, client=client)

    def actions(self) -> Mapping[str, Action]:
        sale = Findable(lambda payload, context: self.sales.create(payload),
                        lambda payload, context: self.sales.look_up(payload))
        return {"create_sale": sale, "create_sales_order": sale,
                **{name: Repeatable(action) for name, action in self.repeatable_actions().items()}}

    def repeatable_actions(self) -> Mapping[str, Action]:
        """The actions that find their earlier work before changing anything (see the module doc)."""
        return {
            "upsert_party": lambda payload, context: self.parties.upsert(payload),
            "upsert_product": lambda payload, context: self.catalog.upsert(payload),
            "post_invoice": lambda payload, context: self.invoices.post(payload),
            "read_invoice": lambda payload, context: self.invoices.read(payload),
            "list_open_invoices": self.list_open_invoices,
            "record_payment": lambda payload, context: self.invoices.pay(payload),
            "cancel_sales_order": lambda payload, context: self.sales.cancel(payload, self.invoices),
            "refund_payment": lambda payload, context: self.invoices.refund(payload),
            "invoice_fulfilled": lambda payload, context: self.sales.invoice_fulfilled(payload, self.invoices),
            # ERP-neutral names the bundled recipes call (the odoo connector has the same).
            "upsert_customer": lambda payload, context: self.parties.upsert(payload),
            "list_sales_orders": lambda payload, context: Ledger(self.client).sales_orders(payload),
            "list_invoice_payments": lambda payload, context: Ledger(self.client).invoice_payments(payload),
            "receivable_balances": lambda payload, context: Ledger(self.client).receivable_balances(payload),
        }

    def list_open_invoices(self, payload: Any, context: ActionContext) -> list[dict[str, Any]]:
        """Posted, unpaid customer invoices; ``{"customer_email": ...}`` narrows to one party."""
        email = (payload or {}).get("customer_email")
        party_id = self.parties.by_email(email, action="list_open_invoices") if email else None
        if email and party_id is None:
            return []
        return self.invoices.open([("party", "=", party_id)] if party_id else None)

    def resources(self) -> frozenset[str]:
        return frozenset(POLLED)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        if resource not in POLLED:
            known = ", ".join(sorted(POLLED))
            raise FatalError(f"unknown resource {resource!r} (known: {known})", connection=self.name)
        return poll_changes(self, resource, cursor)

    def close(self) -> None:
        self.client.close()
