"""The order-import benchmark's hub (bench/order-import/) imports the peer harness's orders: each
signed webhook becomes a run that succeeds and one ERP document at the sink. A benchmark whose
orders all dead-letter (its recipe out of step with the order validation) measures nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PEERS = Path(os.environ.get("O2C_BENCH_PEERS", REPO.parent / "shared" / "bench-peers"))


def test_the_benchmark_imports_every_order_of_the_peer_harness():
    if not (PEERS / "gen_payload.py").exists():
        if os.environ.get("CI"):
            pytest.fail(f"the peer harness is missing at {PEERS}")
        pytest.skip(f"the peer harness is not at {PEERS} (set O2C_BENCH_PEERS)")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "profile_order_import.py"), "--orders", "20",
                           "--no-profile", "--peers", str(PEERS)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "== run (claim + steps + ledger + upsert + call + record): 20 orders" in done.stdout


def test_the_benchmark_prints_each_target_met_or_not():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import order_import
    finally:
        sys.path.remove(str(REPO / "bench"))

    def record(system, rep, rps8, p99, backlog):
        return {"system": system, "rep": rep, "idle": {"rss_mb": 100}, "startup": {"first_2xx_s": 0.8},
                "runs": {"8": {"sink_rps_window": rps8, "backlog_at_end": backlog, "sink_rps_drained": 50},
                         "32": {"sink_rps_window": rps8, "lat_p99_ms": p99, "backlog_at_end": 0}}}

    mine = [record("o2c-hub", 1, 400, 30.0, 100)]
    by_rep = {("nodered", 1): record("nodered", 1, 1000, 1.0, 0)}
    lines = "\n".join(order_import.targets(mine, by_rep))
    assert "| sustained at c=8 >= 0.5 x Node-RED (same run) | 0.40 x | not met |" in lines
    assert "| accept p99 at c=32 < 25 ms | 30.0 ms | not met |" in lines
    assert "| backlog at the end of the load at c=8 < 1 s of work | 2.00 s | not met |" in lines
    assert "| backlog at the end of the load at c=32 < 1 s of work | 0.00 s | met |" in lines
    assert "| idle RSS < 150 MB | 100 MB | met |" in lines
    assert "| cold start < 1 s to the first accepted webhook | 0.80 s | met |" in lines
