"""How fast every console page answers on a large store.

    .venv/bin/python bench/console_pages.py                # seed (about a minute) and time
    .venv/bin/python bench/console_pages.py --reuse        # time the store seeded last time
    .venv/bin/python bench/console_pages.py --postgres     # the same on PostgreSQL (127.0.0.1:5432)

Seeds a hub made from the bundled starter (its recipes and config) with 100,000 runs (each
with its event, three step runs and an effect), 50,000 orders, invoices and credit checks,
their payments, applications and cash application decisions, credit notes, bank lines,
reconciliation exceptions and dunning notices, all with SQLAlchemy Core bulk inserts into the
hub's own tables. Then it logs in a console user through Flask's test client and loads each
page of the navigation, a run, an order's 360° view, a runs search by order number and
GET /api/v1/reports/kpis: once (the first load, in a new web process) and then --repeat times,
and prints the first load, the median and the max in ms with the ratio of each to the --target
(300 ms). The first console page a logged-in user opens starts today's AR sums in the
background (hub.o2c.reports.kept), as in a real process; the last line times the kpis call of
a new web process in which nobody opened a console page (nothing kept: the sums worked out in
the request).

The SQLite store is kept in a folder under the temp dir (--dir) so that --reuse skips the
seeding; PostgreSQL gets a fresh database (o2c_console_bench_<pid>), dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from random import Random

from sqlalchemy import insert, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hub import jsonutil  # noqa: E402
from hub.hub import Hub  # noqa: E402
from hub.init_cli import write_site  # noqa: E402
from hub.store.base import Base  # noqa: E402
from hub.users import add_user  # noqa: E402
from hub.web import create_app  # noqa: E402

USER, PASSWORD = "bench", "a long bench password"
ADMIN_TOKEN = "demo-admin-token"  # the starter config's default
BATCH = 5000
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed loads per page after the first")
    parser.add_argument("--target", type=float, default=300.0, help="ms a page should answer within")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "o2c-console-bench")
    parser.add_argument("--reuse", action="store_true", help="time the store seeded before, if it is there")
    parser.add_argument("--postgres", action="store_true", help="seed and time a fresh PostgreSQL database")
    args = parser.parse_args()
    site = args.dir / ("postgres" if args.postgres else "sqlite")
    with _database(args, site) as url:
        os.environ["O2C_DATABASE_URL"] = url
        hub = Hub.from_config(site / "config.yaml")
        try:
            seeded = (site / "seeded").exists() and args.reuse and not args.postgres
            if not seeded:
                started = time.monotonic()
                hub.migrate()
                sizes = seed(hub, runs=args.runs, invoices=args.invoices)
                (site / "seeded").write_text(jsonutil.dumps(sizes))
                print(f"seeded in {time.monotonic() - started:.0f} s: {sizes}")
            print(f"store: {url}  ({(site / 'seeded').read_text()})")
            rows = time_pages(hub, repeat=args.repeat)
            cold = time_cold_kpis(hub, repeat=3)
        finally:
            hub.close()
    print_table(rows, args.target)
    print(f"\nAPI reports/kpis with nothing kept (a new web process, no console page opened): "
          f"median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms of {len(cold)}")
    return 0


@contextmanager
def _database(args, site: Path):
    """The site folder (starter files) and the database URL to use."""
    if not args.reuse or not (site / "config.yaml").exists():
        if site.exists():
            for path in sorted(site.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
        site.mkdir(parents=True, exist_ok=True)
        write_site(site)
    if not args.postgres:
        yield f"sqlite:///{site / 'var' / 'bench.db'}"
        return
    from sqlalchemy import create_engine

    name = f"o2c_console_bench_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- seeding ------------------------------------------------------------------------------------


def seed(hub: Hub, *, runs: int, invoices: int) -> dict[str, int]:
    """Fill the store; the number of rows of each table written."""
    rnd = Random(42)
    today = date.today()
    tables = Base.metadata.tables
    counts: dict[str, int] = {}
    with hub.engine.begin() as conn:
        def put(table: str, rows) -> None:
            batch, total = [], 0
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    conn.execute(insert(tables[table]), batch)
                    total, batch = total + len(batch), []
            if batch:
                conn.execute(insert(tables[table]), batch)
                total += len(batch)
            counts[table] = counts.get(table, 0) + total

        add_customers(put, rnd, customers=max(invoices // 25, 10))
        add_receivables(put, rnd, today, invoices=invoices, customers=max(invoices // 25, 10))
        add_runs(put, rnd, hub, runs=runs, orders=invoices)
    add_user(hub.sessions, USER, "admin", PASSWORD, who="the bench", reason="console speed benchmark")
    return counts


def _now(day: date, rnd: Random) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(
        seconds=rnd.randrange(86_400))


def _customer_email(n: int) -> str:
    return f"ap{n}@customer{n}.example"


def add_customers(put, rnd: Random, *, customers: int) -> None:
    put("customers", ({"id": n, "name": f"Customer {n} GmbH", "email": _customer_email(n), "currency": "EUR",
                       "credit_limit": Decimal(rnd.choice((5000, 20000, 100000))), "blocked": False,
                       "payment_term": "net 30",
                       "data": {"name": f"Customer {n} GmbH", "email": _customer_email(n), "currency": "EUR"}}
                      for n in range(1, customers + 1)))


def add_receivables(put, rnd: Random, today: date, *, invoices: int, customers: int) -> None:
    """Orders, invoices (1 in 100 credited), payments and their applications, cash application
    decisions, credit checks, bank lines, reconciliation exceptions and dunning notices."""
    orders, docs, refs, payments, apps, proposals, checks, credits = [], [], [], [], [], [], [], []
    for n in range(1, invoices + 1):
        customer = rnd.randrange(1, customers + 1)
        currency = "USD" if n % 10 == 0 else "EUR"
        issued = today - timedelta(days=rnd.randrange(0, 400))
        due = issued + timedelta(days=30)
        total = Decimal(rnd.randrange(2000, 500000)) / 100
        number, order = f"INV-{n:06d}", f"SO-{n:06d}"
        party = {"email": _customer_email(customer)}
        orders.append({"id": n, "number": order, "customer_id": customer, "currency": currency,
                       "order_date": issued, "status": "invoiced", "total": total,
                       "data": {"number": order, "currency": currency, "customer": party,
                                "order_date": issued.isoformat(), "total": str(total),
                                "lines": [{"sku": f"SKU-{n % 300}", "quantity": "1", "unit_price": str(total)}]}})
        refs.append({"system": "shopify", "entity": "sales_order", "external_id": str(4_500_000 + n), "canonical_id": n})
        refs.append({"system": "erp", "entity": "invoice", "external_id": f"erp-{n}", "canonical_id": n})
        paid = _paid_part(rnd, total, issued, today)
        due_now = total - paid
        status = "paid" if due_now == 0 else "partially_paid" if paid else "open"
        docs.append(_invoice_row(n, number, order, customer, currency, issued, due, total, due_now, status, party))
        if paid:
            ref = f"pi_{n:06d}"
            received = issued + timedelta(days=rnd.randrange(5, 60))
            received = min(received, today)
            at = _now(received, rnd)
            payments.append({"id": len(payments) + 1, "reference": ref, "customer_id": customer, "amount": paid,
                             "currency": currency, "received_at": at, "value_date": received, "method": "card",
                             "status": "received", "data": {"reference": ref, "amount": str(paid),
                                                            "currency": currency, "received_at": at.isoformat(),
                                                            "value_date": received.isoformat(), "status": "received",
                                                            "customer": party}})
            kind = "discount" if n % 97 == 0 else "applied"
            apps.append({"payment_reference": ref, "payment_id": len(payments), "invoice_number": number,
                         "invoice_id": n, "kind": kind, "amount": paid, "currency": currency, "applied_at": at,
                         "data": {"payment": ref, "invoice": number, "kind": kind, "amount": str(paid),
                                  "currency": currency, "applied_at": at.isoformat()}})
            status_p = "auto_applied" if n % 50 else rnd.choice(("proposed", "accepted", "unmatched", "rejected"))
            proposals.append({"source": "payment", "payment_reference": ref, "amount": paid, "currency": currency,
                              "status": status_p, "score": 95, "customer_id": customer, "invoices": [number],
                              "allocation": {number: str(paid)}, "reasons": ["invoice number in the remittance"],
                              "created_at": at})
        held = n % 150 == 0
        checks.append({"order_number": order, "customer_id": customer, "customer": party["email"],
                       "currency": currency, "order_total": total, "exposure": total * 2,
                       "credit_limit": Decimal(20000), "decision": "held" if held else "approved",
                       "rules": [{"rule": "credit_limit", "fired": held, "skipped": False, "value": str(total * 2), "limit": "20000",
                                  "message": "exposure over the credit limit"}],
                       "checked_at": _now(issued, rnd)})
        if n % 100 == 0 and status == "paid":
            credits.append(_credit_note(invoices + len(credits) + 1, number, n, customer, currency, total, issued,
                                        today, party))
    put("sales_orders", orders)
    put("invoices", docs)
    put("invoices", credits)
    put("external_refs", refs)
    put("payments", payments)
    put("payment_applications", apps)
    put("match_proposals", proposals)
    put("credit_checks", checks)
    put("bank_transactions", _bank_lines(rnd, today, count=invoices // 10))
    put("reconciliation_exceptions", _exceptions(rnd, today, count=invoices // 10))
    put("dunning_notices", ({"policy": "standard", "invoice_number": f"INV-{n:06d}", "customer": _customer_email(n % 50 + 1),
                             "level": "reminder", "notice_level": "reminder", "channel": "email", "connection": "mail",
                             "effect_key": f"dunning:INV-{n:06d}:reminder", "as_of": today, "sent_at": _now(today, rnd)}
                            for n in range(1, invoices + 1, 20)))


def _paid_part(rnd: Random, total: Decimal, issued: date, today: date) -> Decimal:
    age = (today - issued).days
    roll = rnd.random()
    if age > 60 and roll < 0.85 or age <= 60 and roll < 0.4:
        return total
    if roll < 0.92:
        return (total / 2).quantize(Decimal("0.01"))
    return Decimal(0)


def _invoice_row(n, number, order, customer, currency, issued, due, total, due_now, status, party) -> dict:
    return {"id": n, "number": number, "kind": "invoice", "customer_id": customer, "sales_order_id": n,
            "order_number": order, "currency": currency, "issue_date": issued, "due_date": due, "status": status,
            "subtotal": total, "tax_total": Decimal(0), "total": total, "amount_due": due_now,
            "data": {"number": number, "kind": "invoice", "currency": currency, "total": str(total),
                     "amount_due": str(due_now), "status": status, "issue_date": issued.isoformat(),
                     "due_date": due.isoformat(), "customer": party, "order_number": order}}


def _credit_note(ident, number, n, customer, currency, total, issued, today, party) -> dict:
    note = f"CN-{n:06d}"
    on = min(issued + timedelta(days=10), today)
    part = (total / 4).quantize(Decimal("0.01"))
    return {"id": ident, "number": note, "kind": "credit_note", "credits_invoice_id": n, "customer_id": customer,
            "currency": currency, "issue_date": on, "due_date": on, "status": "paid", "total": part,
            "amount_due": Decimal(0),
            "data": {"number": note, "kind": "credit_note", "credits_invoice": number, "currency": currency,
                     "total": str(part), "amount_due": "0", "status": "paid", "issue_date": on.isoformat(),
                     "due_date": on.isoformat(), "customer": party}}


def _bank_lines(rnd: Random, today: date, *, count: int):
    for n in range(1, count + 1):
        on = today - timedelta(days=rnd.randrange(0, 200))
        amount = Decimal(rnd.randrange(1000, 300000)) / 100
        yield {"dedupe_id": f"bt-{n}", "account_id": "DE02120300000000202051", "booking_date": on, "value_date": on,
               "amount": amount, "currency": "EUR", "counterparty_name": f"Payer {n}",
               "counterparty_iban": f"NL{n:016d}", "remittance_info": f"INV-{n:06d}", "statement_id": f"STMT-{on:%Y-%m}",
               "data": {"id": f"bt-{n}", "booking_date": on.isoformat(), "amount": str(amount), "currency": "EUR"}}


def _exceptions(rnd: Random, today: date, *, count: int):
    for n in range(1, count + 1):
        kind = rnd.choice(("missing_left", "missing_right", "mismatched"))
        yield {"reconciliation": rnd.choice(("storefront-vs-erp", "stripe-vs-erp", "erp-vs-bank")), "kind": kind,
               "key": f"SO-{n:06d}", "field": "total" if kind == "mismatched" else "",
               "left_value": "10.00", "right_value": "10.01" if kind == "mismatched" else None,
               "status": "open" if n % 5 == 0 else "resolved", "first_seen_at": _now(today, rnd),
               "last_seen_at": _now(today, rnd)}


def add_runs(put, rnd: Random, hub: Hub, *, runs: int, orders: int) -> None:
    """Runs of the loaded recipes, each for its own event carrying a Shopify-like order."""
    recipes = sorted(hub.recipes.items())
    start = datetime.now(timezone.utc) - timedelta(days=90)
    events, run_rows, steps, effects = [], [], [], []
    for n in range(1, runs + 1):
        slug, built = recipes[n % len(recipes)]
        order = f"SO-{(n % orders) + 1:06d}"
        at = start + timedelta(seconds=n * 90 * 86_400 // runs)
        body = jsonutil.dumps({"id": 4_500_000 + n, "name": order, "email": f"buyer{n}@example.com",
                               "total_price": "119.00", "currency": "EUR", "note": "x" * rnd.randrange(200, 1200),
                               "line_items": [{"sku": f"SKU-{n % 300}", "quantity": 1, "price": "119.00"}]})
        events.append({"id": n, "source": "webhook", "connection": "shop", "topic": "orders/create",
                       "dedupe_key": f"shop:{uuid.UUID(int=n)}", "headers": {"X-Shopify-Topic": "orders/create"},
                       "body": body.encode(), "received_at": at})
        status = "dead" if n % 50 == 0 else "succeeded"
        run_rows.append({"id": n, "recipe": slug, "recipe_hash": built.recipe.hash, "event_id": n, "status": status,
                         "attempt": 1, "next_attempt_at": at, "created_at": at, "started_at": at,
                         "finished_at": at + timedelta(milliseconds=300),
                         "error_class": "FatalError" if status == "dead" else None,
                         "error_message": "the ERP refused the order: customer has no e-mail" if status == "dead" else None})
        for k, (step, kind) in enumerate((("map", "map"), ("validate", "validate"), ("erp", "call"))):
            steps.append({"run_id": n, "attempt": 1, "step_id": step, "kind": kind,
                          "status": "failed" if status == "dead" and k == 2 else "succeeded",
                          "started_at": at + timedelta(milliseconds=100 * k),
                          "finished_at": at + timedelta(milliseconds=100 * k + 90),
                          "input": {"order": order}, "output": {"number": order, "total": "119.00"}})
        effects.append({"key": f"erp:sales_order:{order}:{n}", "recipe": slug, "step_id": "erp", "status": "done",
                        "result": {"id": n}, "run_id": n, "created_at": at, "done_at": at})
        if len(events) == BATCH:
            _flush(put, events, run_rows, steps, effects)
    _flush(put, events, run_rows, steps, effects)


def _flush(put, *batches: list) -> None:
    for table, rows in zip(("events", "runs", "step_runs", "effects"), batches):
        put(table, rows)
        rows.clear()


# --- timing -------------------------------------------------------------------------------------


def pages(hub: Hub) -> list[tuple[str, str]]:
    """(name, path) of what is timed."""
    with hub.sessions() as session:
        last_run = session.scalar(text("SELECT max(id) FROM runs"))
        order = session.scalar(text("SELECT number FROM sales_orders ORDER BY id DESC LIMIT 1"))
    return [
        ("runs", "/console/runs/"),
        ("runs ?q=<order number>", f"/console/runs/?q={order}"),
        ("runs ?status=dead", "/console/runs/?status=dead"),
        ("run detail", f"/console/runs/{last_run}"),
        ("orders (search form)", "/console/orders/"),
        ("order 360", f"/console/orders/?ref={order}"),
        ("credit holds", "/console/credit/"),
        ("exceptions", "/console/exceptions/"),
        ("recipes", "/console/recipes/"),
        ("recipe detail", "/console/recipes/shopify-order-to-erp"),
        ("connections", "/console/connections/"),
        ("cash application", "/console/cash-application/"),
        ("bank lines", "/console/cash-application/bank-lines"),
        ("collections", "/console/collections/"),
        ("AR dashboard", "/console/dashboard/"),
        ("API reports/kpis", "/api/v1/reports/kpis"),
    ]


def time_pages(hub: Hub, *, repeat: int) -> list[dict]:
    """Each page's first load and ``repeat`` more, in ms."""
    app = create_app(hub)
    client = app.test_client()
    login = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    answer = client.post("/console/login", data={"name": USER, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, f"login failed: {answer.status_code}"
    rows = []
    for name, path in pages(hub):
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if path.startswith("/api/") else {}
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
        rows.append({"page": name, "path": path, "first": times[0], "median": statistics.median(times[1:]),
                     "max": max(times[1:])})
        print(f"  {name}: first {times[0]:.0f} ms", file=sys.stderr)
    return rows


def time_cold_kpis(hub: Hub, *, repeat: int) -> list[float]:
    """GET /api/v1/reports/kpis in ``repeat`` new apps (nothing kept), in ms."""
    times = []
    for _ in range(repeat):
        client = create_app(hub).test_client()
        started = time.perf_counter()
        response = client.get("/api/v1/reports/kpis", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, f"kpis: {response.status_code} {response.text[:300]}"
    return times


def print_table(rows: list[dict], target: float) -> None:
    width = max(len(r["page"]) for r in rows)
    print(f"\n{'page':<{width}} {'first ms':>9} {'median ms':>10} {'max ms':>8} {'first/target':>13} "
          f"{'median/target':>14}")
    for r in rows:
        flag = "" if max(r["first"], r["max"]) < target else "  over"
        print(f"{r['page']:<{width}} {r['first']:>9.0f} {r['median']:>10.0f} {r['max']:>8.0f} "
              f"{r['first'] / target:>13.2f} {r['median'] / target:>14.2f}{flag}")


if __name__ == "__main__":
    sys.exit(main())
