"""What a person accepts for a proposal: one of its candidate sets, or an allocation of their
own (invoice numbers and amounts), checked before anything is applied.

    InvalidChoice         a choice that cannot be applied as given (a bad candidate number, an
                          allocation that breaks a rule); nothing was changed (hub.errors)
    allocation_lines()    an allocation as a client sends it → ManualLine list, or InvalidChoice
    manual_allocation()   those lines against the open invoices → an Allocation, or InvalidChoice

Rules of an allocation of one's own: at least one line and at most :data:`MAX_LINES`; each
invoice once; each amount more than 0, with no more decimals than the payment's currency has
(2 for EUR, 0 for JPY, 3 for KWD), and at most the invoice's open amount; each invoice an open
invoice (not a credit note) in the payment's currency; all amounts together at most the
payment. What the payment has left is kept as customer credit, as for an overpayment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidChoice
from hub.money import minor_unit, quantize
from hub.o2c.cashapp.allocation import Allocation, Line
from hub.o2c.cashapp.loading import open_invoice
from hub.o2c.queries import OPEN_INVOICE
from hub.store.o2c import Invoice

MAX_LINES = 100
_MAX_DIGITS = 15  # digits before the decimal point: more than any payment
_DECIMAL_TEXT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,20})?")


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualLine:
    """Apply ``amount`` to invoice ``invoice``."""

    invoice: str
    amount: Decimal


def allocation_lines(value: Any, currency: str) -> list[ManualLine]:
    """``[{"invoice": "INV-1", "amount": "120.50"}, ...]`` as lines; amounts as JSON numbers or
    decimal strings."""
    if not isinstance(value, list) or not value:
        raise InvalidChoice('an allocation is a list of {"invoice": "...", "amount": ...} with at least one line')
    if len(value) > MAX_LINES:
        raise InvalidChoice(f"an allocation has at most {MAX_LINES} lines, not {len(value)}")
    lines = [_line(item, currency, n) for n, item in enumerate(value, 1)]
    numbers = [line.invoice for line in lines]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise InvalidChoice(f"invoice {', '.join(twice)} is in the allocation more than once; give each invoice one line")
    return lines


def _line(item: Any, currency: str, n: int) -> ManualLine:
    if not isinstance(item, dict) or set(item) != {"invoice", "amount"}:
        raise InvalidChoice(f'line {n} of the allocation must be {{"invoice": "...", "amount": ...}} and nothing else')
    number = item["invoice"]
    if not isinstance(number, str) or not number.strip() or len(number) > 255:
        raise InvalidChoice(f"line {n} of the allocation: the invoice must be an invoice number")
    return ManualLine(invoice=number.strip(), amount=_amount(item["amount"], currency, f"line {n} ({number.strip()})"))


def _amount(value: Any, currency: str, where: str) -> Decimal:
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        value = Decimal(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidChoice(f"{where}: the amount must be a number such as 120.50")
    amount = Decimal(value)
    if not amount.is_finite() or (amount and amount.adjusted() >= _MAX_DIGITS):
        raise InvalidChoice(f"{where}: the amount is not a usable number")
    if amount <= 0:
        raise InvalidChoice(f"{where}: the amount must be more than 0")
    if quantize(amount, currency) != amount:
        places = minor_unit(currency)
        raise InvalidChoice(f"{where}: {currency} amounts have {places} decimal{'' if places == 1 else 's'}, "
                            f"not {amount}")
    return quantize(amount, currency)


def manual_allocation(session: Session, lines: list[ManualLine], *, payment: Decimal, currency: str) -> Allocation:
    """The lines as an allocation on the invoices' open amounts today; what the payment has left
    is the allocation's credit."""
    rows = {row.number: row for row in session.scalars(select(Invoice).where(
        Invoice.kind == "invoice", Invoice.number.in_([line.invoice for line in lines])))}
    applied = [_checked(rows.get(line.invoice), line, currency) for line in lines]
    total = sum((line.amount for line in applied), Decimal(0))
    if total > payment:
        raise InvalidChoice(f"the allocation applies {total} {currency}, more than the payment of "
                            f"{quantize(payment, currency)} {currency}")
    return Allocation(fit="manual", lines=tuple(applied), credit=quantize(payment - total, currency))


def _checked(row: Invoice | None, line: ManualLine, currency: str) -> Line:
    if row is None:
        raise InvalidChoice(f"there is no invoice {line.invoice}")
    if row.currency != currency:
        raise InvalidChoice(f"invoice {line.invoice} is in {row.currency}, the payment in {currency}")
    invoice = open_invoice(row)
    if row.status not in OPEN_INVOICE or invoice.open <= 0:
        raise InvalidChoice(f"invoice {line.invoice} is {row.status}; only open invoices can take money")
    if line.amount > invoice.open:
        raise InvalidChoice(f"{line.amount} {currency} is more than the {invoice.open} {currency} open on "
                            f"invoice {line.invoice}")
    return Line(invoice_id=row.id, number=row.number, kind="applied", amount=line.amount)
