"""What every answer carries, and how errors become JSON answers.

Every answer gets headers that keep browsers from sniffing, framing or leaking it; JSON
answers get a Content-Security-Policy that allows nothing, console pages one that allows the
hub's own CSS, JS and images only; answers under /api/v1 and console pages are never cached.
Errors are ``{"error": "<one line>"}`` with their status. An exception nothing
expected is logged (its class, the route, the frames, a masked message: never the body or
the headers) and answered 500; each known bad input has its own 4xx check before that.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from hub.store.base import database_detail
from hub.web.context import current_hub

log = logging.getLogger("o2c_hub.web")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# console pages: our own CSS, JS and images only, no inline script, forms post to the hub
CONSOLE_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def init_app(app: Flask) -> None:
    """Install the headers and the JSON error answers on ``app``."""
    app.after_request(secure_headers)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def secure_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "application/json":
        response.headers.setdefault("Content-Security-Policy", JSON_CSP)
    elif request.path.startswith("/console/"):
        response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
        if not request.path.startswith("/console/static/"):
            response.headers["Cache-Control"] = "no-store"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def http_error(exc: HTTPException):
    """An HTTP error as JSON, keeping the headers it carries (Allow, WWW-Authenticate)."""
    response = jsonify(error=exc.description or exc.name)
    response.status_code = exc.code or 500
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def unexpected_error(exc: Exception):
    frames = "".join(traceback.format_tb(exc.__traceback__))
    if isinstance(exc, SQLAlchemyError):  # its text quotes the statement: name the error only
        message = database_detail(exc)
    else:
        message = current_hub().redactor.text(str(exc))[:300]
    log.error("unexpected %s on %s %s: %s\n%s", type(exc).__name__, request.method, request.path,
              message, frames)
    return jsonify(error="internal error: the hub could not answer this request"), 500
