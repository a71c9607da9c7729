"""A month of dunning, day by day, against a hand-worked table of the notices it must send.

Policy (levels by days from the due date):

    reminder   -3 days   min  0.00   min_days_between 0   email
    first       7 days   min 50.00   min_days_between 5   email
    final      21 days   min 50.00   min_days_between 7   slack, credit_hold

Invoices (EUR, all open on 2024-03-01):

    A1  a@x   due 03-05  100.00
    A2  a@x   due 03-10  200.00
    A3  a@x   due 03-19   60.00
    B1  b@x   due 03-02   30.00   below 50: reminders only
    C1  c@x   due 03-01  500.00   disputed all month: never
    D1  d@x   due 03-04   80.00   promise to pay until 03-20: nothing before 03-21
    E1  e@x   due 03-03  120.00   paid on 03-12: stops
    F1  f@x   due 03-05  100.00   partly paid on 03-08, 40.00 left: below 50 from then on

Worked out day by day (late = as_of − due):

    03-01  B1 late -1 → reminder; E1 late -2 → reminder; D1 late -3 held by its promise;
           A1 late -4 not yet.
    03-02  A1 late -3 → reminder; F1 late -3 → reminder.
    03-07  A2 late -3 → reminder (A's last notice 03-02; reminder needs 0 days).
    03-10  E1 late 7 → first (E's last notice 03-01, 9 days ≥ 5).
    03-12  A1 late 7 → first (5 days after 03-07 ≥ 5). E1 paid today: nothing more for E.
           F1 late 7, but 40.00 < 50: nothing.
    03-16  A3 late -3 → reminder (reminder needs 0 days since 03-12).
    03-17  A2 late 7 → first, but A's last notice was 03-16 (1 day < 5): wait …
    03-21  … 5 days: A2 (late 11) → first. D1 (late 17) → first, its promise over; it skips
           the reminder (the highest due level is sent).
    03-25  D1 late 21 → final, but D's last notice was 03-21 (4 < 7): wait.
    03-26  A1 late 21 → final, A3 late 7 → first; A's notice would be final, 5 days < 7: wait.
    03-28  7 days: A gets ONE final notice listing A1 (final) and A3 (first); D1 → final.
           Both customers go on credit hold.
    03-31  A2 late 21 → final, A's last notice 03-28 (3 < 7): nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.o2c.dunning import parse_policies, run_dunning, state
from hub.runs.ledger import EffectLedger
from hub.store import migrate
from hub.store.base import make_engine, make_sessionmaker
from hub.store.o2c_dunning import CreditHold, DunningNotice
from hub.store.upsert import upsert



def dun(sessions, connections, policy, day):
    """A dunning run outside a recipe: its own ledger, as a run of the weekday-dunning recipe has."""
    return run_dunning(sessions, connections, policy, day,
                       ledger=EffectLedger(sessions, run_id=None, recipe="weekday-dunning"))


POLICY = """\
dunning:
  standard:
    connections: {email: smtp, slack: slack}
    slack_channel: "#collections"
    levels:
      - {name: reminder, days: -3, channel: email}
      - {name: first, days: 7, min_amount: "50.00", min_days_between: 5, channel: email}
      - {name: final, days: 21, min_amount: "50.00", min_days_between: 7, channel: slack, action: credit_hold}
