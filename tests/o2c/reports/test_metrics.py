"""AR metrics on a hand-worked book (EUR), to the cent. The same example is in docs/ar-reporting.md.

Invoices (issue → due, total; settlements)                 balance 03-31  days past due  bucket
    I1  2023-12-15 → 2024-01-14  1000.00  P1 600.00 on 02-10     400.00        77      61-90
    I2  2024-01-20 → 2024-02-19   500.00                          500.00        41      31-60
    I3  2024-03-01 → 2024-03-31   300.00                          300.00         0      current
    I4  2024-03-10 → 2024-03-20   200.00  CN1 50.00 on 03-15      150.00        11      1-30
    I5  2024-02-01 → 2024-03-02   800.00  P2 800.00 on 03-05        0.00         -      -
    I6  2023-10-01 → 2023-10-31   250.00                          250.00       152      90+
    I7  2024-03-25 → 2024-04-24   100.00                          100.00        -7      current

Aging on 2024-03-31: current 400.00, 1-30 150.00, 31-60 500.00, 61-90 400.00, 90+ 250.00,
total 1700.00.

DSO over 90 days (2024-01-01, 2024-03-31]:
    credit sales = I2 500 + I3 300 + I4 200 + I5 800 + I7 100 − CN1 50 = 1850.00
    beginning AR (end of 01-01) = I1 1000 + I6 250 = 1250.00; ending AR 1700.00; current 400.00
    simple        1700 / 1850 × 90              = 82.70 → 82.7
    average AR    (1250 + 1700) / 2 / 1850 × 90 = 71.76 → 71.8
    best possible 400 / 1850 × 90               = 19.46 → 19.5
    ADD           (1700 − 400) / 1850 × 90      = 63.24 → 63.2
    countback     March sales 550 (31 days) → 1150 left; February 800 (29 days) → 350 left;
                  January 500: 350 / 500 × 31 = 21.7 → 31 + 29 + 21.7 = 81.7

CEI over 30 days (2024-03-01, 2024-03-31]:
    beginning AR (end of 03-01) = I1 400 + I2 500 + I3 300 + I5 800 + I6 250 = 2250.00
    credit sales = I4 200 + I7 100 − CN1 50 = 250.00
    (2250 + 250 − 1700) / (2250 + 250 − 400) × 100 = 800 / 2100 × 100 = 38.10 → 38.1
  over 90 days: (1250 + 1850 − 1700) / (1250 + 1850 − 400) × 100 = 1400 / 2700 × 100 → 51.9

Unapplied cash on 03-31: P3 150.00 (no application), P4 100.00 (kept as customer credit);
P5 (received 04-02) not yet → 250.00 in 2 payments.

Auto-match rate from applications: P1 plain applied (automatic), P2 applied with a reason
(a person's decision), P4 credit → 1 of 3 = 33.3 %. From cash application decisions
[auto_applied, auto_applied, proposed, accepted, unmatched] → 2 of 5 = 40.0 %.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.canonical import check
from hub.o2c.reports import Book, aging, auto_match_rate, cei, dso, unapplied_cash

AS_OF = date(2024, 3, 31)
D = Decimal


def inv(number, issued, due, total, amount_due=None, status="open", **extra):
    return check("invoice", {"number": number, "currency": "EUR", "issue_date": issued, "due_date": due,
                             "total": total, "amount_due": amount_due or total, "status": status,
                             "customer": {"email": "ap@acme.example"}, **extra})


def pay(reference, amount, received):
    return check("payment", {"reference": reference, "amount": amount, "currency": "EUR",
                             "received_at": f"{received}T09:00:00Z", "status": "received"})


def app(payment, invoice, amount, when, kind="applied", reason=None):
    record = {"payment": payment, "amount": amount, "currency": "EUR", "kind": kind,
              "applied_at": f"{when}T10:00:00Z"}
    record.update({"invoice": invoice} if invoice else {})
    record.update({"reason": reason} if reason else {})
    return check("payment_application", record)


INVOICES = [
    inv("I1", "2023-12-15", "2024-01-14", "1000.00", "400.00", "partially_paid"),
    inv("I2", "2024-01-20", "2024-02-19", "500.00"),
    inv("I3", "2024-03-01", "2024-03-31", "300.00"),
    inv("I4", "2024-03-10", "2024-03-20", "200.00", "150.00", "partially_paid"),
    inv("I5", "2024-02-01", "2024-03-02", "800.00", "0.00", "paid"),
    inv("I6", "2023-10-01", "2023-10-31", "250.00"),
    inv("I7", "2024-03-25", "2024-04-24", "100.00"),
    inv("CN1", "2024-03-15", "2024-03-15", "50.00", "0.00", "paid", kind="credit_note", credits_invoice="I4"),
    inv("X1", "2024-03-01", "2024-03-31", "999.00", currency="USD"),
    inv("V1", "2024-03-01", "2024-03-31", "999.00", status="void"),
]
PAYMENTS = [pay("P1", "600.00", "2024-02-10"), pay("P2", "800.00", "2024-03-05"),
            pay("P3", "150.00", "2024-03-28"), pay("P4", "100.00", "2024-03-30"),
            pay("P5", "75.00", "2024-04-02")]
APPLICATIONS = [app("P1", "I1", "600.00", "2024-02-10"),
                app("P2", "I5", "800.00", "2024-03-05", reason="accepted by the AR clerk"),
                app("P4", None, "100.00", "2024-03-30", kind="credit")]


@pytest.fixture
def book():
    return Book.of("EUR", invoices=INVOICES, payments=PAYMENTS, applications=APPLICATIONS)


def test_aging(book):
    assert aging(book, AS_OF) == {"current": D("400.00"), "1-30": D("150.00"), "31-60": D("500.00"),
                                  "61-90": D("400.00"), "90+": D("250.00"), "total": D("1700.00")}


def test_dso_family(book):
    d = dso(book, AS_OF, 90)
    assert (d.credit_sales, d.beginning_receivables, d.receivables, d.current_receivables) == (
        D("1850.00"), D("1250.00"), D("1700.00"), D("400.00"))
    assert (d.simple, d.average, d.best_possible, d.average_days_delinquent, d.countback) == (
        D("82.7"), D("71.8"), D("19.5"), D("63.2"), D("81.7"))


def test_cei(book):
    month = cei(book, AS_OF, 30)
    assert (month.beginning_receivables, month.credit_sales, month.index) == (D("2250.00"), D("250.00"), D("38.1"))
    assert cei(book, AS_OF, 90).index == D("51.9")


def test_unapplied_cash(book):
    assert unapplied_cash(book, AS_OF) == [
        {"reference": "P3", "received": "2024-03-28", "amount": D("150.00"), "unapplied": D("150.00")},
        {"reference": "P4", "received": "2024-03-30", "amount": D("100.00"), "unapplied": D("100.00")},
    ]


def test_auto_match_rate_from_applications_and_from_decisions(book):
    rate = auto_match_rate(book)
    assert (rate.automatic, rate.total, rate.rate, rate.source) == (1, 3, D("33.3"), "payment_applications")
    decided = Book.of("EUR", invoices=INVOICES, match_statuses=[
        "auto_applied", "auto_applied", "proposed", "accepted", "unmatched"])
    assert auto_match_rate(decided).rate == D("40.0")


def test_no_sales_means_no_dso():
    empty = Book.of("EUR")
    d = dso(empty, AS_OF, 30)
    assert (d.simple, d.countback, d.best_possible) == (None, None, None)
    assert aging(empty, AS_OF)["total"] == D("0.00")


def test_minor_units_follow_the_currency():
    yen = Book.of("JPY", invoices=[check("invoice", {"number": "J1", "currency": "JPY", "total": "1000",
                                                     "issue_date": "2024-03-01", "due_date": "2024-03-10",
                                                     "status": "open"})])
    assert aging(yen, AS_OF)["1-30"] == D("1000")


def test_a_refund_credit_note_of_a_paid_invoice_never_counts_as_owed_on_earlier_days():
    # 100.00 paid on 2 January, then 30.00 credited on 10 January and paid back as a refund:
    # the invoice owed 100.00 before the payment and nothing after it, never 130.00 or 30.00
    paid = inv("R1", "2024-01-01", "2024-01-31", "100.00", "0.00", "paid")
    note = inv("RC1", "2024-01-10", "2024-01-10", "30.00", "0.00", "paid", kind="credit_note", credits_invoice="R1")
    refund_book = Book.of("EUR", invoices=[paid, note], applications=[app("PR", "R1", "100.00", "2024-01-02")])
    assert [refund_book.balance(paid, date(2024, 1, day)) for day in (1, 5, 12)] == [D("100.00"), D("0.00"),
                                                                                   D("0.00")]
