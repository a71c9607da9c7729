"""A local Odoo stand-in speaking ``/jsonrpc`` (execute_kw) and ``/json/2/<model>/<method>``.

In-memory records of res.partner, product.product, sale.order (+ order_line), account.tax,
account.move (+ invoice lines and a receivable line), account.payment and the wizards
account.payment.register, sale.advance.payment.inv and account.move.reversal: enough for the
odoo connector's actions. Money is Decimal inside; it goes out as JSON floats, as Odoo sends it.

Amounts follow Odoo's defaults: unit prices rounded to the "Product Price" precision (2 unless
``price_digits`` says otherwise), each line's base rounded to its currency, then each of its
percent taxes rounded (tax_calculation_rounding_method ``round_per_line``); price-included
taxes are taken out of the line's amount, the last one taking what rounding leaves so the
amount stays what was asked. A line written without taxes gets its product's, and a new
product gets the company's default sale tax. Payments: the register wizard refuses an
invoice that is not posted or has nothing left to pay, and an amount above what is due
leaves the invoice paid (never a negative residual) with the excess open on the payment; on a
credit note the wizard pays the customer back (an outbound payment).

Reads answer every field asked (False when never set) and MissingError for an unknown id;
searches sort by the ``order`` given (by id without one) and leave archived records (``active``
false, such as a closed res.partner.bank) out unless the context has ``active_test`` false.
``action_post`` dates an invoice today unless it has an invoice date, numbers it in its
journal's sequence for that year
(INV/2026/00001, RINV/... for credit notes) and, without a payment term, makes it due on its
invoice date.

Cancelling and crediting, as Odoo 17+ does: ``sale.order.action_cancel`` cancels the order and
its draft invoices, but only with ``disable_cancel_warning`` in the context or while the order
is a quotation (else it answers the sale.order.cancel wizard's action and changes nothing).
The reversal wizard's ``refund_moves`` makes a draft credit note (out_refund, every line of the
posted invoice, ``reversed_entry_id``, ref "Reversal of: <invoice>, <reason>"); it has no
``refund_method`` (Odoo 16 and older). ``js_assign_outstanding_line`` reconciles an invoice with
another move's open receivable line; an invoice settled only by its own credit notes is
``reversed``.

Seeded (again after a reset): the company in EUR, currencies EUR, USD, JPY, KWD, GBP with a
pricelist for each but EUR, sale taxes 19 % and 7 % (price excluded, 19 % the default) and
19 % price included.

    POST /_sandbox/faults   [503, {"status": 200, "body": {...}}]  canned answers first
    POST /_sandbox/reset                                        forget records and faults
    POST /_sandbox/invoices {partner_id, amount_total, ...}       add a draft customer invoice
    GET  /_sandbox/records/<model>                              what is stored

Run it: ``python -m connectors.odoo.sandbox --port 9269 --key secret``.
"""

from __future__ import annotations

import argparse
import itertools
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, canned_response, run_forever, sandbox_app
from hub import jsonutil

OPERATORS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "in": lambda a, b: a in b,
             "not in": lambda a, b: a not in b,
             ">=": lambda a, b: a is not None and a >= b, ">": lambda a, b: a is not None and a > b,
             "<=": lambda a, b: a is not None and a <= b, "<": lambda a, b: a is not None and a < b}
CURRENCIES = {"EUR": "0.01", "USD": "0.01", "JPY": "1", "KWD": "0.001", "GBP": "0.01"}
COMPANY_CURRENCY = "EUR"
MANY2ONE = {"currency_id": "res.currency", "partner_id": "res.partner", "pricelist_id": "product.pricelist",
            "product_id": "product.product", "reversed_entry_id": "account.move"}
NOTHING_TO_PAY = "You can't register a payment because there is nothing left to pay on the selected journal items."


class OdooError(Exception):
    """An Odoo business error: its ``name`` is what clients see in error.data.name."""

    def __init__(self, message: str, name: str = "odoo.exceptions.UserError"):
        super().__init__(message)
        self.name = name


