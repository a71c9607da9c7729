"""Read-only lists of what Tryton booked, for reconciliation: sales, invoice payments, receivables.

    list_sales_orders       {since?}  → [{number, total, untaxed, tax, currency, state}]
    list_invoice_payments   {since?}  → [{invoice, order_number, currency, total, paid, amount_due,
                                          payments: [{reference, amount, credit}]}]
    receivable_balances     {}        → [{currency, invoices, credit, balance}]

``number`` is the sale's reference (the storefront order number); a sale without one, or a
cancelled one, is left out. A payment's ``reference`` is the description of its payment line
(the hub's payment reference), ``amount`` what the invoice took (a refund paid back on a credit
note: negative), ``credit`` what its settlement moves (connectors.tryton.credits) left on the
customer's receivable under the same reference: the credit an overpayment kept (positive), less
money paid back that no credit note took (``<ref> (refund paid out)``), counted once per
reference. A payment no invoice took at all (one on an invoice already paid is all credit; a
refund of an invoice with nothing left to credit is all paid out) has no payment line: it comes
after the invoices as an entry with ``invoice`` None and one payment, ``amount`` 0 and its
settlement as ``credit``, so ``amount + credit`` is what the hub records for every payment
(positive for a payment, negative for a refund). ``receivable_balances``
is, per currency, Σ amount to pay of the posted customer invoices minus the open customer
credit: the unreconciled lines on receivable accounts that belong to no invoice (not a line to
pay, not a payment line), such as overpayments, credit − debit.

Records are searched in pages of ``PAGE`` ids, each page the ids after the last one read
(``id > last``, ordered by id), and read a page at a time: a record that leaves the result
while it is read (a line reconciled in between) moves no other record to an earlier page. A
read answer is paired with its ids by id, never by position. Amounts are Decimals quantized to
their currency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from connectors.tryton.client import TrytonClient
from hub.errors import FatalError
from hub.money import quantize, to_decimal
from hub.o2c.settlement import OVERPAYMENT, PAID_OUT

PAGE = 500
SALE_FIELDS = ["reference", "state", "untaxed_amount", "tax_amount", "total_amount", "currency"]
INVOICE_FIELDS = ["number", "currency", "total_amount", "amount_to_pay", "payment_lines", "move"]
LINE_FIELDS = ["description", "move_description_used", "debit", "credit", "amount_second_currency",
               "second_currency", "move"]
INVOICE_STATES = ("posted", "paid")
SETTLEMENT_SUFFIXES = (OVERPAYMENT, PAID_OUT)


class Ledger:
    """Read-only views of one Tryton database's sales and receivables."""

    def __init__(self, client: TrytonClient):
        self.client = client

    def sales_orders(self, payload: Mapping[str, Any] | None, *, action: str = "list_sales_orders") -> list[dict]:
        """Every live sale with a reference (created on or after ``since``), oldest first."""
        domain = [("reference", "!=", None), ("state", "!=", "cancelled"), *since_domain(payload)]
        sales = []
        for rows in self.pages("sale.sale", domain, SALE_FIELDS, action=action):
            codes = self.currency_codes({row["currency"] for row in rows}, action=action)
            sales.extend(sale_view(row, codes[row["currency"]]) for row in rows)
        return sales

    def invoice_payments(self, payload: Mapping[str, Any] | None, *,
                         action: str = "list_invoice_payments") -> list[dict]:
        """Posted and paid customer invoices (created on or after ``since``) with their payments,
        then the payments no invoice took (settled on or after ``since``)."""
        domain = [("type", "=", "out"), ("state", "in", INVOICE_STATES), *since_domain(payload)]
        settlements = self.settlements(payload, action=action)
        invoices = []
        for rows in self.pages("account.invoice", domain, INVOICE_FIELDS, action=action):
            invoices.extend(self.with_payments(rows, settlements, action=action))
        invoices.extend(unattached_view(reference, currency, amount)
                        for reference, (currency, amount) in sorted(settlements.items()))
        return invoices

    def with_payments(self, rows: list[dict], settlements: dict[str, tuple[str, Decimal]], *,
                      action: str) -> Iterator[dict]:
        """One page of invoices with their order numbers and payment lines; a payment line takes
        the settlement of its reference out of ``settlements`` (the first line of it only)."""
        codes = self.currency_codes({row["currency"] for row in rows}, action=action)
        orders = self.order_numbers([row["id"] for row in rows], action=action)
        lines = self.read_by_id("account.move.line", [i for row in rows for i in row["payment_lines"]],
                                LINE_FIELDS, action=action)
        for row in rows:
            code = codes[row["currency"]]
            payments = [payment_view(lines[i], row["currency"], code, settlements) for i in row["payment_lines"]
                        if i in lines]
            yield invoice_view(row, code, orders.get(row["id"]), payments)

    def receivable_balances(self, payload: Any = None, *, action: str = "receivable_balances") -> list[dict]:
        """Per currency: what customers still owe on posted invoices, their open credit, and the balance."""
        owed: dict[str, Decimal] = defaultdict(Decimal)
        invoice_moves: set[int] = set()
        domain = [("type", "=", "out"), ("state", "=", "posted")]
        for rows in self.pages("account.invoice", domain, ["currency", "amount_to_pay", "move"], action=action):
            codes = self.currency_codes({row["currency"] for row in rows}, action=action)
            for row in rows:
                owed[codes[row["currency"]]] += row["amount_to_pay"] or 0
                invoice_moves.add(row["move"])
        credit = self.open_credit(invoice_moves, action=action)
        return balances(owed, credit)

    def open_credit(self, invoice_moves: set[int], *, action: str) -> dict[str, Decimal]:
        """Per currency, credit − debit of the unreconciled customer lines on receivable accounts outside
        invoices: overpayments kept as credit, less any money paid back that no invoice took."""
        company = self.company_currency(action=action)
        domain = [("account.type.receivable", "=", True), ("reconciliation", "=", None),
                  ("move.state", "=", "posted"), ("party", "!=", None), ("invoice_payment", "=", None)]
        credit: dict[str, Decimal] = defaultdict(Decimal)
        for rows in self.pages("account.move.line", domain, LINE_FIELDS, action=action):
            codes = self.currency_codes({row["second_currency"] for row in rows} - {None}, action=action)
            for row in rows:
                if row["move"] not in invoice_moves:
                    code, amount = line_amount(row, codes.get(row["second_currency"]), company)
                    credit[code] += amount
        return credit

    # --- reading --------------------------------------------------------------------------

    def pages(self, model: str, domain: list, fields: list[str], *, action: str) -> Iterator[list[dict]]:
        """The records matching ``domain``, ``PAGE`` at a time, in id order, each page after the
        last id read."""
        last = 0
        while True:
            ids = self.client.model(model, "search", [*domain, ("id", ">", last)], 0, PAGE, [("id", "ASC")],
                                    action=action)
            if not ids:
                return
            found = self.read_by_id(model, ids, fields, action=action)
            yield [found[i] for i in ids if i in found]  # one deleted in between is left out
            if len(ids) < PAGE:
                return
            last = max(ids)

    def read_by_id(self, model: str, ids: Iterable[int], fields: list[str], *, action: str) -> dict[int, dict]:
        """``fields`` of the records ``ids``, by id."""
        return {row["id"]: row for row in self.client.read(model, sorted(set(ids)), fields, action=action)}

    def currency_codes(self, ids: set[int], *, action: str) -> dict[int, str]:
        """ISO codes of the ``currency.currency`` records ``ids``."""
        return {i: row["code"] for i, row in self.read_by_id("currency.currency", ids, ["code"],
                                                             action=action).items()}

    def company_currency(self, *, action: str) -> str:
        """The ISO code of the company's currency (the currency of debit and credit)."""
        company_id = (self.client.context or {}).get("company")
        if company_id is None:
            self.client.login()
            company_id = self.client.context.get("company")
        if company_id is None:
            raise FatalError("the Tryton user works in no company", connection=self.client.connection,
                             action=action)
        company, = self.client.read("company.company", [company_id], ["currency"], action=action)
        return self.currency_codes({company["currency"]}, action=action)[company["currency"]]

    def order_numbers(self, invoice_ids: list[int], *, action: str) -> dict[int, str]:
        """invoice id → the reference of the sale it was made from."""
        sales = self.client.search_read("sale.sale", [("invoices", "in", invoice_ids)], ["reference", "invoices"],
                                        action=action) if invoice_ids else []
        wanted = set(invoice_ids)
        return {i: sale["reference"] for sale in sales for i in sale["invoices"] if i in wanted and sale["reference"]}

    def settlements(self, payload: Mapping[str, Any] | None, *, action: str) -> dict[str, tuple[str, Decimal]]:
        """payment reference → (currency, credit − debit) of the posted customer lines its
        settlement moves left on receivable accounts (``<ref> (overpayment)``: the credit kept;
        ``<ref> (refund paid out)``: money paid back that no credit note took)."""
        domain = [("account.type.receivable", "=", True), ("move.state", "=", "posted"), ("party", "!=", None),
                  ["OR", *(("move.description", "like", "%" + suffix) for suffix in SETTLEMENT_SUFFIXES)],
                  *since_domain(payload)]
        found: dict[str, tuple[str, Decimal]] = {}
        company = None
        for rows in self.pages("account.move.line", domain, LINE_FIELDS, action=action):
            company = company or self.company_currency(action=action)
            moves = self.read_by_id("account.move", {row["move"] for row in rows}, ["description"], action=action)
            codes = self.currency_codes({row["second_currency"] for row in rows} - {None}, action=action)
            for row in rows:
                code, amount = line_amount(row, codes.get(row["second_currency"]), company)
                reference = settled_reference(moves[row["move"]]["description"])
                found[reference] = (code, found.get(reference, (code, Decimal(0)))[1] + amount)
        return found


