"""The Flask app factory: webhooks, the admin API and health, each a blueprint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, jsonify
from flask.json.provider import JSONProvider
from werkzeug.exceptions import HTTPException

from hub import jsonutil

if TYPE_CHECKING:
    from hub.hub import Hub

MAX_BODY = 5 * 1024 * 1024  # webhooks larger than this are refused with 413


class ExactJSONProvider(JSONProvider):
    """JSON responses keep Decimal amounts exact (number literals, never through float)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return jsonutil.dumps(obj)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonutil.loads(s)


def create_app(hub: Hub) -> Flask:
    """A WSGI app serving ``hub``."""
    from hub.web import api, cashapp, credit, health, orders, reports, webhooks

    app = Flask("o2c_hub")
    app.json = ExactJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["o2c_hub"] = hub
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(cashapp.bp)
    app.register_blueprint(credit.bp)
    app.register_blueprint(orders.bp)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code
