"""What every console blueprint has: error pages, CSRF checks, the login requirement and the
layout's context (the user and the navigation)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hub.web.console import access

TEMPLATES = "../templates"  # relative to hub/web/console: hub/web/templates/console/...


def console_blueprint(name: str, url_prefix: str, *, public: bool = False) -> Blueprint:
    """A blueprint of the console: pages for errors, CSRF on every state-changing request,
    and (unless ``public``) a logged-in user on every request."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix, template_folder=TEMPLATES)
    bp.before_request(_check_csrf)
    if not public:
        bp.before_request(access.require_login)
    bp.register_error_handler(HTTPException, error_page)
    bp.context_processor(layout_context)
    return bp


def _check_csrf() -> None:
    current_app.extensions["o2c_console_csrf"].protect()


def error_page(exc: HTTPException):
    if isinstance(exc, CSRFError):
        message = ("This form was not sent from a console page you opened (its security token is "
                   "missing or expired). Go back, reload the page and try again.")
    else:
        message = exc.description or exc.name
    return render_template("console/error.html", code=exc.code, title=exc.name,
                           message=message), exc.code or 500


def layout_context() -> dict:
    user = access.current_user()
    return {"user": user, "nav": current_app.extensions["o2c_console_nav"].visible_to(user)}


