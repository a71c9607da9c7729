"""The durable order import, measured side by side with Node-RED and Flask.

Runs the peer harness (../shared/bench-peers, see its README) with o2c-hub's embedded mode
(``o2c-hub run``, SQLite, bench/order-import/) plugged in as an external system, started from
an empty store each repetition, then prints o2c-hub's figures and the same-run ratios:

    .venv/bin/python bench/order_import.py                        # 3 reps x c=1,8,32 x 20 s
    .venv/bin/python bench/order_import.py --reps 1 --duration 10 --conc 8,32
    .venv/bin/python bench/order_import.py --report ~/.cache/o2c-bench-peers/results/DIR
    .venv/bin/python bench/order_import.py --reps 1 --duration 10 --conc 8,32 --postgres

The harness location is ``--peers``, else $O2C_BENCH_PEERS, else ../shared/bench-peers next to
the repository. Arguments it does not know go to the harness's run_bench.py unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "bench" / "order-import" / "config.yaml"
PORT = 8090  # server.port in bench/order-import/config.yaml
NAME = "o2c-hub"
REFERENCES = ("nodered", "flask")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# A fresh PostgreSQL database for one repetition (the harness restarts the order pool each time).
FRESH_PG = """
import sys
from sqlalchemy import create_engine, text
server = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with server.connect() as connection:
    connection.execute(text("DROP DATABASE IF EXISTS o2c_bench WITH (FORCE)"))
    connection.execute(text("CREATE DATABASE o2c_bench"))
