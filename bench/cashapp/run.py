"""Cash-application benchmark: auto-match rate, precision, proposal rate and time.

    .venv/bin/python -m bench.cashapp.run                                   # 2,000 payments
    .venv/bin/python -m bench.cashapp.run --customers 50000 --invoices 1000000 --payments 100000

An auto-application is correct when its invoice set is exactly the payment's truth. Times are
wall clock on one core: indexing the open invoices, then matching every payment (with each
auto-applied invoice settled in the book, as the service does).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from bench.cashapp.generate import DataSet, generate
from hub.o2c.cashapp.book import InvoiceBook, settle
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.matcher import Matcher


def measure(data: DataSet) -> dict:
    """Index ``data``, match every payment, and count what happened."""
    started = time.perf_counter()
    matcher = Matcher(InvoiceBook(data.invoices), CustomerDirectory(data.names, data.known_ibans))
    indexed = time.perf_counter()
    counts: Counter = Counter()
    for payment in data.payments:
        decision = matcher.match(payment.remittance)
        _count(counts, payment, decision)
        if decision.status == "auto":
            for line in decision.best.allocation.lines:
                if line.invoice_id in matcher.book.by_id and line.kind == "applied":
                    settle(matcher.book, line.invoice_id, matcher.book.by_id[line.invoice_id].open - line.amount)
    done = time.perf_counter()
    return {**_figures(counts, len(data.payments)), "index_s": indexed - started, "match_s": done - indexed}


def _count(counts: Counter, payment, decision) -> None:
    right = decision.best is not None and frozenset(i.id for i in decision.best.invoices) == payment.truth
    counts[decision.status] += 1
    counts[(decision.status, right)] += 1
    counts[(payment.scenario, decision.status)] += 1
    if payment.clean:
        counts["clean"] += 1
        counts[("clean", decision.status, right)] += 1


def _figures(counts: Counter, total: int) -> dict:
    auto = counts["auto"]
    return {
        "payments": total, "auto_rate": auto / total, "precision": counts[("auto", True)] / auto if auto else 1.0,
        "wrong_auto": counts[("auto", False)], "proposal_rate": counts["proposal"] / total,
        "proposal_top_right": counts[("proposal", True)] / counts["proposal"] if counts["proposal"] else 0.0,
        "unmatched_rate": counts["unmatched"] / total, "clean": counts["clean"],
        "clean_wrong_auto": counts[("clean", "auto", False)], "counts": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--by-scenario", action="store_true", help="also print decisions per scenario")
    args = parser.parse_args()
    started = time.perf_counter()
    data = generate(customers=args.customers, invoices=args.invoices, payments=args.payments, seed=args.seed)
    print(f"generated {len(data.payments):,} payments, {len(data.invoices):,} open invoices, "
          f"{len(data.names):,} customers in {time.perf_counter() - started:.1f} s")
    figures = measure(data)
    _print(figures, args.by_scenario)


def _print(f: dict, by_scenario: bool) -> None:
    print(f"auto-applied      {f['auto_rate']:.2%}   precision {f['precision']:.3%}   wrong {f['wrong_auto']}")
    print(f"proposed          {f['proposal_rate']:.2%}   best candidate right {f['proposal_top_right']:.2%}")
    print(f"unmatched         {f['unmatched_rate']:.2%}")
    print(f"clean subset      {f['clean']:,} payments, {f['clean_wrong_auto']} wrong auto-applications")
    print(f"index             {f['index_s']:.1f} s")
    print(f"match             {f['match_s']:.1f} s   ({f['payments'] / f['match_s']:,.0f} payments/s)")
    if by_scenario:
        for key, n in sorted((k, v) for k, v in f["counts"].items() if isinstance(k, tuple) and len(k) == 2
                             and isinstance(k[1], str)):
            print(f"  {key[0]:16} {key[1]:10} {n}")


if __name__ == "__main__":
    main()