class OdooStore:
    """The records, by model; one lock guards them."""

    def __init__(self, *, database: str, login: str, key: str, price_digits: int = 2, line_tax_field: str = "tax_id"):
        self.database, self.login, self.key = database, login, key
        self.price_digits, self.line_tax_field = price_digits, line_tax_field
        self.lock = threading.Lock()
        self.faults = FaultScript()
        self.reset()

    def reset(self) -> None:
        """Forget every record (ids start again at 1), seed again, forget the scripted faults."""
        with self.lock:
            self.models: dict[str, dict[int, dict[str, Any]]] = {}
            self.ids = itertools.count(1)
            self.sequences: dict[tuple[str, str], int] = {}
            self.seed()
        self.faults.replace([])

    def seed(self) -> None:
        """The company, its currencies and pricelists, its sale taxes and price precision."""
        currency = {code: self.insert("res.currency", {"name": code, "rounding": Decimal(rounding), "active": True}, {})
                    for code, rounding in CURRENCIES.items()}
        self.insert("res.company", {"name": "Sandbox Company", "currency_id": [currency[COMPANY_CURRENCY], COMPANY_CURRENCY]}, {})
        for code, currency_id in currency.items():
            if code != COMPANY_CURRENCY:
                self.insert("product.pricelist", {"name": f"{code} prices", "currency_id": [currency_id, code]}, {})
        self.insert("decimal.precision", {"name": "Product Price", "digits": self.price_digits}, {})
        for name, amount, included in (("19%", "19", False), ("7%", "7", False), ("19% incl.", "19", True)):
            self.insert("account.tax", {"name": name, "amount": Decimal(amount), "amount_type": "percent",
                                        "type_tax_use": "sale", "price_include": included, "sequence": 1}, {})

    def now(self) -> str:
        return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        return self.models.setdefault(model, {})

    def execute(self, model: str, method: str, args: list, kwargs: dict) -> Any:
        with self.lock:
            handler = getattr(self, f"m_{method}", None)
            if handler is None:
                raise OdooError(f"method {method} is not supported by the sandbox", "builtins.AttributeError")
            return handler(model, *args, **kwargs)

    def m_search_read(self, model, domain=(), fields=None, limit=None, order=None, offset=0, context=None):
        archived = (context or {}).get("active_test") is False  # Odoo leaves archived records out unless told
        rows = _ordered([r for r in self.table(model).values()
                         if _matches(r, domain) and (archived or r.get("active") is not False)], order)
        rows = rows[offset: offset + limit if limit else None]
        return [_fields(r, fields) for r in rows]

    def m_search(self, model, domain=(), limit=None, order=None, offset=0, context=None):
        return [r["id"] for r in self.m_search_read(model, domain, ["id"], limit, order, offset)]

    def m_read(self, model, ids, fields=None, context=None):
        missing = [i for i in ids if i not in self.table(model)]
        if missing:
            raise OdooError(f"Record does not exist or has been deleted.\n(Record: {model}({missing[0]},))",
                            "odoo.exceptions.MissingError")
        return [_fields(self.table(model)[i], fields) for i in ids]

    def m_create(self, model, vals_list, context=None):
        return [self.insert(model, dict(values), context or {}) for values in vals_list]

    def m_write(self, model, ids, vals, context=None):
        vals = dict(vals)
        commands = vals.pop("order_line", [])
        move_commands = vals.pop("invoice_line_ids", []) if model == "account.move" else []
        if model == "account.move" and vals.get("invoice_date") and "invoice_date_due" not in vals:
            vals["invoice_date_due"] = vals["invoice_date"]  # no payment term: due on the invoice date
        for i in ids:
            record = self.table(model)[i]
            record.update(self.many2ones(_decimals(vals)), write_date=self.now())
            if model == "sale.order" and commands:
                record["order_line"] += [self.insert_line(record, dict(cmd[2])) for cmd in commands if cmd[0] == 0]
                self.total_order(record)
            if move_commands:
                if record["state"] != "draft":
                    raise OdooError("You cannot modify the lines of a posted journal entry.")
                record["invoice_line_ids"] += [self.insert_move_line(record, dict(cmd[2]))
                                               for cmd in move_commands if cmd[0] == 0]
                self.total_move(record)
        return True

    def m_copy(self, model, ids, default=None, context=None):
        [source] = ids  # Odoo up to 17 answers the id of the one copy
        values = {k: v for k, v in self.table(model)[source].items() if k not in ("id", "write_date") and k[0] != "_"}
        return self.insert(model, {**values, **(default or {})}, {})

    def m_fields_get(self, model, allfields=None, attributes=None, context=None):
        known = {"sale.order.line": ["name", "product_id", "product_uom_qty", "price_unit", "discount",
                                     self.line_tax_field, "price_subtotal", "price_tax", "price_total"],
                 "account.move.reversal": ["move_ids", "new_move_ids", "date", "reason", "journal_id"]}
        names = [name for name in known.get(model, []) if not allfields or name in allfields]
        return {name: {"type": "many2many" if name == self.line_tax_field else "char"} for name in names}

    def insert(self, model: str, values: dict[str, Any], context: dict[str, Any]) -> int:
        lines = values.pop("order_line", []) if model == "sale.order" else []
        move_lines = values.pop("invoice_line_ids", []) if model == "account.move" else []
        record = {"id": next(self.ids), **self.many2ones(_decimals(values)), "write_date": self.now(), "_context": context}
        if model == "res.partner" and not record.get("name"):
            raise OdooError("The partner name is required", "odoo.exceptions.ValidationError")
        if model == "product.product" and "taxes_id" not in record:
            record["taxes_id"] = self.default_taxes()
        if model == "account.payment":
            record.setdefault("state", "draft")
        self.table(model)[record["id"]] = record
        if model == "sale.order":
            record.update(name=f"S{record['id']:05d}", state="draft", currency_id=self.order_currency(record),
                          invoice_ids=[])
            record["order_line"] = [self.insert_line(record, dict(cmd[2])) for cmd in lines]
            self.total_order(record)
        if model == "account.move":
            self.new_move(record, [dict(cmd[2]) for cmd in move_lines])
        return record["id"]

    def many2ones(self, values: dict[str, Any]) -> dict[str, Any]:
        """Many2one ids written as Odoo reads them back: ``[id, display name]``."""
        def named(field: str, value: Any) -> Any:
            target = self.table(MANY2ONE[field]).get(value) if isinstance(value, int) else None
            return [value, target.get("name") or ""] if target is not None else value
        return {k: named(k, v) if k in MANY2ONE else v for k, v in values.items()}

    def default_taxes(self) -> list[int]:
        """The company's default sale tax (the first one seeded)."""
        return [min(self.table("account.tax"))] if self.table("account.tax") else []

    # --- sale orders --------------------------------------------------------------------------

    def order_currency(self, order: dict[str, Any]) -> list:
        """The pricelist's currency, else the company's."""
        if order.get("pricelist_id"):
            return self.table("product.pricelist")[_plain(order["pricelist_id"])]["currency_id"]
        return next(iter(self.table("res.company").values()))["currency_id"]

    def insert_line(self, order: dict[str, Any], values: dict[str, Any]) -> int:
        """A sale.order.line of ``order`` with its amounts, computed as Odoo does."""
        taxes = values.pop(self.line_tax_field, None)
        if taxes is None:
            product = self.table("product.product").get(_plain(values.get("product_id")), {})
            tax_ids = list(product.get("taxes_id", []))
        else:
            tax_ids = _command_ids(taxes)
        step = Decimal(1).scaleb(-self.price_digits)
        line = {"id": next(self.ids), "order_id": [order["id"], order.get("name")], **self.many2ones(_decimals(values)),
                self.line_tax_field: tax_ids, "write_date": self.now()}
        line["price_unit"] = Decimal(str(line.get("price_unit", 0))).quantize(step, rounding=ROUND_HALF_UP)
        rounding = self.rounding(order["currency_id"])
        discounted = line["price_unit"] * (1 - Decimal(str(line.get("discount") or 0)) / 100)
        subtotal, tax = line_amounts(discounted, Decimal(str(line.get("product_uom_qty", 1))),
                                     [self.table("account.tax")[t] for t in tax_ids], rounding)
        line.update(price_subtotal=subtotal, price_tax=tax, price_total=subtotal + tax)
        self.table("sale.order.line")[line["id"]] = line
        return line["id"]

    def total_order(self, order: dict[str, Any]) -> None:
        lines = [self.table("sale.order.line")[i] for i in order["order_line"]]
        untaxed = sum((line["price_subtotal"] for line in lines), Decimal(0))
        tax = sum((line["price_tax"] for line in lines), Decimal(0))
        order.update(amount_untaxed=untaxed, amount_tax=tax, amount_total=untaxed + tax)

    def rounding(self, currency: Any) -> Decimal:
        return self.table("res.currency")[_plain(currency)]["rounding"]

    def m_action_confirm(self, model, ids, context=None):
        for i in ids:
            self.table(model)[i].update(state="sale", write_date=self.now())
        return True

    def m_action_cancel(self, model, ids, context=None):
        """Odoo's sale.order.action_cancel: the cancel wizard's action for a confirmed order
        unless the context disables that warning; else the draft invoices and the order cancelled."""
        orders = [self.table(model)[i] for i in ids]
        if not (context or {}).get("disable_cancel_warning") and any(o["state"] != "draft" for o in orders):
            return {"type": "ir.actions.act_window", "res_model": "sale.order.cancel", "target": "new"}
        for order in orders:
            for move_id in order.get("invoice_ids", []):
                move = self.table("account.move")[move_id]
                if move["state"] == "draft":
                    move.update(state="cancel", write_date=self.now())
            order.update(state="cancel", write_date=self.now())
        return True

    def m_create_invoices(self, model, ids, context=None):
        """sale.advance.payment.inv: one draft invoice of every line of each confirmed order
        in the context that has none yet."""
        for order_id in self.table(model)[ids[0]]["_context"].get("active_ids", []):
            order = self.table("sale.order")[order_id]
            if order["state"] != "sale":
                raise OdooError("You may only invoice confirmed orders.")
            if order.get("invoice_ids"):
                raise OdooError("There is no invoiceable line.")
            lines = [self.table("sale.order.line")[i] for i in order["order_line"]]
            values = [{"product_id": _plain(line.get("product_id")), "name": line.get("name"),
                       "quantity": line.get("product_uom_qty", 1), "price_unit": line["price_unit"],
                       "tax_ids": list(line[self.line_tax_field]), "sale_line_ids": [line["id"]]} for line in lines]
            move_id = self.insert("account.move", {
                "move_type": "out_invoice", "partner_id": _plain(order["partner_id"]),
                "currency_id": _plain(order["currency_id"]), "invoice_origin": order["name"],
                "ref": order.get("client_order_ref") or "",
                "invoice_line_ids": [[0, 0, line] for line in values]}, {})
            order["invoice_ids"] = [move_id]
        return {"type": "ir.actions.act_window_close"}

    # --- journal entries ----------------------------------------------------------------------

    def new_move(self, move: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        """A created account.move: a draft with its invoice lines and totals."""
        for key, value in (("move_type", "entry"), ("state", "draft"), ("name", "/"), ("payment_state", "not_paid")):
            move.setdefault(key, value)
        if not move.get("currency_id"):
            move["currency_id"] = next(iter(self.table("res.company").values()))["currency_id"]
        move["invoice_line_ids"] = [self.insert_move_line(move, line) for line in lines]
        if lines:
            self.total_move(move)

    def insert_move_line(self, move: dict[str, Any], values: dict[str, Any]) -> int:
        """An invoice line (display_type product) with its amounts, rounded per line."""
        tax_ids = _command_ids(values.pop("tax_ids", []))
        step = Decimal(1).scaleb(-self.price_digits)
        line = {"id": next(self.ids), "move_id": [move["id"], move.get("name")], **self.many2ones(_decimals(values)),
                "tax_ids": tax_ids, "display_type": "product", "write_date": self.now()}
        line["price_unit"] = Decimal(str(line.get("price_unit", 0))).quantize(step, rounding=ROUND_HALF_UP)
        subtotal, tax = line_amounts(line["price_unit"], Decimal(str(line.get("quantity", 1))),
                                     [self.table("account.tax")[t] for t in tax_ids], self.rounding(move["currency_id"]))
        line.update(quantity=Decimal(str(line.get("quantity", 1))), price_subtotal=subtotal, price_total=subtotal + tax)
        self.table("account.move.line")[line["id"]] = line
        return line["id"]

    def total_move(self, move: dict[str, Any]) -> None:
        lines = [self.table("account.move.line")[i] for i in move["invoice_line_ids"]]
        untaxed = sum((line["price_subtotal"] for line in lines), Decimal(0))
        total = sum((line["price_total"] for line in lines), Decimal(0))
        move.update(amount_untaxed=untaxed, amount_tax=total - untaxed, amount_total=total, amount_residual=total)

    def m_refund_moves(self, model, ids, context=None):
        """account.move.reversal (Odoo 17+): a draft credit note of each posted move."""
        wizard = self.table(model)[ids[0]]
        move_ids = _command_ids(wizard.get("move_ids")) or wizard["_context"].get("active_ids", [])
        made = []
        for move_id in move_ids:
            move = self.table("account.move")[move_id]
            if move["state"] != "posted":
                raise OdooError("You can only reverse posted moves.")
            reason = wizard.get("reason")
            lines = [{k: line[k] for k in ("product_id", "name", "quantity", "price_unit", "tax_ids") if k in line}
                     for line in (self.table("account.move.line")[i] for i in move.get("invoice_line_ids", []))]
            made.append(self.insert("account.move", {
                "move_type": "out_refund", "partner_id": _plain(move["partner_id"]),
                "currency_id": _plain(move["currency_id"]), "reversed_entry_id": move_id,
                "invoice_origin": move.get("invoice_origin"),
                "ref": f"Reversal of: {move['name']}, {reason}" if reason else f"Reversal of: {move['name']}",
                "invoice_line_ids": [[0, 0, {**line, "product_id": _plain(line.get("product_id"))}] for line in lines]}, {}))
            if not lines:  # a move without lines (added through /_sandbox/invoices) is reversed by its totals
                self.table("account.move")[made[-1]].update(
                    {k: move[k] for k in ("amount_untaxed", "amount_tax", "amount_total")}, amount_residual=move["amount_total"])
        wizard["new_move_ids"] = made
        return {"type": "ir.actions.act_window", "res_model": "account.move", "res_id": made[0] if len(made) == 1 else False}

    def m_js_assign_outstanding_line(self, model, ids, line_id, context=None):
        """Reconcile the invoice with the open receivable line ``line_id`` of another move."""
        move = self.table(model)[ids[0]]
        line = self.table("account.move.line")[line_id]
        other = self.table(model)[_plain(line["move_id"])]
        taken = min(move["amount_residual"], other["amount_residual"])
        if move["state"] != "posted" or other["state"] != "posted" or taken <= 0:
            raise OdooError("Nothing to reconcile.")
        for record, partner in ((move, other), (other, move)):
            record["amount_residual"] -= taken
            record.setdefault("_settled_by", []).append(partner["move_type"])
            self.settle(record)
        return True

    def settle(self, move: dict[str, Any]) -> None:
        """payment_state from the residual: reversed when only the move's credit notes paid it."""
        if move["amount_residual"] > 0:
            state = "partial"
        elif set(move.get("_settled_by", [])) == {"out_refund"} and move["move_type"] == "out_invoice":
            state = "reversed"
        else:
            state = "paid"
        move.update(payment_state=state, write_date=self.now())
        for line_id in move.get("_receivable_line", [])[:1]:
            self.table("account.move.line")[line_id]["reconciled"] = not move["amount_residual"]

    # --- invoices and payments ----------------------------------------------------------------

    def m_action_post(self, model, ids, context=None):
        for i in ids:
            record = self.table(model)[i]
            if record["state"] != "draft":
                raise OdooError("Only draft journal entries can be posted.")
            if model == "account.payment":
                record.update(state="in_process", write_date=self.now())  # posted, not reconciled: open credit
                continue
            day = record.get("invoice_date") or self.now()[:10]
            record.update(state="posted", name=self.next_name(record, day), payment_state="not_paid", invoice_date=day,
                          date=day, invoice_date_due=record.get("invoice_date_due") or day, write_date=self.now())
            line_id = next(self.ids)  # the receivable line other moves can be reconciled with
            self.table("account.move.line")[line_id] = {"id": line_id, "move_id": [i, record["name"]],
                                                        "display_type": "payment_term", "reconciled": False}
            record["_receivable_line"] = [line_id]
        return True

    def next_name(self, move: dict[str, Any], day: str) -> str:
        """The journal's next number in the invoice date's year: INV/2026/00001 (RINV for credit notes)."""
        prefix = "RINV" if move.get("move_type") == "out_refund" else "INV"
        number = self.sequences[(prefix, day[:4])] = self.sequences.get((prefix, day[:4]), 0) + 1
        return f"{prefix}/{day[:4]}/{number:05d}"

    def m_action_create_payments(self, model, ids, context=None):
        wizard = self.table(model)[ids[0]]
        for move_id in wizard["_context"].get("active_ids", []):
            move = self.table("account.move")[move_id]
            if move["state"] != "posted":
                raise OdooError("You can only register payment for posted journal entries.")
            if move["amount_residual"] <= 0:
                raise OdooError(NOTHING_TO_PAY)
            amount = Decimal(str(wizard["amount"]))
            taken = min(amount, move["amount_residual"])
            residual = max(move["amount_residual"] - taken, Decimal(0))
            if wizard.get("payment_difference_handling") == "reconcile":
                residual = Decimal(0)  # the difference is written off
            move.update(amount_residual=residual)
            move.setdefault("_settled_by", []).append("payment")
            self.settle(move)
            direction = "outbound" if move.get("move_type") == "out_refund" else "inbound"
            self.insert("account.payment", {
                "amount": amount, "memo": wizard.get("communication"), "ref": wizard.get("communication"),
                "state": "paid" if amount == taken else "in_process", "payment_type": direction,
                "partner_type": "customer", "partner_id": move["partner_id"],
                "currency_id": wizard.get("currency_id") or move["currency_id"], "reconciled_invoice_ids": [move_id],
                "date": wizard.get("payment_date") or self.now()[:10]}, {})
        return {"type": "ir.actions.act_window_close"}

    def add_invoice(self, values: dict[str, Any]) -> int:
        """A draft customer invoice (the sandbox's stand-in for invoicing a sale order)."""
        with self.lock:
            code = values.pop("currency", COMPANY_CURRENCY)
            currency = next(r["id"] for r in self.table("res.currency").values() if r["name"] == code)
            total = _round(Decimal(str(values.pop("amount_total", 0))), self.rounding(currency))
            defaults = {"move_type": "out_invoice", "state": "draft", "name": "/", "payment_state": "not_paid",
                        "currency_id": [currency, code], "amount_untaxed": total, "amount_tax": Decimal(0),
                        "amount_total": total, "amount_residual": total}
            return self.insert("account.move", {**defaults, **values}, {})


def line_amounts(price_unit: Decimal, quantity: Decimal, taxes: Iterable[dict[str, Any]],
                 rounding: Decimal) -> tuple[Decimal, Decimal]:
    """(base, tax) of one line, rounded per line: the base to the currency, then each tax.

    Price-included taxes are taken out of the amount together (base = amount / (1 + their
    rates), rounded); they are what is left of the amount, so base + included taxes is the
    amount the line was given. Excluded taxes are computed on that base, each rounded.
    """
    taxes = list(taxes)
    amount = _round(price_unit * quantity, rounding)
    included = sum((Decimal(str(t["amount"])) / 100 for t in taxes if t.get("price_include")), Decimal(0))
    excluded = [Decimal(str(t["amount"])) / 100 for t in taxes if not t.get("price_include")]
    base = _round(amount / (1 + included), rounding)
    tax = amount - base + sum((_round(base * rate, rounding) for rate in excluded), Decimal(0))
    return base, tax


def _round(value: Decimal, rounding: Decimal) -> Decimal:
    """Odoo's float_round: half away from zero, to a multiple of the currency's rounding."""
    return (value / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP) * rounding


def _command_ids(value: Any) -> list[int]:
    """The ids an x2many value sets: ``[[6, 0, ids]]`` commands, ``[[4, id]]`` links or plain ids."""
    ids: list[int] = []
    for item in value or []:
        if isinstance(item, int):
            ids.append(item)
        elif item[0] == 6:
            ids = list(item[2])
        elif item[0] == 4:
            ids.append(item[1])
    return ids


def _decimals(values: dict[str, Any]) -> dict[str, Any]:
    """Floats (from Python callers; JSON numbers arrive as Decimal already) as exact Decimals."""
    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}


