"""The used-by flows end to end: a real hub running the bundled recipes against the vendor
sandboxes (in this process, on real sockets) and a real Tryton as the ERP.

    flows = Flows(tmp_path, tryton_server, sandboxes)    # sandboxes: name -> RunningServer
    flows.start()
    flows.post_shopify_order(order, webhook_id="w-1")
    flows.runs(recipe="shopify-order-to-erp")
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import requests

from connectors.shopify.webhooks import sign as shopify_sign
from connectors.stripe.sandbox import make_event
from connectors.stripe.webhooks import signature_header
from hub import STARTER, jsonutil
from tests.support.hubproc import HubProcess

SHOPIFY_SECRET = "shopify-app-secret"
STRIPE_KEY, STRIPE_WHSEC = "sk_test_flows", "whsec_flows"
SF_CLIENT = ("flows-client", "flows-secret")
HUBSPOT_TOKEN = "pat-flows"
FAST_RETRY = "retry: {max_attempts: 3, backoff: exponential, initial: 300ms, max_delay: 1s, jitter: false}"


def bundled_recipe(name: str, *, every: str = "1s") -> str:
    """A bundled recipe as shipped, with a poll interval and retry policy fit for a test."""
    text = (STARTER / "recipes" / name).read_text()
    text = re.sub(r"every: \w+", f"every: {every}", text)
    return re.sub(r"^retry: .*$", FAST_RETRY, text, flags=re.MULTILINE)


def connections(tryton, urls: dict[str, str]) -> dict[str, Any]:
    """The vendor connections of hub/starter/config.yaml, aimed at the test's sandboxes and Tryton."""
    return {
        "shopify": {"connector": "shopify", "shop_url": "http://127.0.0.1:9", "client_secret": SHOPIFY_SECRET},
        "stripe": {"connector": "stripe", "api_key": STRIPE_KEY, "webhook_secret": STRIPE_WHSEC,
                   "base_url": urls["stripe"]},
        "salesforce": {"connector": "salesforce", "login_url": urls["salesforce"],
                       "auth": {"client_credentials": {"client_id": SF_CLIENT[0], "client_secret": SF_CLIENT[1]}}},
        "hubspot": {"connector": "hubspot", "access_token": HUBSPOT_TOKEN, "base_url": urls["hubspot"]},
        "ledger": {"connector": "tryton", "url": tryton.url, "database": tryton.database,
                   "username": tryton.user, "password": tryton.password, "timeout": 60},
    }


class Flows(HubProcess):
    """A hub process with the bundled used-by recipes and the vendor connections."""

    RECIPES = ("salesforce-accounts-to-erp.yaml", "hubspot-companies-to-erp.yaml", "shopify-order-to-erp.yaml",
               "erp-invoices-to-hub.yaml", "stripe-payment-to-invoice.yaml", "late-payment-alerts.yaml")

    def __init__(self, workdir: Path, tryton, urls: dict[str, str], recipes: tuple[str, ...] = RECIPES):
        super().__init__(workdir, erp_url="http://127.0.0.1:9", slack_url=urls["slack"],
                         recipes={name: bundled_recipe(name) for name in recipes},
                         connections=connections(tryton, urls),
                         # trytond on SQLite hands out party codes without a lock: two parties
                         # created at the same moment collide ("The code on party must be unique").
                         extra_config={"workers": 1})

    def post_shopify_order(self, order: dict, *, webhook_id: str, signature: str | None = None,
                           topic: str = "orders/create") -> requests.Response:
        body = jsonutil.dumps(order).encode()
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
                   "X-Shopify-Webhook-Id": webhook_id,
                   "X-Shopify-Hmac-Sha256": signature if signature is not None else shopify_sign(body, SHOPIFY_SECRET)}
        return requests.post(self.url + "/webhooks/shopify", data=body, headers=headers, timeout=10)

    def post_stripe_event(self, kind: str, obj: dict, *, event_id: str) -> requests.Response:
        body = jsonutil.dumps(make_event(kind, obj, event_id)).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Stripe-Signature": signature_header(body, STRIPE_WHSEC)}
        return requests.post(self.url + "/webhooks/stripe", data=body, headers=headers, timeout=10)

    def runs(self, *, recipe: str) -> list[dict]:
        return self.api("GET", "/runs", params={"recipe": recipe, "limit": 500}).json()["runs"]

    def wait_for(self, condition, what: str, timeout: float = 60) -> Any:
        """Poll ``condition()`` until it is truthy; fail with ``what`` and the hub's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n{self.log.read_text()[-3000:]}")

    def settled_runs(self, recipe: str, count: int, timeout: float = 60) -> list[dict]:
        """Wait until ``recipe`` has at least ``count`` runs, all finished; return them."""
        def done() -> list[dict] | None:
            runs = self.runs(recipe=recipe)
            finished = all(r["status"] in ("succeeded", "dead") for r in runs)
            return runs if len(runs) >= count and finished else None
        return self.wait_for(done, f"{count} finished run(s) of {recipe}", timeout)

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        with sqlite3.connect(self.workdir / "hub.db") as conn:
            return conn.execute(sql, params).fetchall()
