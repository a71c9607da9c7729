"""Logging in and out of the console.

    GET  /console/login     the form
    POST /console/login     check the name and password (429 after too many failures)
    POST /console/logout    end the session
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from hub.errors import LoginThrottled
from hub.store.platform import AuditEntry
from hub.users import FAILURE_WINDOW, authenticate
from hub.web.console.access import current_user, log_in, log_out
from hub.web.console.blueprint import console_blueprint
from hub.web.context import current_hub

bp = console_blueprint("console_auth", "/console", public=True)

MAX_FIELD = 200  # longer names or passwords are not checked at all


@bp.get("/login")
def login():
    if current_user() is not None:
        return redirect(_next_page())
    return render_template("console/login.html", next=_next_page())


@bp.post("/login")
def login_post():
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    if not name or not password or len(name) > MAX_FIELD or len(password) > MAX_FIELD:
        return _form("Enter your user name and password.", 400)
    try:
        hub = current_hub()
        user = authenticate(hub.sessions, name, password, request.remote_addr, hub.settings.console_users)
    except LoginThrottled as exc:
        page, status = _form(f"Login refused: {exc}.", 429)
        return page, status, {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))}
    if user is None:
        return _form("Wrong user name or password.", 401)
    log_in(user)
    return redirect(_next_page())


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        with current_hub().sessions.begin() as db:
            db.add(AuditEntry(kind="console.logout", detail=f"user {user.name} logged out",
                              remote_addr=request.remote_addr))
    log_out()
    return redirect(url_for("console_auth.login"))


def _form(error: str, status: int):
    return render_template("console/login.html", error=error, next=_next_page(),
                           name=request.form.get("name", "")[:MAX_FIELD]), status


def _next_page() -> str:
    """Where to go after logging in: a console page named by ``next``, else the console's home."""
    target = request.values.get("next") or ""
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")
