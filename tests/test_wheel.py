"""The wheel as a user gets it: built from this tree, installed without extras into a fresh
virtualenv, and used from a folder with no checkout: ``--version``, ``init``, ``validate``, and a
signed webhook through ``o2c-hub run`` to the ERP and Slack (a stub server here), read back from
the admin API.

Slow (a wheel build and a ``pip install`` from the package index, about a minute with pip's
cache warm), and part of the suite on purpose: it is the only test that sees the package as
installed rather than as this checkout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "connectors")
#: Left in a checkout by running it; never part of the package.
LOCAL_DEBRIS = shutil.ignore_patterns("__pycache__", "*.pyc", "var", "*.db", "*.db-*", "*.egg-info")
#: Installed by the [test] extra only: the wheel must run without them.
TEST_ONLY = ("pytest", "responses", "stripe", "facturx", "trytond", "aiosmtpd")
ENV_REF = re.compile(r"\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}")
#: Token shapes some connectors check; a real-looking secret keeps the prefix.
SECRET_PREFIXES = ("xoxb-", "sk_test_", "whsec_", "shpat_", "pat-")


def run(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """This tree's package sources, without what running the checkout leaves behind."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=LOCAL_DEBRIS)
    return src


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
        "--wheel-dir", out, source, timeout=600)
    (built,) = out.glob("o2c_hub-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed, no extras; its bin/ folder."""
    root = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", root)
    run(root / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", wheel, timeout=900)
    return root / "bin"


@pytest.fixture(scope="module")
def clean_env() -> dict[str, str]:
    """The environment minus anything that could lead to this checkout or set the hub's config."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("O2C_")}


def test_the_wheel_holds_every_file_of_the_packages_and_nothing_else(source, wheel):
    expected = {p.relative_to(source).as_posix() for name in PACKAGES
                for p in (source / name).rglob("*") if p.is_file()}
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in n}
    assert shipped == expected
    assert {"hub/starter/config.yaml", "hub/schemas/o2c/invoice.schema.json",
            "hub/store/migrations/script.py.mako", "hub/o2c/einvoice/templates/invoice.html"} <= shipped


def test_installed_without_extras_it_imports_from_the_virtualenv_only(venv, clean_env, tmp_path):
    probe = ("import importlib.util, json, hub, connectors; "
             f"print(json.dumps([hub.__file__, connectors.__file__, hub.__version__, "
             f"[m for m in {TEST_ONLY!r} if importlib.util.find_spec(m)]]))")
    hub_file, connectors_file, version, test_only = json.loads(
        run(venv / "python", "-c", probe, cwd=tmp_path, env=clean_env).stdout)
    assert Path(hub_file).is_relative_to(venv.parent) and Path(connectors_file).is_relative_to(venv.parent)
    assert version == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert test_only == []


def test_init_validate_and_a_signed_webhook_through_run(venv, clean_env, tmp_path):
    o2c = venv / "o2c-hub"
    version = run(o2c, "--version", cwd=tmp_path, env=clean_env).stdout
    assert version == f"o2c-hub, version {tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['version']}\n"
    run(o2c, "init", "site", cwd=tmp_path, env=clean_env)
    checked = run(o2c, "--config", "site/config.yaml", "validate", "site/recipes", cwd=tmp_path, env=clean_env)
    assert checked.stdout.endswith(" recipe file(s) valid\n")

    with Stub() as stub:
        site = tmp_path / "site"
        port = free_port()
        config = site / "config.yaml"
        text, edited = re.subn(r"(?m)^(  port:) 8080\b", rf"\1 {port}", config.read_text(), count=1)
        assert edited == 1, "the starter's server.port is no longer 8080: update this test"
        config.write_text(text)
        env = {**clean_env, **site_environment(config.read_text(), stub.url, tmp_path / "hub.db", port)}
        with Hub(o2c, site, env, tmp_path / "hub.log") as hub:
            hub.wait_until_healthy(f"http://127.0.0.1:{port}/healthz")
            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {env['O2C_ADMIN_TOKEN']}"
            body = (site / "samples" / "order-created.json").read_bytes()
            secret = env["SHOP_WEBHOOK_SECRET"]

            forged = post_webhook(port, body, secret + "x")
            assert forged.status_code == 401
            posted = post_webhook(port, body, secret)
            assert posted.status_code == 202, posted.text
            runs = [api.get(f"http://127.0.0.1:{port}/api/v1/runs/{i}", timeout=10).json()
                    for i in posted.json()["runs"]]
            (order_run,) = [r for r in runs if r["recipe"] == "order-webhook-to-erp"]
            finished = wait_for_run(api, f"http://127.0.0.1:{port}/api/v1/runs/{order_run['id']}")
            assert finished["status"] == "succeeded", finished
        assert hub.returncode == 0, hub.log()

    (erp_call,) = stub.requests_to("/erp/orders")
    assert erp_call["authorization"] == f"Bearer {env['ERP_TOKEN']}"
    assert erp_call["body"]["order_number"] == "1042"
    assert erp_call["body"]["total"] in ("141.37", 141.37)
    (told,) = [r for r in stub.requests_to("/api/chat.postMessage") if "1042" in json.dumps(r["body"])]
    assert told["authorization"] == f"Bearer {env['SLACK_TOKEN']}"
    log = hub.log()
    leaked = [name for name, value in env.items()
              if name.endswith(("SECRET", "TOKEN", "KEY", "PASSWORD")) and value in log]
    assert leaked == []


def site_environment(config_text: str, stub_url: str, database: Path, port: int) -> dict[str, str]:
    """Every ${VAR:-default} the site's config reads: services at the stub, fresh secrets."""
    env = {"O2C_DATABASE_URL": f"sqlite:///{database}", "O2C_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    for name, default in ENV_REF.findall(config_text):
        if name in env:
            continue
        if re.match(r"https?://", default):
            env[name] = re.sub(r"^https?://[^/]+", stub_url, default)
        elif name.endswith("_HOST"):
            env[name] = "127.0.0.1"
        else:
            prefix = next((p for p in SECRET_PREFIXES if default.startswith(p)), "")
            env[name] = prefix + secrets.token_hex(16)
    return env


def post_webhook(port: int, body: bytes, secret: str) -> requests.Response:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return requests.post(f"http://127.0.0.1:{port}/webhooks/shop", data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Hmac-Sha256": signature})


def wait_for_run(api: requests.Session, url: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = api.get(url, timeout=10).json()
        if found["status"] in ("succeeded", "dead") or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """``o2c-hub run`` in the site folder, stopped with SIGTERM (as a service manager does)."""

    def __init__(self, o2c: Path, site: Path, env: dict[str, str], log_path: Path):
        self.command, self.site, self.env, self.log_path = o2c, site, env, log_path
        self.returncode: int | None = None

    def __enter__(self) -> Hub:
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen([str(self.command), "run"], cwd=self.site, env=self.env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.returncode = self.process.wait()
        self.log_file.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"o2c-hub run exited {self.process.returncode}:\n{self.log()}"
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        pytest.fail(f"o2c-hub run did not answer {url} within {timeout}s:\n{self.log()}")


class Stub:
    """The ERP and Slack as far as the storefront order recipe needs them: POST /erp/orders
    and chat.postMessage answer; anything else is 404. Every request is recorded."""

    def __init__(self):
        self.seen: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._record(b"")
                self._answer(404, {"error": "not found"})

            def do_POST(self):
                self._record(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                if self.path == "/erp/orders":
                    self._answer(201, {"id": "SO-1"})
                elif self.path.endswith("/chat.postMessage"):
                    self._answer(200, {"ok": True, "channel": "C1", "ts": "1.000001"})
                else:
                    self._answer(404, {"error": "not found"})

            def _record(self, raw: bytes):
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                stub.seen.append({"method": self.command, "path": self.path, "body": body,
                                  "authorization": self.headers.get("Authorization")})

            def _answer(self, status: int, value: dict):
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Stub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, path: str) -> list[dict]:
        return [r for r in self.seen if r["method"] == "POST" and r["path"] == path]
