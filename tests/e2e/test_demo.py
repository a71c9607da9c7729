"""``o2c-hub demo --once``: every sandbox on its default port, the hub, and the O2C day played
through them over real sockets, as `make run` shows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from hub import STARTER
from hub.demo import SANDBOXES
from tests.support.services import reachable

pytestmark = pytest.mark.e2e


def test_demo_plays_the_day_and_stops():
    taken = [port for port in [8080, *(port for port, _ in SANDBOXES.values())] if reachable("127.0.0.1", port)]
    if taken:  # the demo listens on fixed ports, like `make run`
        message = f"ports {taken} are in use (is `make run` running?)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if k != "O2C_DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "hub", "--config", str(STARTER / "config.yaml"), "demo", "--once"],
                          capture_output=True, text=True, timeout=240, env=env, cwd=ROOT)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert "(recipe invoice-delivery is not played: it e-mails invoices over SMTP" in out
    assert "→ 3 customers synced to the ERP (3 partners in Odoo)" in out
    assert re.search(r"→ order #1042 → ERP sale S\d+ \(EUR 141\.37\)\n", out)
    assert re.search(r"→ order #1043 → ERP sale S\d+ \(EUR 25\.80\)  \(ERP answered 503, retried, "
                     r"succeeded at attempt 2\)", out)
    assert "→ 3 invoices polled into the hub" in out
    assert re.search(r"→ payment pi_3DemoPaysInvoice1 applied to invoice \S+ \(now paid;", out)
    assert "→ Slack: 1 overdue invoice announced" in out
    assert re.search(r"Day done: (\d+) of \1 runs succeeded, 1 after a retry; 4 Slack messages:", out)
    assert re.search(r"#ar-alerts: Overdue: Acme Tea GmbH, invoice \S+, EUR 980\.00 due, 31 days late\.", out)
    assert "Payment pi_3DemoPaysInvoice1 (EUR 141.37) applied to invoice" in out
    assert "stopping (--once)" in out
