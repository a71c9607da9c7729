"""One definition of "overdue and unpaid", read back through every place that uses it.

Each case is one invoice of its own customer, on 2024-03-31. The AR aging (its past-due part),
the late-payment query, dunning (a one-level policy, 1 day after the due date) and the credit
check (its overdue_days rule) must all see the same invoices overdue, for the same amount.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from decimal import Decimal

import pytest

import hub.store.o2c  # noqa: F401
from hub.o2c.credit.rules import Policy
from hub.o2c.credit.service import check_order
from hub.o2c.dunning import parse_policies, plan
from hub.o2c.dunning.state import open_invoices
from hub.o2c.queries import find_records
from hub.o2c.receivables import amount_still_due, customer_credits, is_overdue
from hub.o2c.reports import aging
from hub.o2c.reports.store import books, report
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.upsert import upsert

with suppress(ModuleNotFoundError):
    import hub.store.o2c_dunning  # noqa: F401

AS_OF = date(2024, 3, 31)
D = Decimal
LATE_ALERT = """\
dunning:
  late:
    connections: {slack: slack}
    levels:
      - {name: late, days: 1, channel: slack}
"""

# id, invoice fields, applications (amount, day), overdue amount (None: not overdue)
CASES = [
    ("open-nothing-due", {"status": "open", "amount_due": "0.00"}, [], None),
    ("partially-paid", {"status": "partially_paid", "amount_due": "30.00"}, [("70.00", "2024-03-10")], D("30.00")),
    # the ERP took a payment the hub never saw: its amount due wins over total − applications
    ("paid-in-the-erp", {"status": "open", "amount_due": "20.00"}, [("50.00", "2024-03-10")], D("20.00")),
    ("credit-note", {"kind": "credit_note", "status": "open", "credits_invoice": "void"}, [], None),
    ("not-yet-due", {"status": "open", "due_date": "2024-04-15"}, [], None),
    ("due-today", {"status": "open", "due_date": "2024-03-31"}, [], None),
    ("due-yesterday", {"status": "open", "due_date": "2024-03-30"}, [], D("100.00")),
    ("below-a-cent", {"status": "open", "amount_due": "0.004"}, [], None),
    ("written-off", {"status": "written_off", "amount_due": "100.00"}, [], None),
    ("void", {"status": "void"}, [], None),
    ("no-amount-due-given", {"status": "open", "amount_due": None}, [], D("100.00")),
]
OVERDUE = {name: amount for name, _, _, amount in CASES if amount is not None}


def invoice(name: str, fields: dict) -> dict:
    record = {"number": name, "currency": "EUR", "issue_date": "2024-02-01", "due_date": "2024-03-01",
              "total": "100.00", "amount_due": "100.00", "customer": {"email": f"{name}@x.example"}, **fields}
    return {k: v for k, v in record.items() if v is not None}


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        for name, fields, applications, _ in CASES:
            upsert(session, "customer", {"email": f"{name}@x.example", "currency": "EUR"})
            upsert(session, "invoice", invoice(name, fields))
            for index, (amount, day) in enumerate(applications):
                upsert(session, "payment_application", {"payment": f"P-{name}-{index}", "invoice": name,
                                                        "amount": amount, "currency": "EUR",
                                                        "applied_at": f"{day}T10:00:00Z"})
        session.flush()
        yield session
    engine.dispose()


@pytest.mark.parametrize(("name", "fields", "expected"), [(c[0], c[1], c[3]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_definition(name, fields, expected):
    record = invoice(name, fields)
    assert is_overdue(record, AS_OF) is (expected is not None)
    if expected is not None:
        assert amount_still_due(record) == expected


def test_the_late_payment_query_lists_exactly_the_overdue_invoices(session):
    found = find_records(session, "invoice", where={}, overdue=True, as_of=AS_OF)
    assert {r["number"]: amount_still_due(r) for r in found} == OVERDUE
    assert {r["number"]: r["days_overdue"] for r in found}["due-yesterday"] == 1


def test_the_aging_past_due_part_is_exactly_the_overdue_amount(session):
    book = books(session)["EUR"]
    past_due = {inv["number"]: owed for inv, owed in book.open_items(AS_OF) if inv["due_date"] < AS_OF.isoformat()}
    assert past_due == OVERDUE
    buckets = aging(book, AS_OF)
    assert buckets["total"] - buckets["current"] == sum(OVERDUE.values())


def test_dunning_lists_exactly_the_overdue_invoices(session):
    policy = parse_policies(LATE_ALERT, "dunning.yaml")["late"]
    notices = plan(open_invoices(session), [], policy, AS_OF)
    assert {i.number: i.amount_due for n in notices for i in n.invoices} == OVERDUE


def test_the_credit_check_counts_exactly_the_overdue_invoices(session):
    policy = Policy(max_overdue_days=0)
    for name, *_ in CASES:
        order = {"number": f"O-{name}", "currency": "EUR", "customer": {"email": f"{name}@x.example"},
                 "totals": {"total": "1.00"}}
        rules = {r["rule"]: r for r in check_order(session, order, policy, prepaid=False, run_id=None,
                                                    today=AS_OF).rules}
        assert rules["overdue_days"]["fired"] is (name in OVERDUE), name


# --- customer credit --------------------------------------------------------------------------


def test_a_stored_overpayment_is_customer_credit_once_and_nets_the_customers_balance(session):
    """As the Stripe recipe stores it: the payment, what the invoice took, the rest as credit."""
    upsert(session, "payment", {"reference": "pi_1", "amount": "150.00", "currency": "EUR",
                                "received_at": "2024-03-20T09:00:00Z", "status": "received"})
    for _ in range(2):  # a retry stores the same applications again
        upsert(session, "payment_application", {"payment": "pi_1", "invoice": "due-yesterday", "kind": "applied",
                                                "amount": "100.00", "currency": "EUR",
                                                "applied_at": "2024-03-20T09:00:00Z"})
        upsert(session, "payment_application", {"payment": "pi_1", "kind": "credit", "amount": "50.00",
                                                "currency": "EUR", "applied_at": "2024-03-20T09:00:00Z"})
    upsert(session, "invoice", invoice("due-yesterday", {"status": "paid", "amount_due": "0.00",
                                                         "due_date": "2024-03-30"}))
    session.flush()
    (credit,) = customer_credits(session)
    customer = find_records(session, "customer", where={"email": "due-yesterday@x.example"})[0]["id"]
    assert (credit.payment, credit.amount, credit.customer_id) == ("pi_1", D("50.00"), customer)
    eur = report(session, "balances", AS_OF)["EUR"]
    assert (eur["customer_credit"], eur["balance"]) == (D("50.00"), eur["receivables"] - D("50.00"))
    mine = next(row for row in eur["customers"] if row["customer_id"] == customer)
    assert (mine["open"], mine["credit"], mine["balance"]) == (D("0.00"), D("50.00"), D("-50.00"))
    assert report(session, "kpis", AS_OF)["EUR"]["customer_credit"] == D("50.00")
