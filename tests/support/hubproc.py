"""A real hub process for end-to-end tests: its own config, database and port, started with
the ``o2c-hub run`` command over real sockets, killable and restartable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import yaml

from hub import jsonutil

ADMIN_TOKEN = "test-admin-token-of-24-chars-or-more"
SHOP_SECRET = "test-shop-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(body: bytes, secret: str = SHOP_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class HubProcess:
    """``o2c-hub run`` in a subprocess, configured to talk to the given sandboxes."""

    def __init__(self, workdir: Path, *, erp_url: str, slack_url: str,
                 recipes: dict[str, str], extra_config: dict[str, Any] | None = None,
                 connections: dict[str, Any] | None = None):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "config.yaml"
        self.log = workdir / "hub.log"
        (workdir / "recipes").mkdir(exist_ok=True)
        for name, text in recipes.items():
            (workdir / "recipes" / name).write_text(text)
        config = self._config(erp_url, slack_url, extra_config)
        config["connections"].update(connections or {})  # more connections next to shop/erp/slack
        self.config.write_text(yaml.safe_dump(config))
        self.proc: subprocess.Popen | None = None

    def _config(self, erp_url: str, slack_url: str, extra: dict | None) -> dict[str, Any]:
        config = {
            "database": "sqlite:///hub.db",
            "server": {"host": "127.0.0.1", "port": self.port, "threads": 4},
            "workers": 2,
            "shutdown_grace": "5s",
            "admin": {"token": "${TEST_ADMIN_TOKEN}"},
            "recipes": ["recipes/*.yaml"],
            "connections": {
                "shop": {"connector": "http", "base_url": "http://127.0.0.1:9",
                         "webhook": {"secret": "${TEST_SHOP_SECRET}",
                                     "signature_header": "X-Shopify-Hmac-Sha256",
                                     "encoding": "base64",
                                     "delivery_id_header": "X-Shopify-Webhook-Id",
                                     "topic_header": "X-Shopify-Topic"}},
                "erp": {"connector": "http", "base_url": erp_url, "timeout": 5,
                        "auth": {"bearer": {"token": "${TEST_ERP_TOKEN}"}},
                        "actions": {"create_order": {"method": "POST", "path": "/erp/orders"}}},
                "slack": {"connector": "slack", "token": "${TEST_SLACK_TOKEN}",
                          "channel": "#ar-alerts", "base_url": slack_url + "/api/", "timeout": 5},
            },
        }
        config.update(extra or {})
        return config

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TEST_ADMIN_TOKEN": ADMIN_TOKEN, "TEST_SHOP_SECRET": SHOP_SECRET,
                "TEST_ERP_TOKEN": "erp-token-123", "TEST_SLACK_TOKEN": "xoxb-test-token"}

    def cli(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        """Run an ``o2c-hub`` command against this hub's config."""
        return subprocess.run([sys.executable, "-m", "hub", "--config", str(self.config), *args],
                              env=self.env, capture_output=True, text=True, timeout=120,
                              check=check, cwd=self.workdir, input=input)

    def add_user(self, name: str, role: str, password: str) -> None:
        """A console user, added as an admin would (``o2c-hub users add``)."""
        self.cli("users", "add", name, "--role", role, "--reason", "a test user", "--password-stdin",
                 input=password + "\n")

    def start(self, timeout: float = 60) -> HubProcess:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub", "--config", str(self.config), "run"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                pass
            time.sleep(0.1)
        raise RuntimeError(f"hub did not answer /healthz:\n{self.log.read_text()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode if self.proc else 0

    def post_order(self, order: dict, *, delivery_id: str | None = None,
                   signature: str | None = None, topic: str = "orders/create") -> requests.Response:
        body = jsonutil.dumps(order).encode()
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
                   "X-Shopify-Webhook-Id": delivery_id or str(uuid.uuid4()),
                   "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(body)}
        return requests.post(self.url + "/webhooks/shop", data=body, headers=headers, timeout=10)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        return requests.request(method, self.url + "/api/v1" + path, headers=headers,
                                timeout=10, **kwargs)

    def wait_run(self, run_id: int, statuses=("succeeded", "dead"), timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.api("GET", f"/runs/{run_id}").json()
            if run["status"] in statuses:
                return run
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} still {run['status']} after {timeout}s: {run}")
