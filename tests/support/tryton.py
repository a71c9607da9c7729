"""A real trytond on loopback for end-to-end tests, with a cached, prepared SQLite database.

    from tests.support.tryton import tryton_server      # in a conftest: re-export the fixture

    def test_something(tryton_server):
        tryton_server.url, tryton_server.database, tryton_server.user, tryton_server.password

Once per cache key (trytond version + calendar year, since the fiscal year covers one year, +
a hash of the set-up script)
the database is built with ``trytond-admin --all -u sale account_invoice
bank --activate-dependencies`` and ``tests/support/tryton_setup.py`` (company, chart, fiscal year,
payment term, product category, payment method) and kept in ``$O2C_TRYTON_CACHE`` (default
``~/.cache/o2c-hub/tryton``). Each test session copies it and starts ``trytond -c CONF -d DB``
on a free port. When trytond cannot run, tests skip outside CI and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import requests

DATABASE = "o2c"
USER = "admin"
PASSWORD = "admin-o2c-test"
MODULES = ["sale", "account_invoice", "bank"]
SETUP_SCRIPT = Path(__file__).with_name("tryton_setup.py")
START_TIMEOUT = 60.0
SETUP_TIMEOUT = 900.0


@dataclass(frozen=True, slots=True)
class TrytonServer:
    """How to reach the running test server."""

    url: str
    database: str
    user: str
    password: str
    config_file: Path


def unavailable(reason: str) -> None:
    """Skip (outside CI) or fail (in CI) with ``reason``."""
    if os.environ.get("CI"):
        pytest.fail(f"trytond unavailable: {reason}")
    pytest.skip(f"trytond unavailable: {reason}")


def trytond_version() -> str:
    """The installed trytond version (LookupError when it is not installed)."""
    try:
        return metadata.version("trytond")
    except metadata.PackageNotFoundError:
        raise LookupError("the trytond package is not installed (pip install trytond-sale "
                          "trytond-account-invoice trytond-bank proteus)") from None


def cache_dir() -> Path:
    """Where prepared databases are kept between runs."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "o2c-hub" / "tryton"
    return Path(os.environ.get("O2C_TRYTON_CACHE", default))


def write_config(directory: Path, port: int) -> Path:
    """A trytond config for an SQLite database in ``directory``, listening on loopback."""
    config = directory / "trytond.conf"
    config.write_text(f"[database]\nuri = sqlite://\npath = {directory}\n\n"
                      f"[web]\nlisten = 127.0.0.1:{port}\n\n[session]\nmax_attempt = 100\n")
    return config


def bin_path(name: str) -> str:
    """The console script ``name`` next to this interpreter (the virtualenv's)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run(command: list[str], *, env: dict[str, str], log: Path, timeout: float) -> None:
    """Run a set-up command; its output goes to ``log``, whose tail is shown on failure."""
    with log.open("ab") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}):\n{tail}")


def build_database(directory: Path) -> Path:
    """Create and prepare ``DATABASE`` in ``directory``; returns the SQLite file."""
    config = write_config(directory, free_port())
    database = directory / f"{DATABASE}.sqlite"
    database.touch()  # the SQLite backend opens, never creates, the file
    password_file = directory / "password"
    password_file.write_text(PASSWORD + "\n")
    env = {**os.environ, "TRYTONPASSFILE": str(password_file)}
    log = directory / "setup.log"
    run([bin_path("trytond-admin"), "-c", str(config), "-d", DATABASE, "--all", "-u", *MODULES,
         "--activate-dependencies", "--email", "admin@o2c.example"], env=env, log=log, timeout=SETUP_TIMEOUT)
    run([sys.executable, str(SETUP_SCRIPT), str(config), DATABASE, "EUR", str(dt.date.today().year)],
        env=env, log=log, timeout=SETUP_TIMEOUT)
    return database


def cached_database() -> Path:
    """The prepared database file for this trytond version and year, built when missing."""
    key = f"{trytond_version()}-{dt.date.today().year}-{setup_digest()}"
    cached = cache_dir() / key / f"{DATABASE}.sqlite"
    if cached.exists():
        return cached
    building = cache_dir() / f"{key}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.monotonic()
    database = build_database(building)
    cached.parent.mkdir(parents=True, exist_ok=True)
    os.replace(database, cached)  # atomic: a half-built file is never taken for a cached one
    (cached.parent / "built-in-seconds").write_text(f"{time.monotonic() - started:.1f}\n")
    shutil.rmtree(building, ignore_errors=True)
    return cached


def setup_digest() -> str:
    """A short hash of the set-up script and the modules: a changed set-up builds a new cached database."""
    return hashlib.sha256(SETUP_SCRIPT.read_bytes() + " ".join(MODULES).encode()).hexdigest()[:12]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    """Block until the server answers JSON-RPC, or raise with the end of its log."""
    deadline = time.monotonic() + START_TIMEOUT
    body = {"id": 0, "method": "common.server.version", "params": []}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"trytond exited ({process.returncode}):\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.post(f"{url}/rpc/", json=body, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"trytond did not answer within {START_TIMEOUT:.0f}s")


def start_server(directory: Path) -> tuple[subprocess.Popen, TrytonServer]:
    """Copy the cached database into ``directory`` and start trytond on it."""
    shutil.copyfile(cached_database(), directory / f"{DATABASE}.sqlite")
    port = free_port()
    config = write_config(directory, port)
    log = directory / "trytond.log"
    with log.open("ab") as out:
        process = subprocess.Popen([bin_path("trytond"), "-c", str(config), "-d", DATABASE],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = TrytonServer(url=f"http://127.0.0.1:{port}", database=DATABASE, user=USER, password=PASSWORD,
                          config_file=config)
    try:
        wait_until_answering(server.url, process, log)
    except BaseException:
        stop(process)
        raise
    return process, server


def stop(process: subprocess.Popen) -> None:
    """Terminate the server (kill it if it does not stop within 10 s)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory):
    """A trytond with company, chart, fiscal year and payment term, for the whole test session."""
    try:
        process, server = start_server(tmp_path_factory.mktemp("trytond"))
    except (LookupError, RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        unavailable(str(error))
    yield server
    stop(process)
