"""Profile matching: where the time of the cash-application matcher goes.

    .venv/bin/python -m bench.cashapp.profile --customers 10000 --invoices 200000 --payments 20000

Prints the index and match times and the functions with the most cumulative time (matching only;
generating the data set and building the index are not profiled).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from bench.cashapp.generate import generate
from hub.o2c.cashapp.book import settle
from hub.o2c.cashapp.matcher import Matcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--invoices", type=int, default=200000)
    parser.add_argument("--payments", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    data = generate(customers=args.customers, invoices=args.invoices, payments=args.payments, seed=args.seed)
    started = time.perf_counter()
    matcher = Matcher(data.book(), data.directory())
    print(f"index {time.perf_counter() - started:.1f} s   load average {os.getloadavg()[0]:.2f}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for payment in data.payments:
        decision = matcher.match(payment.remittance)
        if decision.status == "auto":
            for line in decision.best.allocation.lines:
                if line.invoice_id in matcher.book.by_id and line.kind == "applied":
                    settle(matcher.book, line.invoice_id, matcher.book.by_id[line.invoice_id].open - line.amount)
    profiler.disable()
    print(f"match {time.perf_counter() - started:.1f} s (profiled)   load average {os.getloadavg()[0]:.2f}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
