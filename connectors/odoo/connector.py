"""The ``odoo`` connector: partners, sale orders, customer invoices and payments.

Every action is idempotent by a stable key, so a call repeated after a crash never makes a second
record: ``create_sale_order`` (and ``create_sales_order``) declare a lookup, the sale order whose
client_order_ref is the order number, asked before calling again; the others are repeatable,
each finding its earlier work first (hub/connector.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from connectors.http.client import HttpClient
from connectors.odoo import mapping
from connectors.odoo.client import Json2Client, JsonRpcClient, OdooClient
from connectors.odoo.invoices import Invoices
from connectors.odoo.payments import Payments
from connectors.odoo.refunds import CANCELLATION, MOVE_FIELDS, CreditNotes
from connectors.odoo.sales import ADJUSTMENT_CODE, SHIPPING_CODE, SaleOrders, sale_result
from connectors.odoo.taxes import SaleTaxes
from hub.connector import Action, ActionContext, Connector, Cursor, Findable, PolledRecord, Repeatable
from hub.errors import FatalError
from hub.money import quantize


def _prop(kind: str, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


ODOO_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "odoo connection",
    "description": "An Odoo database over its external JSON-RPC API or the JSON-2 API (Odoo 19+).",
    "type": "object",
    "required": ["url", "database", "api_key"],
    "additionalProperties": False,
    "examples": [{"url": "https://erp.example.com", "database": "prod", "api": "json2", "api_key": "${ODOO_API_KEY}"},
                 {"url": "https://erp.example.com", "database": "prod", "api": "jsonrpc", "login": "hub@example.com",
                  "api_key": "${ODOO_API_KEY}"}],
    "properties": {
        "url": _prop("string", "URL", "Odoo's base URL.", ["https://erp.example.com"], format="uri"),
        "database": _prop("string", "Database", "Database name.", ["prod"]),
        "api": _prop("string", "API", "jsonrpc (/jsonrpc execute_kw, every version) or json2 (/json/2, Odoo 19+).",
                     ["json2", "jsonrpc"], enum=["jsonrpc", "json2"], default="json2"),
        "login": _prop("string", "Login", "User login (jsonrpc only).", ["hub@example.com"]),
        "api_key": _prop("string", "API key", "The user's API key (or password for jsonrpc).", ["${ODOO_API_KEY}"], secret=True),
        "payment_journal_id": _prop("integer", "Payment journal", "Journal of registered payments; Odoo's default when absent.", [7]),
        "payment_reference_field": _prop("string", "Payment reference field", "account.payment field holding the "
                                         "payment reference: memo (Odoo 18+) or ref (older).", ["memo", "ref"], default="memo"),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds.", [30], default=30, exclusiveMinimum=0),
        "poll_settle": _prop("number", "Poll settle time", "Seconds after an invoice's write date before the "
                             "invoices poll reports it: Odoo's write dates are whole seconds, so the second must be "
                             "over (and the clocks of Odoo and the hub may differ).", [2], default=2, minimum=0),
        "shipping_product": _prop("string", "Shipping product", "default_code of the service product shipping "
                                  "charges are sold as (created when missing).", ["SHIPPING"], default=SHIPPING_CODE),
        "adjustment_product": _prop("string", "Adjustment product", "default_code of the service product of the "
                                    "untaxed line that brings a sale order's total to the storefront's when Odoo's "
                                    "rounding differs (created when missing).", ["ADJUSTMENT"], default=ADJUSTMENT_CODE),
        "create_missing_taxes": _prop("boolean", "Create missing taxes", "When an order has a tax rate Odoo has no "
                                      "price-excluded percent sale tax for: copy the first sale tax with that rate "
                                      "(its accounts and tax grids too, to be reviewed) instead of refusing the "
                                      "order.", [False, True], default=False),
    },
}


class OdooConnector(Connector):
    """Canonical actions over one OdooClient (jsonrpc or json2)."""

    kind = "odoo"
    config_schema = ODOO_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: OdooClient):
        super().__init__(name, config)
        self.client = client
        self.reference_field = config.get("payment_reference_field", "memo")
        taxes = SaleTaxes(self.call, connection=name, create_missing=bool(config.get("create_missing_taxes", False)))
        self.sales = SaleOrders(self.call, connection=name, taxes=taxes,
                                partner_id=lambda customer: self.upsert_partner(customer)["id"],
                                shipping_code=config.get("shipping_product", SHIPPING_CODE),
                                adjustment_code=config.get("adjustment_product", ADJUSTMENT_CODE))
        self.payments = Payments(self.call, connection=name, reference_field=self.reference_field,
                                 journal_id=config.get("payment_journal_id"))
        self.invoices = Invoices(self.call, system=name, settle=float(config.get("poll_settle", 2)))
        self.credit_notes = CreditNotes(self.call, connection=name, system=name, payments=self.payments,
                                        price_digits=lambda action: self.sales.price_digits(action=action))

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> OdooConnector:
        """Build the client for the configured API; nothing connects yet."""
        http = HttpClient(config["url"], timeout=(5.0, float(config.get("timeout", 30))), connection=name)
        if config.get("api", "json2") == "jsonrpc":
            client: OdooClient = JsonRpcClient(http, database=config["database"], login=config.get("login", ""),
                                               key=config["api_key"])
        else:
            client = Json2Client(http, database=config["database"], key=config["api_key"])
        return cls(name, config, client=client)

    def actions(self) -> Mapping[str, Action]:
        native = {"upsert_partner": self.upsert_partner, "read_invoices": self.read_invoices,
                  "post_invoice": self.post_invoice, "register_payment": self.register_payment}
        # The ERP-neutral names the bundled recipes call (the tryton connector has the same).
        neutral = {"upsert_customer": self.upsert_partner, "record_payment": self.record_payment,
                   "list_open_invoices": self.list_open_invoices, "list_sales_orders": self.list_sales_orders,
                   "list_invoice_payments": self.list_invoice_payments,
                   "receivable_balances": self.receivable_balances, "cancel_sales_order": self.cancel_sales_order,
                   "refund_payment": self.refund_payment, "invoice_fulfilled": self.invoice_fulfilled}
        return {"create_sale_order": Findable(self.create_sale_order, self.look_up_sale_order),
                "create_sales_order": Findable(self.create_sales_order, self.look_up_sales_order),
                **{name: Repeatable(action) for name, action in {**native, **neutral}.items()}}

    def resources(self) -> frozenset[str]:
        return frozenset({"invoices"})

    def close(self) -> None:
        self.client.close()

    def call(self, model: str, method: str, *args: Any, action: str, **kwargs: Any) -> Any:
        return self.client.execute(model, method, list(args), kwargs, action=action)

    # --- partners, products, orders ---------------------------------------------------------

    def upsert_partner(self, customer: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """Find the partner by ref, else e-mail; update it or create it."""
        values = mapping.partner_values(customer)
        found = self.find_partner(customer, action="upsert_partner")
        if found is not None:
            self.call("res.partner", "write", [found], values, action="upsert_partner")
            return {"id": found, "created": False}
        [new_id] = self.call("res.partner", "create", [values], action="upsert_partner")
        return {"id": new_id, "created": True}

    def find_partner(self, customer: Mapping[str, Any], *, action: str) -> int | None:
        for field, value in (("ref", mapping.partner_ref(customer)), ("email", customer.get("email"))):
            if value:
                rows = self.call("res.partner", "search_read", [(field, "=", value)], ["id"], action=action, limit=1)
                if rows:
                    return rows[0]["id"]
        return None

    def create_sale_order(self, order: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """Create, match to the storefront's total and confirm a sale order, once per order number
        (client_order_ref); see connectors.odoo.sales."""
        return self.sales.create(order, action="create_sale_order")

    def create_sales_order(self, order: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """``create_sale_order`` whose answer also names the sale ``number``, as every ERP's does."""
        sale = self.create_sale_order(order, context)
        return {**sale, "number": sale.get("name")}

    def look_up_sale_order(self, order: Mapping[str, Any],
                           context: ActionContext | None = None) -> dict[str, Any] | None:
        """The lookup of ``create_sale_order``: its answer when the order's sale order is confirmed,
        else None (see connectors.odoo.sales)."""
        return self.sales.look_up(order, action="create_sale_order")

    def look_up_sales_order(self, order: Mapping[str, Any],
                            context: ActionContext | None = None) -> dict[str, Any] | None:
        """The lookup of ``create_sales_order``."""
        sale = self.look_up_sale_order(order, context)
        return None if sale is None else {**sale, "number": sale.get("name")}

    # --- invoices and payments --------------------------------------------------------------

    def read_invoices(self, payload: Mapping[str, Any] | None = None, context: ActionContext | None = None) -> list[dict]:
        """Customer invoices and credit notes changed since ``payload.since`` (ISO date-time), as
        canonical invoices, oldest first."""
        since = (payload or {}).get("since")
        start = mapping.odoo_datetime(since[:19]) if since else None
        cursor = Cursor(start=start, last_seen_at=None, last_seen_id=None)
        return [record.data for record in self.invoices.poll(cursor, action="read_invoices")]

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """``invoices``: customer invoices and credit notes written at or after the cursor,
        oldest first, read a page at a time (connectors.odoo.invoices)."""
        if resource != "invoices":
            raise FatalError(f"unknown resource {resource!r} (known: invoices)", connection=self.name)
        return self.invoices.poll(cursor)

    def post_invoice(self, payload: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """Post a draft invoice (``{id}`` or ``{number}``); a posted one is left as it is."""
        move = self.find_invoice(payload, action="post_invoice")
        if move["state"] == "draft":
            self.call("account.move", "action_post", [move["id"]], action="post_invoice")
            move = self.find_invoice({"id": move["id"]}, action="post_invoice")
        return self.invoices.one(move, action="post_invoice")

    def invoice_fulfilled(self, fulfillment: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """The invoice of a shipped order (``{order_number}``), posted: made with Odoo's invoicing
        wizard when the sale order has none yet, for the whole order (partial shipments are not
        invoiced apart here); a posted one is answered as it is. → ``{sale, order_number, invoice}``."""
        number, action = fulfillment["order_number"], "invoice_fulfilled"
        sale = self.sales.find_any(number, action=action)
        if not sale["invoice_ids"]:
            wizard_context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
            [wizard] = self.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                                 action=action, **wizard_context)
            self.call("sale.advance.payment.inv", "create_invoices", [wizard], action=action, **wizard_context)
        move = self.find_invoice({"order_number": number}, action=action)
        invoice = self.post_invoice({"id": move["id"]}, context)
        return {"sale": sale["name"], "order_number": number, "invoice": invoice}

    def find_invoice(self, ref: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """The customer invoice ``{id}``, ``{number}`` or ``{order_number}`` (the order's first
        posted invoice, else its first) names."""
        if ref.get("id") is None and not ref.get("number") and ref.get("order_number"):
            return self.order_invoice(ref["order_number"], action=action)
        field, value = ("id", int(ref["id"])) if ref.get("id") is not None else ("name", ref.get("number"))
        rows = self.call("account.move", "search_read", [(field, "=", value)], mapping.INVOICE_FIELDS, action=action, limit=1)
        if not rows:
            raise FatalError(f"no invoice with {field} {value!r}", connection=self.name, action=action)
        return rows[0]

    def order_invoice(self, order_number: str, *, action: str) -> dict[str, Any]:
        sale = self.sales.find_any(order_number, action=action)
        rows = self.call("account.move", "search_read", [("id", "in", list(sale["invoice_ids"])),
                                                         ("move_type", "=", "out_invoice")], mapping.INVOICE_FIELDS,
                         action=action, order="id asc")
        if not rows:
            raise FatalError(f"sale order {sale['name']} of order {order_number} has no invoice", connection=self.name,
                             action=action)
        return min(rows, key=lambda row: (row["state"] != "posted", row["id"]))

    def register_payment(self, payment: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """Pay an invoice up to its amount due and keep the rest as customer credit, once per
        payment reference (see connectors.odoo.payments).

        Payload: ``{reference, amount, currency, invoice: {id}|{number}, value_date?}`` →
        ``{payment_id, credit_payment_id, created, applied, credit}``.
        """
        move = self.find_invoice(payment.get("invoice") or {}, action="register_payment")
        return self.payments.record(move, payment, action="register_payment")

    def record_payment(self, payload: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """``{invoice: {id}|{number}, payment: canonical payment}`` → ``{payment_id, credit_payment_id,
        created, applied, credit, invoice}``.

        The ERP-neutral form of ``register_payment``; ``applied`` + ``credit`` is the payment's
        amount and ``invoice`` is the canonical invoice after it.
        """
        payment, invoice = payload["payment"], payload.get("invoice") or {}
        move = self.find_invoice(invoice, action="record_payment")
        done = self.payments.record(move, payment, action="record_payment")
        move = self.find_invoice({"id": move["id"]}, action="record_payment")
        return {**done, "invoice": self.invoices.one(move, action="record_payment")}

    # --- cancellations and refunds (the same contract as the tryton connector's) ------------------

    def cancel_sales_order(self, order: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """Cancel the sale order of ``order`` (a sales order or ``{number}``), once: its posted
        invoices credited (connectors.odoo.refunds), then the order and its draft invoices
        cancelled. ``{sale, state: "cancelled", cancelled_invoices, credit_notes, shipped}``; Odoo
        cancels the deliveries not done itself and ``shipped`` stays empty."""
        action, number = "cancel_sales_order", order["number"]
        sale = self.sales.find_any(number, action=action)
        moves = self.call("account.move", "search_read", [("id", "in", list(sale["invoice_ids"])),
                                                          ("move_type", "=", "out_invoice")], MOVE_FIELDS,
                          action=action, order="id asc")
        notes = [note for move in sorted(moves, key=lambda row: row["id"]) if move["state"] == "posted"
                 for note in self.credit_notes.credit_rest(move, CANCELLATION + number, action=action)]
        self.sales.cancel(sale["id"], action=action)
        cancelled = [self.find_invoice({"id": move["id"]}, action=action) for move in sorted(moves, key=lambda m: m["id"])]
        sale = self.sales.read(sale["id"], action=action)
        currency = mapping.many2one_name(sale["currency_id"])
        return {"sale": {**sale_result(sale, currency), "number": sale.get("name")}, "state": "cancelled",
                "cancelled_invoices": self.invoices.canonical([row for row in cancelled if row["state"] == "cancel"],
                                                              action=action),
                "credit_notes": notes, "shipped": []}

    def refund_payment(self, payload: Mapping[str, Any], context: ActionContext | None = None) -> dict[str, Any]:
        """``{invoice: {id}|{number}|{order_number}, payment: negative canonical payment}`` →
        ``{invoice, credit_note, credited, paid_out, payout_move}``: a credit note for the refunded
        lines or amount and the money paid back, once per refund reference
        (connectors.odoo.refunds)."""
        action = "refund_payment"
        invoice = self.find_invoice(payload.get("invoice") or {}, action=action)
        invoice = self.credit_notes.move(invoice["id"], action=action)
        done = self.credit_notes.refund(invoice, payload["payment"], action=action)
        after = self.find_invoice({"id": invoice["id"]}, action=action)
        return {"invoice": self.invoices.one(after, action=action), **done}

    def list_open_invoices(self, payload: Mapping[str, Any] | None = None,
                           context: ActionContext | None = None) -> list[dict[str, Any]]:
        """Posted customer invoices not fully paid, as canonical invoices, oldest first."""
        rows = self.call("account.move", "search_read", [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
                         mapping.INVOICE_FIELDS, action="list_open_invoices", order="invoice_date asc, id asc")
        invoices = self.invoices.canonical(rows, action="list_open_invoices")
        return [invoice for invoice in invoices if invoice["status"] in ("open", "partially_paid")]

    # --- read-only lists for reconciliation (the same shapes as the tryton connector's) ---------

    def list_sales_orders(self, payload: Mapping[str, Any] | None = None,
                          context: ActionContext | None = None) -> list[dict[str, Any]]:
        """One sale order per client_order_ref (the storefront order number): the live one, else
        the last cancelled one (a storefront order cancelled after its import stays an order of
        the shop, as on the tryton connector): ``[{number, total, untaxed, tax, currency, state}]``;
        ``{since}`` keeps those created since."""
        domain = [("client_order_ref", "!=", False), *_since(payload)]
        fields = ["client_order_ref", "amount_total", "amount_untaxed", "amount_tax", "currency_id", "state"]
        chosen: dict[str, dict[str, Any]] = {}
        for row in self.pages("sale.order", domain, fields, action="list_sales_orders"):
            held = chosen.get(row["client_order_ref"])
            if held is None or held["state"] == "cancel":  # pages come in id order: the later one wins
                chosen[row["client_order_ref"]] = row
        return [{"number": row["client_order_ref"], "total": _money(row["amount_total"], row),
                 "untaxed": _money(row["amount_untaxed"], row), "tax": _money(row["amount_tax"], row),
                 "currency": _code(row), "state": row["state"]} for row in chosen.values()]

    def list_invoice_payments(self, payload: Mapping[str, Any] | None = None,
                              context: ActionContext | None = None) -> list[dict[str, Any]]:
        """Posted customer invoices with the customer payments reconciled with them, by memo:
        ``[{invoice, order_number, currency, total, paid, amount_due, payments: [{reference, amount, credit}]}]``."""
        by_invoice, credits = self.customer_payments(action="list_invoice_payments")
        domain = [("move_type", "=", "out_invoice"), ("state", "=", "posted"), *_since(payload)]
        fields = ["name", "move_type", "ref", "invoice_origin", "currency_id", "amount_total", "amount_residual"]
        invoices = []
        for row in self.pages("account.move", domain, fields, action="list_invoice_payments"):
            payments = [{"reference": ref, "amount": _money(amount, row), "credit": _money(credits.get(ref, 0), row)}
                        for ref, amount in by_invoice.get(row["id"], [])]
            total, due = _money(row["amount_total"], row), _money(row["amount_residual"], row)
            invoices.append({"invoice": row["name"], "order_number": mapping.order_number_of(row),
                             "currency": _code(row), "total": total, "paid": total - due, "amount_due": due,
                             "payments": payments})
        return invoices

    def receivable_balances(self, payload: Any = None, context: ActionContext | None = None) -> list[dict[str, Any]]:
        """Per currency: Σ amount_residual of posted customer invoices, the open customer credit
        (live inbound customer payments reconciled with no invoice) and the first minus the second."""
        owed: dict[str, Decimal] = defaultdict(Decimal)
        domain = [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        for row in self.pages("account.move", domain, ["currency_id", "amount_residual"], action="receivable_balances"):
            owed[_code(row)] += Decimal(str(row["amount_residual"] or 0))
        credit: dict[str, Decimal] = defaultdict(Decimal)
        names: dict[int, str] = {}
        for row in self.payment_rows(action="receivable_balances"):
            if not row.get("reconciled_invoice_ids"):
                credit[self.currency_code(row["currency_id"], names)] += Decimal(str(row["amount"] or 0))
        return [{"currency": code, "invoices": quantize(owed[code], code), "credit": quantize(credit[code], code),
                 "balance": quantize(owed[code], code) - quantize(credit[code], code)}
                for code in sorted(set(owed) | set(credit)) if owed[code] or credit[code]]

    def customer_payments(self, *, action: str) -> tuple[dict[int, list[tuple[str, Any]]], dict[str, Decimal]]:
        """(invoice id → [(memo, amount)], payment reference → credit kept under it)."""
        by_invoice: dict[int, list[tuple[str, Any]]] = defaultdict(list)
        credits: dict[str, Decimal] = defaultdict(Decimal)
        for row in self.payment_rows(action=action):
            memo = row.get(self.reference_field) or ""
            if memo.endswith(" (overpayment)"):
                credits[memo.removesuffix(" (overpayment)")] += Decimal(str(row["amount"] or 0))
            for invoice_id in row.get("reconciled_invoice_ids") or []:
                by_invoice[invoice_id].append((memo, row["amount"]))
        return by_invoice, credits

    def payment_rows(self, *, action: str) -> Iterator[dict[str, Any]]:
        """Live inbound customer payments."""
        domain = [("payment_type", "=", "inbound"), ("partner_type", "=", "customer"),
                  ("state", "not in", ["draft", "cancel", "canceled", "rejected"])]
        fields = [self.reference_field, "amount", "currency_id", "reconciled_invoice_ids"]
        return self.pages("account.payment", domain, fields, action=action)

    def currency_code(self, currency: Any, known: dict[int, str]) -> str:
        """The ISO code of a currency_id given as [id, "EUR"] or as a bare id (read once)."""
        if isinstance(currency, (list, tuple)):
            return currency[1]
        if currency not in known:
            [row] = self.call("res.currency", "read", [currency], ["name"], action="receivable_balances")
            known[currency] = row["name"]
        return known[currency]

    def pages(self, model: str, domain: list, fields: list[str], *, action: str) -> Iterator[dict[str, Any]]:
        """search_read ``PAGE`` records at a time, in id order, each page after the last id seen
        (an offset would skip a record when one before it leaves the domain between two pages)."""
        last = 0
        while True:
            rows = self.call(model, "search_read", [*domain, ("id", ">", last)], fields, action=action,
                             limit=PAGE, order="id asc")
            yield from rows
            if len(rows) < PAGE:
                return
            last = rows[-1]["id"]


PAGE = 500


def _since(payload: Mapping[str, Any] | None) -> list:
    since = (payload or {}).get("since")
    return [("create_date", ">=", str(since)[:10])] if since else []


def _code(row: Mapping[str, Any]) -> str:
    """The ISO code of a record's currency_id ([id, "EUR"])."""
    return row["currency_id"][1]


def _money(amount: Any, row: Mapping[str, Any]) -> Decimal:
    return quantize(Decimal(str(amount or 0)), _code(row))
