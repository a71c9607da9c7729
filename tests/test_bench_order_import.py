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
