"""Whether a machine service (PostgreSQL, Redis, ...) answers; in CI a missing one fails."""

from __future__ import annotations

import os
import socket

import pytest


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (outside CI) or fail (in CI, where .ci/run starts every service) if it is down."""
    if reachable(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; .ci/run should have started it")
    pytest.skip(f"{message} (start it, or run the suite through .ci/run)")
