"""A storefront month at full size, compared across systems to the cent.

    .venv/bin/python bench/month.py                  # 400 orders
    .venv/bin/python bench/month.py --orders 1000

Runs the end-to-end month of tests/e2e/test_month.py — signed Shopify webhooks into a real hub
process running the bundled recipes, a real trytond as the ERP, Stripe payments (full,
partial, split, overpaid) and the late-payment alerts — at the given size, and prints each
check with how many records agree exactly and how many differ, and the time it took.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=400, help="orders in the month (default 400)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "month.json"
        env = {**os.environ, "O2C_MONTH_ORDERS": str(args.orders), "O2C_MONTH_REPORT": str(report)}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               str(REPO / "tests" / "e2e" / "test_month.py")], cwd=REPO, env=env)
        elapsed = time.monotonic() - started
        rows = json.loads(report.read_text()) if report.exists() else {}
    print(f"\nmonth of {args.orders} orders, {elapsed:.0f} s ({args.orders / elapsed:.2f} orders/s end to end)")
    width = max([len("check"), *map(len, rows)])
    print(f"{'check':<{width}} {'exact':>7} {'differ':>7}")
    for check, (exact, differ) in rows.items():
        print(f"{check:<{width}} {exact:>7} {differ:>7}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
