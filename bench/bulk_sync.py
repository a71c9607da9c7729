"""Bulk CRM → canonical store sync: map + validate + upsert of many customer records.

    .venv/bin/python bench/bulk_sync.py                     # 100,000 records
    .venv/bin/python bench/bulk_sync.py --records 10000 --batch 500

Records are Salesforce-like Accounts, made one batch at a time (nothing more is held), mapped
with the hub's compiled JMESPath and functions, checked against the canonical customer schema
and upserted (by external ref) into a fresh SQLite store, a batch in one transaction and one
hub.store.upsert_batch.upsert_many call. Prints records/s and the process's RSS after 10,000
records and at the end, and its peak (VmHWM): a constant-memory sync keeps these flat as the
record count grows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hub.canonical import check  # noqa: E402
from hub.pipeline.functions import compile_expression, search  # noqa: E402
from hub.store.base import make_engine, make_sessionmaker  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from hub.store.upsert_batch import upsert_many  # noqa: E402

MAPPING = """{
  name: Name,
  email: PersonEmail,
  phone: Phone,
  currency: CurrencyIsoCode,
  credit_limit: CreditLimit__c,
  external_refs: [{system: 'crm', id: Id}]
}"""


def accounts(count: int) -> Iterator[dict]:
    """``count`` distinct CRM accounts, generated lazily."""
    for i in range(count):
        yield {"Id": f"001{i:015d}", "Name": f"Customer {i:06d} GmbH", "PersonEmail": f"ap{i}@customer{i}.example",
               "Phone": "+49 30 1234567", "CurrencyIsoCode": "EUR", "CreditLimit__c": f"{10000 + i % 5000}.00",
               "LastModifiedDate": "2026-01-15T10:00:00.000+0000"}


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=500, help="records per transaction")
    args = ap.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='o2c-bulk-')}/hub.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    mapping = compile_expression(MAPPING)
    source = accounts(args.records)
    done, marks, start = 0, {}, time.perf_counter()
    print(f"syncing {args.records} records, {args.batch} per transaction, into {url}; RSS at start {rss_mb():.0f} MB")
    while batch := list(islice(source, args.batch)):
        records = [(check("customer", search(mapping, account)), ("crm", account["Id"])) for account in batch]
        with sessions.begin() as session:
            upsert_many(session, "customer", records)
        done += len(batch)
        if done % 10_000 == 0 or done == args.records:
            marks[done] = rss_mb()
            print(f"  {done:>7} records  {done / (time.perf_counter() - start):7.0f} records/s  RSS {marks[done]:.0f} MB")
    elapsed = time.perf_counter() - start
    print(f"{done} records in {elapsed:.1f} s: {done / elapsed:.0f} records/s; RSS at 10k "
          f"{marks.get(10_000, float('nan')):.0f} MB, at {done} {marks[done]:.0f} MB, peak (VmHWM) {rss_mb('VmHWM'):.0f} MB")


if __name__ == "__main__":
    main()
