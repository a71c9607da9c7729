"""``o2c-hub demo`` as a user meets it: run in a folder ``o2c-hub init`` wrote, every sandbox on
the port its connection's URL names (free ports here, through the environment variables the
starter config reads), the day played over real sockets, and the README's "See it work"
commands run with the same config against the running demo."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
import requests

from hub import STARTER, jsonutil
from hub.init_cli import write_site
from tests.support.hubproc import free_port

pytestmark = pytest.mark.e2e

ADMIN = {"Authorization": "Bearer demo-admin-token"}
SANDBOX_URLS = {"ERP_URL": "{}", "SLACK_API_URL": "{}/api/", "SHOPIFY_URL": "{}", "SHOP_URL": "{}",
                "STRIPE_API_URL": "{}", "SALESFORCE_LOGIN_URL": "{}", "HUBSPOT_API_URL": "{}", "ODOO_URL": "{}"}

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet(marker: str) -> str:
    """The README's "See it work" shell block holding ``marker``, up to the command that posts the
    webhook (the lines after it only show what came of it): the test runs what the README says."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text("utf-8"), flags=re.S)
    (block,) = [b for b in blocks if marker in b]
    lines = block.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("  --data-binary"))
    return "\n".join(lines[:last + 1]) + "\n"


README_POST_ORDER = readme_snippet("demo-delivery-1")
README_RETRY = readme_snippet("demo-delivery-2")


class Site:
    """A folder written by ``o2c-hub init``, its hub and sandboxes on free ports."""

    def __init__(self, directory: Path):
        write_site(directory)
        self.dir = directory
        self.port, self.erp_port = free_port(), free_port()
        config = directory / "config.yaml"
        # server.port is a number in the config schema, so it is set in the file, not through ${...}
        config.write_text(re.sub(r"^(\s+port:\s*)8080\b", rf"\g<1>{self.port}", config.read_text(), flags=re.M))
        self.url = f"http://127.0.0.1:{self.port}"
        self.urls = {name: shape.format(f"http://127.0.0.1:{self.erp_port if name == 'ERP_URL' else free_port()}")
                     for name, shape in SANDBOX_URLS.items()}
        unset = ("O2C_DATABASE_URL", "O2C_HUB_CONFIG", "O2C_PUBLIC_URL")
        self.env = {**{k: v for k, v in os.environ.items() if k not in unset}, **self.urls}

    def o2c_hub(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """``o2c-hub ARGS`` run in the folder (so with its config.yaml, as the README has it)."""
        return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True,
                              timeout=timeout, env=self.env, cwd=self.dir)

    def shell(self, script: str) -> str:
        """A README snippet, with the hub's and the ERP's ports of this site."""
        script = script.replace(":8080/", f":{self.port}/").replace(":9200/", f":{self.erp_port}/")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                              timeout=60, cwd=self.dir, check=True)
        return done.stdout

    def get(self, url: str, **kwargs) -> requests.Response:
        return requests.get(url, timeout=30, **kwargs)

    def wait_run(self, run_id: int, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"{self.url}/api/v1/runs/{run_id}", headers=ADMIN).json()
            if run["status"] in ("succeeded", "dead"):
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} still {run['status']} after {timeout:.0f} s")


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path / "site")


def test_demo_plays_the_day_in_the_configured_database_and_stops(site):
    done = site.o2c_hub("demo", "--once")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert "(recipe invoice-delivery is not played: it e-mails invoices over SMTP" in out
    assert "→ 3 customers synced to the ERP (3 partners in Odoo)" in out
    assert re.search(r"→ order #1042 → ERP sale S\d+ \(EUR 141\.37\)\n", out)
    assert re.search(r"→ order #1043 → ERP sale S\d+ \(EUR 30\.70\)  \(ERP answered 503, retried, "
                     r"succeeded at attempt 2\)", out)
    assert "→ 3 invoices polled into the hub" in out
    assert re.search(r"→ payment pi_3DemoPaysInvoice1 applied to invoice \S+ \(now paid;", out)
    assert "→ Slack: 1 overdue invoice announced" in out
    assert re.search(r"Day done: (\d+) of \1 runs succeeded, 1 after a retry; 4 Slack messages:", out)
    assert re.search(r"#ar-alerts: Overdue: Acme Tea GmbH, invoice \S+, EUR 980\.00 due, 31 days late\.", out)
    assert "Payment pi_3DemoPaysInvoice1 (EUR 141.37) applied to invoice" in out
    assert "stopping (--once)" in out
    assert sorted(p.name for p in (site.dir / "var").iterdir()) == ["o2c-hub.db", "o2c-hub.db.lock"]

    listed = site.o2c_hub("runs", "list")  # the README's next command, with the same config
    assert listed.returncode == 0, listed.stderr
    assert "shopify-order-to-erp" in listed.stdout and "late-payment-alerts" in listed.stdout


