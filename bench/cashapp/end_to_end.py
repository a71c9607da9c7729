"""Cash application end to end: money received in the store → decided → applications written.

    .venv/bin/python -m bench.cashapp.end_to_end                                   # 3,000 payments
    .venv/bin/python -m bench.cashapp.end_to_end --customers 2000 --invoices 40000 --payments 20000
    .venv/bin/python -m bench.cashapp.end_to_end --postgres                        # the same on PostgreSQL

The generated data set (bench/cashapp/generate.py) is stored the way the hub stores it
(customers with their bank accounts and payer names, open invoices, the learned IBANs, then the
payments and bank credits through hub.o2c.records.store_record, as the connectors and ``bank
import`` do); that loading is timed apart. Then what ``o2c-hub cashapp run`` does is timed: the
cash_apply step's CashApplication(session).run() and its commit, with the matcher's index built
from the store. Printed: payments decided per second end to end, and where the time went
(loading the matcher, matching, writing the decisions, the commit).

The decisions are checked against the matcher alone: the same remittances, read back from the
store, matched in memory over the same book and directory (each auto-application settled, as
the service does) must get the same status and the same invoices, payment by payment; and the
store must hold one proposal per payment and, for each invoice, an amount due equal to its
opening amount less what was applied to it. The target (issue: performance): 1,000 payments
a second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import func, select, text

from bench.cashapp.generate import DataSet, generate
from hub.o2c.cashapp.book import settle
from hub.o2c.cashapp.loading import load_book, load_directory
from hub.o2c.cashapp.matcher import Matcher
from hub.o2c.cashapp.service import CashApplication
from hub.o2c.cashapp.unapplied import undecided
from hub.o2c.records import store_record
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.o2c import Invoice, PaymentApplication
from hub.store.o2c_cash import CustomerIban, MatchProposal

TARGET = 1000.0  # payments a second, end to end
ACCOUNT = "DE02120300000000202051"  # the company's own account the credits arrive on


def store_data_set(sessions, data: DataSet) -> dict[int, int]:
    """Customers, open invoices, learned IBANs, then the money received; the store's customer
    id of each generated customer."""
    ids: dict[int, int] = {}
    with sessions.begin() as session:
        for cid, name in data.names.items():
            record = {"name": name, "external_refs": [{"system": "bench", "id": str(cid)}],
                      "bank_accounts": [{"iban": iban} for iban in data.accounts.get(cid, []) if iban],
                      "payer_names": data.payer_names.get(cid, [])}
            ids[cid] = store_record(session, "customer", {k: v for k, v in record.items() if v}).id
        for invoice in data.invoices:
            store_record(session, "invoice", invoice_record(invoice), known_customer=True)
        for iban, cid in ((i, c) for i, c in data.known_ibans.items() if i):
            session.add(CustomerIban(iban=iban, customer_id=ids[cid], learned_from="bench"))
    with sessions.begin() as session:
        for payment in data.payments:
            remittance = payment.remittance
            if remittance.source == "payment":
                store_record(session, "payment", payment_record(remittance))
            else:
                store_record(session, "bank_transaction", bank_record(remittance))
    return ids


def invoice_record(invoice) -> dict:
    open_status = "open" if invoice.open == invoice.total else "partially_paid"
    record = {"number": invoice.number, "kind": "invoice", "currency": invoice.currency, "total": str(invoice.total),
              "amount_due": str(invoice.open), "status": open_status,
              "customer": {"external_refs": [{"system": "bench", "id": str(invoice.customer_id)}]},
              "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
              "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
              "payment_reference": invoice.payment_reference,
              "external_refs": [{"system": "stripe", "id": sid} for sid in invoice.stripe_ids] or None}
    if invoice.discount is not None:
        days = (invoice.discount.until - invoice.issue_date).days
        record["payment_term"] = f"{invoice.discount.rate * 100:g}/{days} NET30"
    return {k: v for k, v in record.items() if v is not None}


def payment_record(remittance) -> dict:
    texts = list(remittance.texts) + [None] * 4
    record = {"reference": remittance.reference, "amount": str(remittance.amount), "currency": remittance.currency,
              "status": "received", "remittance_info": texts[0],
              "received_at": f"{remittance.on.isoformat()}T12:00:00Z" if remittance.on else None,
              "attributes": {k: v for k, v in (("invoice_number", texts[1]), ("stripe_invoice", texts[2]),
                                               ("stripe_id", texts[3])) if v} or None,
              "payer": {k: v for k, v in (("name", remittance.payer_name), ("iban", remittance.payer_iban)) if v} or None}
    return {k: v for k, v in record.items() if v is not None}


def bank_record(remittance) -> dict:
    texts = list(remittance.texts) + [None] * 4
    on = remittance.on.isoformat() if remittance.on else "2024-06-30"
    record = {"id": remittance.reference, "account": {"id": ACCOUNT}, "booking_date": on, "value_date": on,
              "amount": str(remittance.amount), "currency": remittance.currency,
              "remittance_info": texts[0], "additional_info": texts[1], "end_to_end_id": texts[2],
              "counterparty": {k: v for k, v in (("name", remittance.payer_name), ("iban", remittance.payer_iban)) if v}}
    return {k: v for k, v in record.items() if v not in (None, {})}


def expected_decisions(sessions) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """What the matcher alone decides for every undecided remittance of the store."""
    with sessions() as session:
        matcher = Matcher(load_book(session), load_directory(session))
        remittances = [r for r in undecided(session) if r.amount > 0]
    decided = {}
    for remittance in remittances:
        decision = matcher.match(remittance)
        best = decision.best
        status = {"auto": "auto_applied", "proposal": "proposed", "unmatched": "unmatched"}[decision.status]
        decided[(remittance.source, remittance.reference)] = (status, tuple(best.numbers) if best and status != "unmatched" else ())
        if decision.status == "auto":  # every line lowers what is due: applied, discount, write-off
            for line in best.allocation.lines:
                if line.invoice_id in matcher.book.by_id:
                    settle(matcher.book, line.invoice_id, matcher.book.by_id[line.invoice_id].open - line.amount)
            if remittance.payer_iban and best.customer_id is not None:
                matcher.customers.learn_iban(remittance.payer_iban, best.customer_id)
    return decided


def run_cash_application(sessions) -> dict:
    """CashApplication.run() in one transaction, as the cash_apply step runs it; timed."""
    started, cpu = time.perf_counter(), time.process_time()
    session = sessions()
    try:
        cash = CashApplication(session)  # reads the open invoices and customers, builds the index
        loaded = time.perf_counter()
        outcomes = cash.run()
        decided = time.perf_counter()
        session.commit()
        committed = time.perf_counter()
    finally:
        session.close()
    return {"outcomes": outcomes, "load_s": loaded - started, "decide_s": decided - loaded,
            "commit_s": committed - decided, "total_s": committed - started, "cpu_s": time.process_time() - cpu}


def check(sessions, data: DataSet, expected: dict, outcomes: list) -> list[str]:
    """What differs from the matcher alone, and from the books (empty: nothing)."""
    problems = []
    got = {(o.source, o.reference): (o.status, tuple(o.invoices) if o.status != "unmatched" else ()) for o in outcomes}
    for key, want in expected.items():
        if got.get(key) != want:
            problems.append(f"{key[1]}: matcher alone {want}, end to end {got.get(key)}")
    if len(got) != len(expected):
        problems.append(f"{len(got)} decisions end to end, {len(expected)} remittances")
    opening = {i.number: i.open for i in data.invoices}
    with sessions() as session:
        proposals = session.scalar(select(func.count()).select_from(MatchProposal))
        if proposals != len(expected):
            problems.append(f"{proposals} proposals stored for {len(expected)} payments")
        applied: Counter = Counter()
        for number, amount in session.execute(select(PaymentApplication.invoice_number, PaymentApplication.amount)
                                              .where(PaymentApplication.invoice_number.is_not(None))):
            applied[number] += Decimal(amount)
        for number, due in session.execute(select(Invoice.number, Invoice.amount_due)):
            if number in opening and Decimal(due) != opening[number] - applied[number]:
                problems.append(f"invoice {number}: due {due}, opened at {opening[number]} less {applied[number]} applied")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--payments", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL (a fresh database on 127.0.0.1)")
    args = parser.parse_args()

    data = generate(customers=args.customers, invoices=args.invoices, payments=args.payments, seed=args.seed)
    with tempfile.TemporaryDirectory() as folder, database(folder, postgres=args.postgres) as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        started = time.perf_counter()
        store_data_set(sessions, data)
        stored = time.perf_counter() - started
        expected = expected_decisions(sessions)
        ran = run_cash_application(sessions)
        problems = check(sessions, data, expected, ran["outcomes"])
        engine.dispose()

    counts = Counter(o.status for o in ran["outcomes"])
    rate = len(ran["outcomes"]) / ran["total_s"]
    print(f"store: {'PostgreSQL' if args.postgres else 'SQLite'}   {len(data.payments):,} payments against "
          f"{len(data.invoices):,} open invoices of {len(data.names):,} customers, seed {args.seed}   "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"stored the data set in {stored:.1f} s (not part of the figure)")
    print(f"decided {len(ran['outcomes']):,}: " + ", ".join(f"{s} {n:,}" for s, n in sorted(counts.items())))
    print(f"cash application end to end {ran['total_s']:.1f} s = {rate:,.0f} payments/s "
          f"(CPU {ran['cpu_s']:.1f} s): matcher loaded from the store {ran['load_s']:.1f} s, "
          f"matched and written {ran['decide_s']:.1f} s, commit {ran['commit_s']:.1f} s")
    print(f"target {TARGET:,.0f} payments/s: {'met' if rate >= TARGET else 'not met'} ({rate / TARGET:.2f}x)")
    print("decisions: same as the matcher alone, books balance" if not problems else
          f"DECISIONS DIFFER ({len(problems)}):\n  " + "\n  ".join(problems[:20]))
    raise SystemExit(1 if problems else 0)


@contextmanager
def database(folder: str, *, postgres: bool) -> Iterator[str]:
    """An SQLite file in ``folder``, or a fresh database on the local PostgreSQL (trust
    authentication) dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{folder}/bench.db"
        return
    admin = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    name = f"o2c_bench_cashapp_{os.getpid()}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
