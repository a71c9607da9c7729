"""The container files as shipped: the Dockerfile's stages, user, health check and entry point,
the build context it is given, and the compose stack's database, secrets and start order.

No container engine is needed: the files are read, and the health check's command is run
against a local server.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def final_stage(dockerfile) -> list[tuple[str, str]]:
    starts = [i for i, (k, _) in enumerate(dockerfile) if k == "FROM"]
    return dockerfile[starts[-1]:]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def values(stage, keyword: str) -> list[str]:
    return [rest for k, rest in stage if k == keyword]


def env_of(stage) -> dict[str, str]:
    pairs = " ".join(values(stage, "ENV"))
    return dict(item.split("=", 1) for item in shlex.split(pairs))


def test_the_wheel_is_built_in_one_stage_and_installed_in_a_slim_python_311(dockerfile, final_stage):
    args = dict(a.split("=", 1) for a in values(dockerfile, "ARG") if "=" in a)
    bases = [rest.split()[0].replace("${PYTHON_IMAGE}", args.get("PYTHON_IMAGE", "")) for rest in values(dockerfile, "FROM")]
    assert len(bases) >= 2
    assert all(re.fullmatch(r"python:3\.11-slim(-\w+)?", b) for b in bases), bases
    assert any("pip wheel" in run and "--no-deps" in run for run in values(dockerfile, "RUN"))
    installs = [run for run in values(final_stage, "RUN") if "pip install" in run]
    assert len(installs) == 1 and "/dist/*.whl" in installs[0]


def test_no_extras_and_no_editable_install_reach_the_image(dockerfile):
    text = " ".join(rest for _, rest in dockerfile)
    assert not re.search(r"\[(test|dev)\]|pip install[^&]* -e ", text)


def test_it_runs_as_an_unprivileged_user(final_stage):
    users = values(final_stage, "USER")
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    keywords = [k for k, _ in final_stage]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_entry_point_config_and_data_volume(final_stage):
    assert json.loads(values(final_stage, "ENTRYPOINT")[-1]) == ["o2c-hub"]
    assert json.loads(values(final_stage, "CMD")[-1]) == ["run"]
    env = env_of(final_stage)
    assert env["O2C_HUB_CONFIG"] == "/etc/o2c-hub/config.yaml"
    assert env["O2C_HOST"] == "0.0.0.0"
    assert "O2C_DATABASE_URL" not in env  # would clash with compose's O2C_DATABASE_URL_FILE
    assert json.loads(values(final_stage, "VOLUME")[-1]) == ["/var/lib/o2c-hub"]
    assert "o2c-hub init /etc/o2c-hub" in " ".join(values(final_stage, "RUN"))


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        body = b'{"status": "ok"}' if self.path == "/healthz" and self.status == 200 else b"{}"
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)], ids=["up", "down"])
def test_the_health_check_asks_healthz_and_fails_on_an_error_answer(final_stage, status, healthy):
    checks = values(final_stage, "HEALTHCHECK")
    assert len(checks) == 1
    command = json.loads(checks[0][checks[0].index("CMD") + 3:].strip())
    assert command[:2] == ["python", "-c"]
    handler = type("Handler", (Health,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = env_of(final_stage)["O2C_HEALTH_URL"].replace("127.0.0.1:8080", f"127.0.0.1:{server.server_address[1]}")
        assert url.endswith("/healthz")
        done = subprocess.run([sys.executable, *command[1:]], env={"O2C_HEALTH_URL": url},
                              capture_output=True, text=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert (done.returncode == 0) is healthy, done.stderr
    assert "Traceback" not in done.stderr


def test_the_build_context_holds_what_the_wheel_is_built_from_and_no_local_state(dockerfile):
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = {src for rest in values(dockerfile, "COPY") if "--from" not in rest
              for src in rest.split()[:-1]}
    assert {s.rstrip("/") for s in copied} <= allowed
    assert {"**/var", "**/*.db", "**/__pycache__"} <= set(rules)


def test_compose_starts_the_hub_once_postgresql_is_healthy(compose):
    db, hub = compose["services"]["db"], compose["services"]["hub"]
    assert db["image"].startswith("postgres:")
    assert db["healthcheck"]["test"][0] == "CMD-SHELL" and "pg_isready" in db["healthcheck"]["test"][1]
    assert hub["depends_on"]["db"]["condition"] == "service_healthy"
    assert hub["build"] == "."
    assert hub.get("command", ["run"]) == ["run"]
    assert "hub-data:/var/lib/o2c-hub" in hub["volumes"]
    assert "db-data:/var/lib/postgresql/data" in db["volumes"]


def test_compose_gives_every_secret_as_a_file(compose):
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        files = {k: v for k, v in env.items() if k.endswith("_FILE")}
        mounted = {f"/run/secrets/{s}" for s in service.get("secrets", [])}
        assert set(files.values()) <= mounted, name
        assert set(service.get("secrets", [])) <= set(compose["secrets"]), name
        plain = [k for k, v in env.items() if not k.endswith("_FILE")
                 and re.search(r"TOKEN|SECRET|PASSWORD|KEY|DATABASE_URL", k)]
        assert plain == [], f"{name} sets secrets in plain environment variables: {plain}"
    hub_env = compose["services"]["hub"]["environment"]
    assert {"O2C_DATABASE_URL_FILE", "O2C_ADMIN_TOKEN_FILE"} <= set(hub_env)
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert all(spec["file"].startswith("./secrets/") for spec in compose["secrets"].values())
