"""A Book's balances, kept per day and from running totals, equal the module docstring's formula
worked out invoice by invoice on every day, over random books (refunds, undated settlements,
credit notes, invoices issued after the day, drafts)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random

import pytest

from hub.o2c.receivables import amount_still_due
from hub.o2c.reports.book import Book, day_of

START = date(2024, 1, 1)


def _book(seed: int) -> tuple[Book, list[dict], list[dict]]:
    rnd = Random(seed)
    invoices, applications = [], []
    for n in range(60):
        issued = START + timedelta(days=rnd.randrange(90))
        total = Decimal(rnd.randrange(100, 100_000)) / 100
        paid = rnd.choice((Decimal(0), total, (total / 3).quantize(Decimal("0.01"))))
        status = rnd.choice(("open", "partially_paid", "paid", "credited", "draft", None))
        invoices.append({"number": f"I{n}", "currency": "EUR", "kind": "invoice", "status": status, "total": total,
                         "amount_due": total - paid, "issue_date": issued.isoformat(),
                         "due_date": (issued + timedelta(days=rnd.choice((0, 14, 30)))).isoformat()
                         if n % 7 else None})
        if paid:
            when = issued + timedelta(days=rnd.randrange(60))
            applications.append({"payment": f"P{n}", "invoice": f"I{n}", "currency": "EUR", "amount": paid,
                                 "kind": rnd.choice(("applied", "write_off", "discount", "credit")),
                                 "applied_at": None if n % 11 == 0 else f"{when.isoformat()}T10:00:00+00:00"})
        if n % 5 == 0:
            invoices.append({"number": f"C{n}", "currency": "EUR", "kind": "credit_note", "status": "paid",
                             "credits_invoice": f"I{n}", "total": (total / 2).quantize(Decimal("0.01")),
                             "issue_date": (issued + timedelta(days=rnd.randrange(40))).isoformat()})
    book = Book.of("EUR", invoices=invoices, applications=applications)
    return book, invoices, applications


def _expected_balance(book: Book, invoice: dict, day: date) -> Decimal:
    """The formula of hub.o2c.reports.book's docstring, invoice by invoice."""
    issued = day_of(invoice.get("issue_date"))
    if issued is not None and issued > day:
        return book.money(0)
    settled = [(day_of(a.get("applied_at")), a["amount"]) for a in book.applications
               if a.get("kind", "applied") in ("applied", "write_off", "discount") and a["invoice"] == invoice["number"]]
    settled += [(day_of(c["issue_date"]), c["total"]) for c in book.credit_notes
                if c["credits_invoice"] == invoice["number"]]
    later = sum((amount for when, amount in settled if when is not None and when > day), Decimal(0))
    until = sum((amount for when, amount in settled if when is None or when <= day), Decimal(0))
    owed = min(amount_still_due(invoice) + later, Decimal(invoice["total"]) - until)
    return book.money(max(owed, Decimal(0)))


@pytest.mark.parametrize("seed", range(5))
def test_balances_of_every_day_equal_the_formula(seed):
    book, _, _ = _book(seed)
    for day in (START + timedelta(days=k) for k in range(-1, 160, 3)):
        expected = {inv["number"]: _expected_balance(book, inv, day) for inv in book.invoices}
        assert {inv["number"]: owed for inv, owed in book.open_items(day)} == {
            number: owed for number, owed in expected.items() if owed > 0}
        assert book.receivables(day) == book.money(sum(expected.values(), Decimal(0)))
        current = [inv for inv in book.invoices if not inv.get("due_date") or inv["due_date"] >= day.isoformat()]
        assert book.current_receivables(day) == book.money(
            sum((expected[inv["number"]] for inv in current), Decimal(0)))
        assert all(book.balance(inv, day) == expected[inv["number"]] for inv in book.invoices)


@pytest.mark.parametrize("seed", range(5))
def test_credit_sales_of_any_span_equal_the_sum_of_what_was_issued_in_it(seed):
    book, _, _ = _book(seed)
    for start, end in ((START, START + timedelta(days=30)), (START - timedelta(days=1), START + timedelta(days=89)),
                       (START + timedelta(days=45), START + timedelta(days=45)),
                       (START + timedelta(days=60), START + timedelta(days=10))):
        def issued_in(record):
            return start < date.fromisoformat(record["issue_date"]) <= end
        expected = (sum((r["total"] for r in book.invoices if issued_in(r)), Decimal(0))
                    - sum((r["total"] for r in book.credit_notes if issued_in(r)), Decimal(0)))
        assert book.credit_sales(start, end) == book.money(expected)
