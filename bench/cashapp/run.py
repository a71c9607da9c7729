"""Cash-application benchmark: what is applied without a person, and whether it is right.

    .venv/bin/python -m bench.cashapp.run                                  # 2,000 payments, seed 7
    .venv/bin/python -m bench.cashapp.run --seeds 1,2,3,4,5 --by-kind      # five seeds, per noise kind
    .venv/bin/python -m bench.cashapp.run --customers 50000 --invoices 1000000 --payments 100000

Each payment is labelled unambiguous (a careful clerk applies it without a second look) or
ambiguous (bench/cashapp/payments.py). An auto-application is right when its invoice set is
exactly the payment's truth. The targets: at least 95 % of the unambiguous payments applied
automatically, no wrong auto-application, and every ambiguous payment proposed (with its
candidate sets and reasons) or left unmatched, never applied automatically. Times are wall clock
and CPU on one core: indexing the open invoices, then matching every payment (each
auto-applied invoice settled in the book, as the service does).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from bench.cashapp.generate import DataSet, generate
from hub.o2c.cashapp.book import settle
from hub.o2c.cashapp.matcher import Matcher


def measure(data: DataSet) -> dict:
    """Index ``data``, match every payment, and count what happened."""
    started, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher(data.book(), data.directory())
    indexed, indexed_cpu = time.perf_counter(), time.process_time()
    counts: Counter = Counter()
    for payment in data.payments:
        decision = matcher.match(payment.remittance)
        _count(counts, payment, decision)
        if decision.status == "auto":
            for line in decision.best.allocation.lines:
                if line.invoice_id in matcher.book.by_id and line.kind == "applied":
                    settle(matcher.book, line.invoice_id, matcher.book.by_id[line.invoice_id].open - line.amount)
    done, done_cpu = time.perf_counter(), time.process_time()
    return {**figures(counts), "index_s": indexed - started, "match_s": done - indexed,
            "index_cpu_s": indexed_cpu - cpu, "match_cpu_s": done_cpu - indexed_cpu}


def _count(counts: Counter, payment, decision) -> None:
    right = decision.best is not None and frozenset(i.id for i in decision.best.invoices) == payment.truth
    label = "unambiguous" if payment.unambiguous else "ambiguous"
    status = decision.status
    if status == "proposal" and (not decision.candidates or not decision.reasons):
        status = "proposal without candidates"
    for group in ("all", f"kind:{payment.kind}", f"currency:{payment.remittance.currency}"):
        counts[(group, "payments")] += 1
        counts[(group, label)] += 1
        counts[(group, label, status)] += 1
        if status == "auto" and not right:
            counts[(group, "wrong")] += 1


def figures(counts: Counter, group: str = "all") -> dict:
    """The figures of one group of payments (all, kind:<kind>, currency:<code>)."""
    clear, unclear = counts[(group, "unambiguous")], counts[(group, "ambiguous")]
    auto = counts[(group, "unambiguous", "auto")]
    return {
        "payments": counts[(group, "payments")], "unambiguous": clear, "ambiguous": unclear,
        "unambiguous_auto": auto, "unambiguous_auto_rate": auto / clear if clear else 1.0,
        "wrong_auto": counts[(group, "wrong")],
        "ambiguous_auto": counts[(group, "ambiguous", "auto")],
        "ambiguous_proposed": counts[(group, "ambiguous", "proposal")],
        "ambiguous_unmatched": counts[(group, "ambiguous", "unmatched")],
        "without_candidates": counts[(group, "ambiguous", "proposal without candidates")]
        + counts[(group, "unambiguous", "proposal without candidates")],
        "counts": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", help="several seeds, comma separated; their figures added up (e.g. 1,2,3,4,5)")
    parser.add_argument("--by-kind", action="store_true", help="also print the figures per noise kind and currency")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]
    total: Counter = Counter()
    for seed in seeds:
        started = time.perf_counter()
        data = generate(customers=args.customers, invoices=args.invoices, payments=args.payments, seed=seed)
        made = time.perf_counter() - started
        measured = measure(data)
        total.update(measured["counts"])
        print(f"seed {seed}: {len(data.payments):,} payments, {len(data.invoices):,} open invoices, "
              f"{len(data.names):,} customers (generated in {made:.1f} s)")
        _print_one(measured)
    if len(seeds) > 1:
        print(f"seeds {','.join(map(str, seeds))} together:")
        _print_one(figures(total))
    if args.by_kind:
        _print_groups(total)


def _print_one(f: dict) -> None:
    print(f"  unambiguous      {f['unambiguous']:,}: applied {f['unambiguous_auto']:,} "
          f"({f['unambiguous_auto_rate']:.2%})   wrong auto-applications {f['wrong_auto']}")
    print(f"  ambiguous        {f['ambiguous']:,}: proposed {f['ambiguous_proposed']:,}, unmatched "
          f"{f['ambiguous_unmatched']:,}, applied {f['ambiguous_auto']} (must be 0)")
    if f["without_candidates"]:
        print(f"  proposals without candidates or reasons: {f['without_candidates']}")
    if "match_s" in f:
        print(f"  index {f['index_s']:.1f} s (cpu {f['index_cpu_s']:.1f} s)   match {f['match_s']:.1f} s "
              f"(cpu {f['match_cpu_s']:.1f} s, {f['payments'] / f['match_s']:,.0f} payments/s)")


def _print_groups(counts: Counter) -> None:
    groups = sorted({k[0] for k in counts if k[0] != "all"}, key=lambda g: (g.split(":")[0] != "kind", g))
    print(f"  {'group':28} {'payments':>8} {'unambig.':>8} {'applied':>8} {'rate':>8} {'wrong':>6} "
          f"{'ambig.':>7} {'proposed':>8} {'unmatched':>9} {'ambig. applied':>14}")
    for group in groups:
        f = figures(counts, group)
        rate = f"{f['unambiguous_auto_rate']:.1%}" if f["unambiguous"] else "-"
        print(f"  {group:28} {f['payments']:8,} {f['unambiguous']:8,} {f['unambiguous_auto']:8,} {rate:>8} "
              f"{f['wrong_auto']:6} {f['ambiguous']:7,} {f['ambiguous_proposed']:8,} {f['ambiguous_unmatched']:9,} "
              f"{f['ambiguous_auto']:14}")


if __name__ == "__main__":
    main()
