"""The demo's console admin: a password made on the spot, printed once, that logs in."""

from __future__ import annotations

import re

import pytest
import yaml

from hub.demo import _console_login
from hub.hub import Hub
from hub.users import authenticate, list_users


@pytest.fixture
def fresh_hub(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"database": "sqlite:///hub.db", "recipes": []}))
    hub = Hub.from_config(tmp_path / "config.yaml")
    hub.migrate()
    yield hub
    hub.close()


def test_the_demo_prints_a_fresh_admin_password_that_logs_in(fresh_hub, capsys):
    _console_login(fresh_hub)
    line = capsys.readouterr().out
    password = re.search(r"log in as admin, password (\S+);", line).group(1)
    assert "/console/" in line and len(password) >= 12
    assert authenticate(fresh_hub.sessions, "admin", password, "127.0.0.1").role == "admin"
    _console_login(fresh_hub)  # a second start keeps the first password and prints none
    assert "password" not in capsys.readouterr().out
    assert [(u.name, u.role) for u in list_users(fresh_hub.sessions)] == [("admin", "admin")]