"""


def main() -> int:
    args, passthrough = parse_args()
    out = Path(args.report) if args.report else run_harness(args, passthrough)
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line]
    print(report(records, out))
    return 0


def parse_args() -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", default=os.environ.get("O2C_BENCH_PEERS", str(REPO.parent / "shared" / "bench-peers")),
                    help="the bench-peers harness folder (default: $O2C_BENCH_PEERS or ../shared/bench-peers)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--conc", default="1,8,32")
    ap.add_argument("--systems", default="sink,flask,nodered", help="reference systems run beside o2c-hub")
    ap.add_argument("--out", help="results folder (default: a new one under $PEERS/results)")
    ap.add_argument("--report", metavar="DIR", help="only print the figures of an earlier run's results folder")
    ap.add_argument("--postgres", metavar="URL", nargs="?", const=PG_SERVER,
                    help=f"store in a fresh PostgreSQL database o2c_bench on this server, made anew each "
                         f"repetition (default {PG_SERVER}) instead of SQLite")
    return ap.parse_known_args()


def run_harness(args: argparse.Namespace, passthrough: list[str]) -> Path:
    """Run the harness once with o2c-hub as the external system; return the results folder."""
    peers_cache = Path(os.environ.get("PEERS", Path.home() / ".cache" / "o2c-bench-peers"))
    out = Path(args.out or peers_cache / "results" / time.strftime("o2c-hub-%Y%m%d-%H%M%S"))
    state = Path(tempfile.gettempdir()) / "o2c-hub-bench-state"
    hub = shlex.quote(str(REPO / ".venv" / "bin" / "o2c-hub"))
    # A fresh store each repetition: the harness restarts the pool of orders every invocation.
    if args.postgres:
        python = shlex.quote(str(REPO / ".venv" / "bin" / "python"))
        database = args.postgres.rsplit("/", 1)[0] + "/o2c_bench"
        fresh = f"{python} -c {shlex.quote(FRESH_PG)} {shlex.quote(args.postgres)} && O2C_DATABASE_URL={database}"
    else:
        fresh = (f"rm -rf {shlex.quote(str(state))} && mkdir -p {shlex.quote(str(state))} && "
                 f"O2C_DATABASE_URL=sqlite:///{state}/hub.db")
    cmd = f"{fresh} exec {hub} --config {shlex.quote(str(CONFIG))} run"
    argv = ["bash", str(Path(args.peers) / "run_all.sh"),
            "--reps", str(args.reps), "--duration", str(args.duration), "--conc", args.conc,
            "--systems", args.systems, "--out", str(out),
            "--external-name", NAME, "--external-url", f"http://127.0.0.1:{PORT}/webhooks/shop",
            "--external-ready-url", f"http://127.0.0.1:{PORT}/healthz",
            "--external-cmd", cmd, "--external-cwd", str(REPO), *passthrough]
    # The hub's modules compiled as pip compiles an installed wheel's: the cold start measured is
    # an installed hub's, not one that compiles its sources (PYTHONDONTWRITEBYTECODE) each start.
    subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-m", "compileall", "-q", "hub", "connectors"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(argv, check=True, env={**os.environ, "PEERS": str(peers_cache)})
    return out


def report(records: list[dict], out: Path) -> str:
    """o2c-hub's figures, and its ratios to the references of the same repetitions."""
    mine = [r for r in records if r["system"] == NAME]
    if not mine:
        raise SystemExit(f"{out}/runs.jsonl has no {NAME} record")
    by_rep = {(r["system"], r["rep"]): r for r in records}
    concs = sorted({int(c) for r in mine for c in r["runs"]})
    lines = [f"results: {out}  ({len(mine)} repetition(s); median [min-max])", ""]
    lines += ["| conc | sustained docs/s at sink | client 2xx/s | accept p50 ms | accept p99 ms | "
              "backlog at end | drain s | after drain/s | CPU ms/order | vs Node-RED | vs Flask |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in concs:
        cells = [r["runs"][str(c)] for r in mine if str(c) in r["runs"]]
        ratios = {ref: [_ratio(r, by_rep.get((ref, r["rep"])), c) for r in mine] for ref in REFERENCES}
        lines.append("| " + " | ".join([
            str(c), _fig([x["sink_rps_window"] for x in cells]), _fig([x["rps_ok"] for x in cells]),
            _fig([x["lat_p50_ms"] for x in cells], 1), _fig([x["lat_p99_ms"] for x in cells], 1),
            _fig([x["backlog_at_end"] for x in cells]), _fig([x.get("drain_s") for x in cells], 1), _fig([x.get("sink_rps_drained") for x in cells]),
            _fig([x.get("sut_cpu_ms_per_req") for x in cells], 2),
            _fig(ratios["nodered"], 2), _fig(ratios["flask"], 2),
        ]) + " |")
    lines += ["", "| cold start to first accepted webhook s | to first document at sink s | idle RSS MB | peak RSS MB | checks |",
              "|---|---|---|---|---|",
              "| " + " | ".join([
                  _fig([(r.get("startup") or {}).get("first_2xx_s") for r in mine], 2),
                  _fig([r["cold_start_s"] for r in mine], 2),
                  _fig([r["idle"]["rss_mb"] for r in mine]), _fig([r["peak"]["rss_mb"] for r in mine]),
                  f"{sum(bool(r['checks'].get('pass')) for r in mine)}/{len(mine)} passed",
              ]) + " |"]
    lines += ["", *targets(mine, by_rep)]
    lines += ["", f"references (same run): see {out / 'summary.md'}"]
    for ref in REFERENCES:
        rows = [r for r in records if r["system"] == ref]
        for c in concs:
            vals = [r["runs"][str(c)]["sink_rps_window"] for r in rows if str(c) in r["runs"]]
            cpu = [r["runs"][str(c)].get("sut_cpu_ms_per_req") for r in rows if str(c) in r["runs"]]
            if vals:
                lines.append(f"  {ref:8} c={c:<3} sustained {_fig(vals)} docs/s, CPU {_fig(cpu, 2)} ms/order")
    return "\n".join(lines)


def targets(mine: list[dict], by_rep: dict) -> list[str]:
    """The performance targets of the order import, each with its figure (the median of the
    repetitions) and met / not met."""
    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    def at(c: int, key: str):
        return median([r["runs"][str(c)].get(key) for r in mine if str(c) in r["runs"]])

    def backlog_seconds(c: int):  # the backlog left, in seconds of the rate it drains at
        left, rate = at(c, "backlog_at_end"), at(c, "sink_rps_drained") or at(c, "sink_rps_window")
        return None if left is None else (0.0 if left == 0 else left / rate if rate else None)

    ratio = median([_ratio(r, by_rep.get(("nodered", r["rep"])), 8) for r in mine if "8" in r["runs"]])
    rows = [
        ("sustained at c=8 >= 0.5 x Node-RED (same run)", ratio, 0.5, ">=", "{:.2f} x"),
        ("accept p99 at c=32 < 25 ms", at(32, "lat_p99_ms"), 25, "<", "{:.1f} ms"),
        *[(f"backlog at the end of the load at c={c} < 1 s of work", backlog_seconds(c), 1.0, "<", "{:.2f} s")
          for c in sorted({int(c) for r in mine for c in r["runs"]})],
        ("idle RSS < 150 MB", median([r["idle"]["rss_mb"] for r in mine]), 150, "<", "{:.0f} MB"),
        ("cold start < 1 s to the first accepted webhook",
         median([(r.get("startup") or {}).get("first_2xx_s") for r in mine]), 1.0, "<", "{:.2f} s"),
    ]
    lines = ["| target | figure | met |", "|---|---|---|"]
    for name, value, bound, sense, shown in rows:
        if value is None:
            lines.append(f"| {name} | n/a | not measured |")
            continue
        met = value >= bound if sense == ">=" else value < bound
        lines.append(f"| {name} | {shown.format(value)} | {'met' if met else 'not met'} |")
    return lines


def _ratio(mine: dict, ref: dict | None, c: int) -> float | None:
    if ref is None or str(c) not in ref["runs"] or not ref["runs"][str(c)].get("sink_rps_window"):
        return None
    return mine["runs"][str(c)]["sink_rps_window"] / ref["runs"][str(c)]["sink_rps_window"]


def _fig(values: list, digits: int = 0) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    med = f"{statistics.median(values):.{digits}f}"
    return med if len(values) == 1 else f"{med} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


if __name__ == "__main__":
    sys.exit(main())
