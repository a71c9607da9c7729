"""The web console: server-rendered pages for people, beside the API for machines.

    /                        → /console/
    /console/                → the first page the user may see
    /console/login, logout   hub.web.console.auth
    /console/runs/...        hub.web.console.runs
    /console/static/<file>   our own CSS and JS, from hub/web/static/console

Each area is one module with a blueprint made by :func:`console_blueprint` and a ``NAV``
item; :data:`AREAS` lists them, and the layout's navigation is built from it. A console
blueprint answers errors as pages, refuses a state-changing request without its CSRF token
(400), and sends anyone not logged in to the login page. The session is a signed cookie
(HttpOnly, SameSite=Lax, Secure over https; see hub.web.console.session). Webhooks and the
bearer-token API never see any of this.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask, redirect, render_template, request, send_from_directory, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import NotFound

from hub import jsonutil
from hub.web.console import access, auth
from hub.web.console.blueprint import console_blueprint, error_page, layout_context
from hub.web.console.nav import Navigation
from hub.web.console.session import ConsoleSessionInterface
from hub.web.edge import http_error

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"
SESSION_HOURS = 12


def init_console(app: Flask) -> None:
    """Install the console on ``app``: session, CSRF, its blueprints and navigation."""
    from hub.web.console import credit, exceptions, orders, runs
    from hub.web.console import connections, recipes
    from hub.web.console import cashapp, collections, dashboard
    from hub.web.console import audit

    app.config.update(
        SESSION_COOKIE_NAME="o2c_console", SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # only console blueprints check (see console_blueprint)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session it belongs to
    )
    app.session_interface = ConsoleSessionInterface()
    app.extensions["o2c_console_csrf"] = CSRFProtect(app)
    nav = Navigation()
    app.extensions["o2c_console_nav"] = nav
    app.register_blueprint(_core_blueprint())
    app.register_blueprint(auth.bp)
    for area in (runs, orders, credit, exceptions, recipes, connections, cashapp, collections, dashboard, audit):
        app.register_blueprint(area.bp)
        nav.add(area.NAV)
    app.add_url_rule("/", "root", lambda: redirect("/console/"))
    app.add_url_rule("/favicon.ico", "favicon", lambda: redirect("/console/static/favicon.svg", 301))
    app.register_error_handler(NotFound, _not_found)
    app.add_template_filter(pretty_json)
    app.add_template_filter(reject_key)


def _not_found(exc: NotFound):
    """A console address that leads nowhere is a console page saying so; elsewhere the JSON answer.
    (Registered for 404 on the app, so it also sees a console view's own 404s: those keep their page.)"""
    if (request.blueprint or "").startswith("console"):  # every console blueprint's name does
        return error_page(exc)
    if request.path.startswith("/console/") and not request.path.startswith("/console/static/"):
        return render_template("console/error.html", code=404, title="Page not found",
                               message="There is no such console page. Use the navigation above.",
                               **layout_context()), 404
    return http_error(exc)


def pretty_json(value) -> str:
    """A stored value as indented JSON (amounts stay exact)."""
    return jsonutil.dumps(value, pretty=True)


def reject_key(args: dict, key: str) -> dict:
    """Query arguments without ``key`` (to build the pager's links)."""
    return {k: v for k, v in args.items() if k != key}


def _core_blueprint() -> Blueprint:
    bp = console_blueprint("console", "/console", public=True)

    @bp.get("/")
    def home():
        user = access.current_user()
        if user is None:
            return redirect(url_for("console_auth.login"))
        items = layout_context()["nav"]
        if not items:
            return render_template("console/error.html", code=200, title="Nothing to show",
                                   message="Your role gives you no console page yet.")
        return redirect(url_for(items[0].endpoint))

    @bp.get("/static/<path:filename>")
    def static(filename: str):
        return send_from_directory(STATIC, filename, max_age=3600)

    return bp
