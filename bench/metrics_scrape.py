"""How long GET /metrics takes on a SQLite store holding many runs.

    .venv/bin/python bench/metrics_scrape.py                     # 100,000 runs, 1,000 invoices
    .venv/bin/python bench/metrics_scrape.py --runs 1000000 --invoices 10000

Runs are spread over the last 48 hours (so about half fall in the 24-hour window) with the
statuses a busy hub has: mostly succeeded, some dead (a few of them replayed), retrying,
queued and held. Prints the first scrape (which also computes the AR gauges from every invoice
and payment) and the median of the following ones (AR gauges cached, run figures read afresh).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hub.canonical import check  # noqa: E402
from hub.hub import Hub  # noqa: E402
from hub.store.base import utcnow  # noqa: E402
from hub.store.platform import Event, PollCursor, Run  # noqa: E402
from hub.store.upsert import upsert  # noqa: E402
from hub.web import create_app  # noqa: E402

TOKEN = "bench-metrics-admin-token-0123456789"
RECIPES = [f"recipe-{i}" for i in range(10)]
STATUSES = ["succeeded"] * 90 + ["dead"] * 4 + ["retrying"] * 2 + ["queued"] * 3 + ["held"]


def make_hub(root: Path) -> Hub:
    config = {"database": "sqlite:///hub.db", "recipes": [], "admin": {"token": TOKEN}, "connections": {}}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    hub = Hub.from_config(root / "config.yaml")
    hub.migrate()
    return hub


def fill_runs(hub: Hub, count: int) -> None:
    rng, now = random.Random(7), utcnow()
    with hub.sessions.begin() as session:
        events = [{"source": "webhook", "connection": "shop", "dedupe_key": f"bench:{i}", "body": b"{}",
                   "received_at": now} for i in range(count // 10 + 1)]
        session.execute(Event.__table__.insert(), events)
        rows = []
        for i in range(count):
            status, at = rng.choice(STATUSES), now - timedelta(seconds=rng.uniform(0, 48 * 3600))
            done = status in ("succeeded", "dead")
            rows.append({"recipe": rng.choice(RECIPES), "recipe_hash": "h", "event_id": i // 10 + 1,
                         "status": status, "attempt": 1, "next_attempt_at": at, "created_at": at,
                         "finished_at": at if done else None, "replay_of": None})
        session.execute(Run.__table__.insert(), rows)
        dead = [r for r, in session.execute(Run.__table__.select().with_only_columns(Run.id)
                                            .where(Run.status == "dead").limit(count // 200))]
        session.execute(Run.__table__.insert(), [
            {"recipe": RECIPES[0], "recipe_hash": "h", "event_id": 1, "status": "succeeded", "attempt": 1,
             "next_attempt_at": now, "created_at": now, "finished_at": now, "replay_of": run_id}
            for run_id in dead])
        session.add_all(PollCursor(recipe=r, connection="crm", resource="accounts",
                                   last_seen_at=now - timedelta(minutes=5)) for r in RECIPES)


def fill_invoices(hub: Hub, count: int) -> None:
    today = date.today()
    with hub.sessions.begin() as session:
        for i in range(count):
            issued = today - timedelta(days=i % 120)
            upsert(session, "invoice", check("invoice", {
                "number": f"INV-{i}", "currency": "EUR" if i % 3 else "USD", "issue_date": issued.isoformat(),
                "due_date": (issued + timedelta(days=30)).isoformat(), "total": "100.00",
                "amount_due": "100.00" if i % 4 else "0.00", "status": "open" if i % 4 else "paid",
                "customer": {"email": f"c{i % 50}@example.com"}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000)
    parser.add_argument("--scrapes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hub = make_hub(Path(tmp))
        fill_runs(hub, args.runs)
        fill_invoices(hub, args.invoices)
        client = create_app(hub).test_client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        timings = []
        for _ in range(args.scrapes + 1):
            started = time.perf_counter()
            answer = client.get("/metrics", headers=headers)
            timings.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        hub.close()
    print(f"{args.runs:,} runs, {args.invoices:,} invoices: first scrape {timings[0] * 1000:.0f} ms, "
          f"then median {statistics.median(timings[1:]) * 1000:.1f} ms, "
          f"max {max(timings[1:]) * 1000:.1f} ms over {args.scrapes} scrapes, "
          f"{len(answer.get_data())} bytes")


if __name__ == "__main__":
    main()