def test_demo_refuses_a_config_inside_the_package_and_writes_nothing_there(site):
    before = sorted(STARTER.rglob("*"))
    done = site.o2c_hub("--config", str(STARTER / "config.yaml"), "demo", "--once", timeout=120)
    assert done.returncode == 1
    assert done.stderr == (f"o2c-hub: {STARTER / 'config.yaml'} is inside the installed o2c-hub package, "
                           "where the demo must not write; make a folder of your own and run the demo there: "
                           "o2c-hub init site && cd site && o2c-hub demo\n")
    assert sorted(STARTER.rglob("*")) == before


def test_demo_refuses_a_database_it_did_not_create(site):
    with closing(sqlite3.connect(site.dir / "var" / "o2c-hub.db")) as db, db:
        db.execute("CREATE TABLE ledger (entry TEXT)")
        db.execute("INSERT INTO ledger VALUES ('kept')")
    done = site.o2c_hub("demo", "--once", timeout=120)
    assert done.returncode == 1
    assert done.stderr == ("o2c-hub: var/o2c-hub.db holds data the demo did not create; "
                           "point database: at another file or remove it\n")
    with closing(sqlite3.connect(site.dir / "var" / "o2c-hub.db")) as db:
        assert db.execute("SELECT entry FROM ledger").fetchall() == [("kept",)]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """``o2c-hub demo`` (without --once) in its folder, once the day is played; stopped after."""
    site = Site(tmp_path_factory.mktemp("demo") / "site")
    out = site.dir / "demo.out"
    with out.open("w") as sink:
        demo = subprocess.Popen([sys.executable, "-m", "hub", "demo"], stdout=sink, stderr=subprocess.STDOUT,
                                env=site.env, cwd=site.dir)
    try:
        deadline = time.monotonic() + 300
        while "The hub keeps running" not in out.read_text():
            assert demo.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
            time.sleep(0.5)
        site.demo = demo
        yield site
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait(10)


def test_readme_commands_see_the_running_demos_runs(running):
    listed = running.o2c_hub("runs", "list")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^\s+1  \S+\s+succeeded ", listed.stdout, flags=re.M), listed.stdout
    shown = running.o2c_hub("runs", "show", "1")
    assert shown.returncode == 0 and jsonutil.loads(shown.stdout)["id"] == 1, shown.stderr

    slack = running.urls["SLACK_API_URL"].removesuffix("/api/") + "/_sandbox/messages"
    announced = len(running.get(slack).json())
    again = running.o2c_hub("trigger", "late-payment-alerts")
    assert again.returncode == 0, again.stderr
    assert re.search(r"run \d+ \(late-payment-alerts\): succeeded after 1 attempt\(s\)", again.stdout)
    assert len(running.get(slack).json()) == announced  # announced once already: nothing posted


def test_a_second_demo_refuses_to_wipe_the_running_one(running):
    second = running.o2c_hub("demo", "--once", timeout=120)
    assert second.returncode == 1
    assert second.stderr == f"o2c-hub: a demo is already running (pid {running.demo.pid}) on var/o2c-hub.db\n"
    assert running.get(f"{running.url}/healthz").ok
    assert running.get(f"{running.url}/api/v1/runs/1", headers=ADMIN).json()["status"] == "succeeded"


def test_the_readme_retry_walk_through(running):
    first = jsonutil.loads(running.shell(README_POST_ORDER))
    assert first["duplicate"] is False
    assert running.wait_run(first["runs"][0])["status"] == "succeeded"
    assert jsonutil.loads(running.shell(README_POST_ORDER))["duplicate"] is True

    answer = jsonutil.loads(running.shell(README_RETRY).splitlines()[-1])
    assert answer["duplicate"] is False
    run = running.wait_run(answer["runs"][0])
    assert (run["status"], run["attempt"]) == ("succeeded", 3), run
    calls = [(s["attempt"], s["status"]) for s in run["steps"] if s["step"] == "erp_order"]
    assert calls == [(1, "failed"), (2, "failed"), (3, "succeeded")]
    assert all("HTTP 503" in s["error_message"] for s in run["steps"] if s["status"] == "failed")
    # initial 10 s, doubled, with jitter: each wait is half to all of 10 s, then of 20 s
    waits = [_wait_before(run["steps"], attempt) for attempt in (2, 3)]
    assert waits[0] >= 5 and waits[1] >= 10, waits

    shown = jsonutil.loads(running.o2c_hub("runs", "show", str(run["id"])).stdout)
    assert (shown["status"], shown["attempt"]) == ("succeeded", 3)
    erp = running.get(f"http://127.0.0.1:{running.erp_port}/_sandbox/requests").json()
    assert [r["json"]["order_number"] for r in erp if r["path"] == "/erp/orders"] == ["1042", "2001"]


def _wait_before(steps: list[dict], attempt: int) -> float:
    ended = max(datetime.fromisoformat(s["finished_at"]) for s in steps if s["attempt"] == attempt - 1)
    started = min(datetime.fromisoformat(s["started_at"]) for s in steps if s["attempt"] == attempt)
    return (started - ended).total_seconds()
