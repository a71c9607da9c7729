"""Logging out ends the session on the hub's side: a kept copy of the cookie logs nobody in."""

from __future__ import annotations

from tests.console.conftest import csrf_of, login

RUNS = "/console/runs/"


def _cookie(client) -> str:
    return client.get_cookie("o2c_console", path="/console").value


def test_a_copy_of_the_cookie_is_worthless_after_logout(app):
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    kept = _cookie(client)
    assert client.get(RUNS).status_code == 200
    token = csrf_of(client.get(RUNS).text)
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302

    thief = app.test_client()
    thief.set_cookie("o2c_console", kept, path="/console")
    answer = thief.get(RUNS)
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_logging_out_ends_only_that_login(app):
    first, second = app.test_client(), app.test_client()
    assert login(first, "ar").status_code == 302
    assert login(second, "ar", remote="10.0.0.2").status_code == 302
    token = csrf_of(first.get(RUNS).text)
    first.post("/console/logout", data={"csrf_token": token})
    assert first.get(RUNS).status_code == 302
    assert second.get(RUNS).status_code == 200, "the other browser stays logged in"


def test_a_cookie_signed_right_but_naming_no_login_is_refused(app):
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    with client.session_transaction("/console/runs/") as session:
        session["login"] = "made-up-token"
    assert client.get(RUNS).status_code == 302