# --- pure reshaping ------------------------------------------------------------------------


def since_domain(payload: Mapping[str, Any] | None) -> list:
    """Records created on or after ``payload["since"]`` (a date); no condition without one."""
    since = (payload or {}).get("since")
    if not since:
        return []
    day = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since)[:10])
    return [("create_date", ">=", dt.datetime.combine(day, dt.time()))]


def sale_view(sale: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """One ``sale.sale`` read → ``{number, total, untaxed, tax, currency, state}``."""
    return {"number": sale["reference"], "total": quantize(sale["total_amount"] or 0, currency),
            "untaxed": quantize(sale["untaxed_amount"] or 0, currency),
            "tax": quantize(sale["tax_amount"] or 0, currency), "currency": currency, "state": sale["state"]}


def reference(line: Mapping[str, Any]) -> str | None:
    """The payment reference a payment line was written with (its description)."""
    return line.get("description") or line.get("move_description_used") or None


def line_amount(line: Mapping[str, Any], second_currency: str | None, company_currency: str) -> tuple[str, Decimal]:
    """(currency, credit − debit) of a move line: in its second currency when it has one."""
    if second_currency and line.get("amount_second_currency") is not None:
        return second_currency, quantize(-to_decimal(line["amount_second_currency"]), second_currency)
    return company_currency, quantize(to_decimal(line["credit"]) - to_decimal(line["debit"]), company_currency)


def settled_reference(description: str) -> str:
    """The payment reference a settlement move's description names."""
    for suffix in SETTLEMENT_SUFFIXES:
        if description.endswith(suffix):
            return description.removesuffix(suffix)
    return description


def payment_view(line: Mapping[str, Any], invoice_currency_id: int, currency: str,
                 settlements: dict[str, tuple[str, Decimal]]) -> dict[str, Any]:
    """One payment line of an invoice → ``{reference, amount, credit}`` in the invoice's currency;
    the settlement of its reference is taken out of ``settlements``, so it is counted once."""
    second = currency if line.get("second_currency") == invoice_currency_id else None
    _, amount = line_amount(line, second, currency)
    ref = reference(line)
    _, settled = settlements.pop(ref or "", (currency, 0))
    return {"reference": ref, "amount": amount, "credit": quantize(settled, currency)}


def unattached_view(reference_: str, currency: str, settled: Decimal) -> dict[str, Any]:
    """A payment no invoice took: an entry without invoice, all of it settlement (``credit``)."""
    zero = quantize(0, currency)
    return {"invoice": None, "order_number": None, "currency": currency, "total": zero, "paid": zero,
            "amount_due": zero, "payments": [{"reference": reference_, "amount": zero,
                                              "credit": quantize(settled, currency)}]}


def invoice_view(invoice: Mapping[str, Any], currency: str, order_number: str | None,
                 payments: list[dict[str, Any]]) -> dict[str, Any]:
    """One customer invoice with its payments, paid = Σ payments, amount_due = Tryton's amount to pay."""
    paid = sum((p["amount"] for p in payments), Decimal(0))
    return {"invoice": invoice["number"], "order_number": order_number, "currency": currency,
            "total": quantize(invoice["total_amount"], currency), "paid": quantize(paid, currency),
            "amount_due": quantize(invoice["amount_to_pay"] or 0, currency), "payments": payments}


def balances(owed: Mapping[str, Decimal], credit: Mapping[str, Decimal]) -> list[dict[str, Any]]:
    """Per currency (sorted): invoices still to pay, open credit, and the balance (the first minus the
    second); a currency with nothing open is left out."""
    return [{"currency": code, "invoices": quantize(owed.get(code, 0), code),
             "credit": quantize(credit.get(code, 0), code),
             "balance": quantize(owed.get(code, 0), code) - quantize(credit.get(code, 0), code)}
            for code in sorted(set(owed) | set(credit)) if owed.get(code) or credit.get(code)]