def _fields(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """The ``fields`` of a record as Odoo reads them: a field never set reads False."""
    if not fields:
        return dict(record)
    return {"id": record["id"], **{name: record.get(name, False) for name in fields}}


def _ordered(rows: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    """``rows`` sorted by an Odoo ``order`` ("write_date asc, id desc"); by id when none is
    given. Empty values sort last ascending, as PostgreSQL puts NULLs."""
    rows = sorted(rows, key=lambda r: r["id"])
    for term in reversed([t.split() for t in (order or "id").split(",") if t.strip()]):
        field, descending = term[0], len(term) > 1 and term[1].lower() == "desc"
        rows.sort(key=lambda r: _sort_key(r.get(field)), reverse=descending)
    return rows


def _sort_key(value: Any) -> tuple:
    value = _plain(value)
    return (value is None or value is False, value if value is not None and value is not False else 0)


def _matches(record: dict[str, Any], domain: Any) -> bool:
    """Every (field, operator, value) leaf holds (the sandbox knows only implicit AND)."""
    return all(OPERATORS[op](_plain(record.get(field)), value) for field, op, value in domain)


def _plain(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) else value


def create_app(*, database: str = "sandbox", login: str = "hub", key: str = "sandbox-key", price_digits: int = 2,
               line_tax_field: str = "tax_id") -> Flask:
    """The sandbox as a Flask app; its store is ``app.extensions["sandbox"]``. ``line_tax_field``
    is ``tax_ids`` to answer like Odoo 19."""
    store = OdooStore(database=database, login=login, key=key, price_digits=price_digits, line_tax_field=line_tax_field)
    app = sandbox_app(__name__, store)
    add_fault_gate(app, store)  # both APIs check credentials per call, in Odoo's own error shapes

    @app.post("/jsonrpc")
    def jsonrpc() -> Response:
        params = jsonutil.loads(request.get_data())["params"]
        return _rpc_answer(lambda: _dispatch_rpc(store, params))

    @app.post("/json/2/<model>/<method>")
    def json2(model: str, method: str) -> Response:
        if request.headers.get("Authorization", "").lower() != f"bearer {store.key}":
            return canned_response(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
        if request.headers.get("X-Odoo-Database") != store.database:
            return canned_response(404, {"name": "werkzeug.exceptions.NotFound", "message": "unknown database"})
        body = jsonutil.loads(request.get_data() or b"{}")
        args = [body.pop("ids")] if "ids" in body else []
        try:
            return _json(store.execute(model, method, args, body))
        except OdooError as error:
            return canned_response(422, {"name": error.name, "message": str(error), "arguments": [str(error)]})

    @app.post("/_sandbox/invoices")
    def add_invoice() -> Response:
        return _json({"id": store.add_invoice(jsonutil.loads(request.get_data()))})

    @app.get("/_sandbox/records/<model>")
    def records(model: str) -> Response:
        with store.lock:
            return _json(list(store.table(model).values()))

    return app


def _dispatch_rpc(store: OdooStore, params: dict[str, Any]) -> Any:
    service, method, args = params["service"], params["method"], params["args"]
    if service == "common" and method == "login":
        return 2 if args == [store.database, store.login, store.key] else False
    db, uid, key, model, model_method, positional, named = args
    if (db, uid, key) != (store.database, 2, store.key):
        raise OdooError("Access Denied", "odoo.exceptions.AccessDenied")
    return store.execute(model, model_method, positional, named)


def _rpc_answer(call) -> Response:
    try:
        return _json({"jsonrpc": "2.0", "id": 1, "result": call()})
    except OdooError as error:
        data = {"name": error.name, "message": str(error), "arguments": [str(error)]}
        return _json({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error", "data": data}})


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(_floats(value)), status=status, mimetype="application/json")


def _floats(value: Any) -> Any:
    """Decimals as floats on the way out: Odoo's JSON carries floats."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items() if not k.startswith("_")}  # the sandbox's own keys
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(value) if type(value).__name__ == "Decimal" else value


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.odoo.sandbox --port 9269``."""
    parser = argparse.ArgumentParser(description="o2c-hub Odoo sandbox (jsonrpc and json2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9269)
    parser.add_argument("--key", default="sandbox-key")
    args = parser.parse_args(argv)
    run_forever(create_app(key=args.key), args.host, args.port)


if __name__ == "__main__":
    main()
