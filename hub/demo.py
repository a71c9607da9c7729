"""``o2c-hub demo``: the hub with local stand-ins for the systems of config.example.yaml.

The ERP sandbox (a JSON API that records what it receives) listens on 127.0.0.1:9200 and the
Slack sandbox on 127.0.0.1:9201, each speaking its system's real API shape; then the hub runs
as ``o2c-hub run`` would. See what arrived at:
    curl -s http://127.0.0.1:9200/_sandbox/requests      (ERP)
    curl -s http://127.0.0.1:9201/_sandbox/messages      (Slack)
"""

from __future__ import annotations

import logging
import os

from connectors.http.sandbox import create_app as erp_sandbox
from connectors.sandbox import serve as serve_sandbox
from connectors.slack.sandbox import create_app as slack_sandbox
from hub.hub import Hub

log = logging.getLogger("o2c_hub.demo")

ERP_PORT, SLACK_PORT = 9200, 9201


def run_demo(hub_factory) -> None:
    """Start the sandboxes, then build the hub (``hub_factory()``) and serve it."""
    from hub.server import serve

    erp = serve_sandbox(erp_sandbox(token=os.environ.get("ERP_TOKEN", "demo-erp-token")),
                        port=ERP_PORT)
    slack = serve_sandbox(slack_sandbox(token=os.environ.get("SLACK_TOKEN", "xoxb-demo")),
                          port=SLACK_PORT)
    hub: Hub = hub_factory()
    log.info("sandboxes: ERP at %s, Slack at %s", erp.url, slack.url)
    try:
        serve(hub)
    finally:
        erp.stop()
        slack.stop()