"""

INVOICES = [  # number, customer, due, total
    ("A1", "a", "2024-03-05", "100.00"),
    ("A2", "a", "2024-03-10", "200.00"),
    ("A3", "a", "2024-03-19", "60.00"),
    ("B1", "b", "2024-03-02", "30.00"),
    ("C1", "c", "2024-03-01", "500.00"),
    ("D1", "d", "2024-03-04", "80.00"),
    ("E1", "e", "2024-03-03", "120.00"),
    ("F1", "f", "2024-03-05", "100.00"),
]

EXPECTED = [  # (date, customer, level, invoices)
    ("2024-03-01", "b", "reminder", ["B1"]),
    ("2024-03-01", "e", "reminder", ["E1"]),
    ("2024-03-02", "a", "reminder", ["A1"]),
    ("2024-03-02", "f", "reminder", ["F1"]),
    ("2024-03-07", "a", "reminder", ["A2"]),
    ("2024-03-10", "e", "first", ["E1"]),
    ("2024-03-12", "a", "first", ["A1"]),
    ("2024-03-16", "a", "reminder", ["A3"]),
    ("2024-03-21", "a", "first", ["A2"]),
    ("2024-03-21", "d", "first", ["D1"]),
    ("2024-03-28", "a", "final", ["A1", "A3"]),
    ("2024-03-28", "d", "final", ["D1"]),
]


class FakeNotifier:
    """A connection whose notify action records what it was asked to send."""

    def __init__(self, name: str, sent: list):
        self.name, self.sent = name, sent

    def actions(self):
        return {"notify": self.notify}

    def notify(self, payload, context):
        self.sent.append((self.name, payload, context.idempotency_key))
        return {"ok": True, "n": len(self.sent)}


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def invoice(number: str, customer: str, due: str, total: str, *, due_amount: str | None = None,
            status: str = "open") -> dict:
    return {"number": number, "customer": {"email": f"{customer}@x.example", "name": customer.upper()},
            "currency": "EUR", "issue_date": "2024-02-01", "due_date": due, "total": total,
            "amount_due": due_amount if due_amount is not None else total, "status": status}


def store(sessions, record: dict) -> None:
    with sessions.begin() as session:
        upsert(session, "invoice", record)


def setup_month(sessions) -> None:
    for number, customer, due, total in INVOICES:
        store(sessions, invoice(number, customer, due, total))
    with sessions.begin() as session:
        state.set_dispute(session, "C1", disputed=True, reason="goods damaged")
        state.set_promise(session, "D1", date(2024, 3, 20))


def on_day(sessions, day: date) -> None:
    """What happens in the books on ``day`` before the dunning run."""
    if day == date(2024, 3, 8):
        store(sessions, invoice("F1", "f", "2024-03-05", "100.00", due_amount="40.00", status="partially_paid"))
    if day == date(2024, 3, 12):
        store(sessions, invoice("E1", "e", "2024-03-03", "120.00", due_amount="0.00", status="paid"))


def month():
    day = date(2024, 3, 1)
    while day <= date(2024, 3, 31):
        yield day
        day += timedelta(days=1)


def test_a_month_of_dunning_sends_exactly_the_prescribed_notices(sessions):
    policy = parse_policies(POLICY, "dunning.yaml")["standard"]
    sent: list = []
    connections = {"smtp": FakeNotifier("smtp", sent), "slack": FakeNotifier("slack", sent)}
    setup_month(sessions)
    notices = []
    for day in month():
        on_day(sessions, day)
        for result in dun(sessions, connections, policy, day):
            n = result.notice
            notices.append((day.isoformat(), n.customer.split(":")[1][0], n.level.name,
                            [i.number for i in n.invoices]))
        assert dun(sessions, connections, policy, day) == []  # a second run that day: nothing
    assert notices == EXPECTED
    assert len(sent) == len(EXPECTED)
    assert len({key for _, _, key in sent}) == len(sent)
    with sessions() as session:
        holds = [h.customer for h in state.credit_holds(session)]
        assert holds == ["email:a@x.example", "email:d@x.example"]
        assert state.on_credit_hold(session, "email:a@x.example")
        assert not state.on_credit_hold(session, "email:b@x.example")
        rows = session.execute(select(DunningNotice.invoice_number, DunningNotice.level)
                               .where(DunningNotice.invoice_number == "A3")).all()
        assert sorted(rows) == [("A3", "first"), ("A3", "reminder")]


def test_the_final_notice_lists_every_invoice_at_its_own_level(sessions):
    policy = parse_policies(POLICY, "dunning.yaml")["standard"]
    sent: list = []
    connections = {"smtp": FakeNotifier("smtp", sent), "slack": FakeNotifier("slack", sent)}
    setup_month(sessions)
    for day in month():
        on_day(sessions, day)
        dun(sessions, connections, policy, day)
    final_a = [p for conn, p, key in sent if conn == "slack" and "A1" in p["text"]]
    assert final_a == [{
        "channel": "#collections",
        "text": "Dear A, according to our records the invoices below are open.\n\n"
                "  A1  due 2024-03-05  (23 days overdue)  EUR 100.00\n"
                "  A3  due 2024-03-19  (9 days overdue)  EUR 60.00\n\n"
                "Total open: EUR 160.00",
    }]
    first_email = sent[0][1]
    assert first_email["to"] == ["b@x.example"]
    assert first_email["subject"] == "Payment reminder: 1 open invoice(s)"


def test_a_crash_after_sending_never_sends_twice(sessions, monkeypatch):
    """The notice is sent, then recording it fails; the retry finds it in the ledger."""
    policy = parse_policies(POLICY, "dunning.yaml")["standard"]
    sent: list = []
    connections = {"smtp": FakeNotifier("smtp", sent), "slack": FakeNotifier("slack", sent)}
    store(sessions, invoice("A1", "a", "2024-03-05", "100.00"))
    original = state.record_notice

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(state, "record_notice", crash)
    with pytest.raises(RuntimeError):
        dun(sessions, connections, policy, date(2024, 3, 12))
    monkeypatch.setattr(state, "record_notice", original)
    results = dun(sessions, connections, policy, date(2024, 3, 12))
    assert [r.reused for r in results] == [True]
    assert len(sent) == 1
    assert dun(sessions, connections, policy, date(2024, 3, 13)) == []


def test_amounts_in_notices_are_exact(sessions):
    policy = parse_policies(POLICY, "dunning.yaml")["standard"]
    store(sessions, invoice("A1", "a", "2024-03-05", "100.10"))
    store(sessions, invoice("A2", "a", "2024-03-05", "0.20"))
    sent: list = []
    results = dun(sessions, {"smtp": FakeNotifier("smtp", sent)}, policy, date(2024, 3, 2))
    assert results[0].notice.totals() == {"EUR": Decimal("100.30")}
    with sessions() as session:
        assert session.scalar(select(CreditHold)) is None
