"""Where the time of one order goes: the accept path and the run, profiled in one thread.

    .venv/bin/python bench/profile_order_import.py [--orders 2000] [--top 25] [--no-profile]

Builds the benchmark's hub (bench/order-import/, a fresh SQLite file), posts signed orders of
the peer harness's pool (gen_payload.build_order) through the Flask app in process, then claims
and executes their runs in this thread, posting to a small local sink. Prints CPU ms per order
for each half and the functions with the most cumulative time (cProfile). No server, no load
generator: this is the CPU cost of the code, not a throughput figure.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import hmac
import importlib.util
import json
import os
import pstats
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-shared-secret-0123456789abcdef"


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"erp_id":1,"status":"created"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--no-profile", action="store_true", help="time only (cProfile costs 2-3x)")
    ap.add_argument("--peers", default=os.environ.get("O2C_BENCH_PEERS", str(REPO.parent / "shared" / "bench-peers")))
    args = ap.parse_args()
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    state = Path(tempfile.mkdtemp(prefix="o2c-profile-"))
    os.environ.update(SHOPIFY_SECRET=SECRET, SINK_URL=f"http://127.0.0.1:{sink.server_port}/erp/orders",
                      O2C_DATABASE_URL=f"sqlite:///{state}/hub.db")
    sys.path.insert(0, str(REPO))
    from hub.hub import Hub
    from hub.runs import queue
    from hub.runs.executor import execute
    from hub.web import create_app

    hub = Hub.from_config(REPO / "bench" / "order-import" / "config.yaml")
    hub.migrate()
    client = create_app(hub).test_client()
    bodies = _orders(Path(args.peers), args.orders)
    statuses = _profiled("accept (verify + inbox commit + answer)", args, lambda: [
        client.post("/webhooks/shop", data=body, headers=_headers(body)).status_code for body in bodies
    ])
    assert set(statuses) == {202}, statuses
    owner = queue.new_owner()

    def run_all():
        done = []
        while claimed := queue.claim(hub.sessions, owner, 50):
            done += [execute(hub, item) for item in claimed]
        return done

    outcomes = _profiled("run (claim + steps + ledger + upsert + call + record)", args, run_all)
    assert outcomes == ["succeeded"] * len(bodies), set(outcomes)
    hub.close()
    sink.shutdown()


def _profiled(title: str, args, work):
    profile = cProfile.Profile()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if not args.no_profile:
        profile.enable()
    result = work()
    profile.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(f"\n== {title}: {args.orders} orders, {1000 * cpu / args.orders:.2f} CPU ms/order "
          f"(process, includes the sink thread), {1000 * wall / args.orders:.2f} wall ms/order")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    return result


def _orders(peers: Path, count: int) -> list[bytes]:
    spec = importlib.util.spec_from_file_location("gen_payload", peers / "gen_payload.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return [json.dumps(gen.build_order(i), separators=(",", ":")).encode() for i in range(count)]


def _headers(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Hmac-Sha256": signature}


if __name__ == "__main__":
    main()
