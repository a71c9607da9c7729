"""The Flask app factory: webhooks, the admin API, health and the web console, each a blueprint.

The app has no static route (nothing is served from the working directory); every answer
carries the headers of ``hub.web.edge``; ids in URLs use the ``id`` converter of
``hub.web.inputs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.json.provider import JSONProvider

from hub import jsonutil
from hub.web import edge
from hub.web.inputs import IdConverter, RefConverter

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
    from hub.web import api, cashapp, credit, health, metrics, openapi, orders, reports, webhooks

    from hub.web.console import init_console

    app = Flask("o2c_hub", static_folder=None)
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["ref"] = RefConverter
    app.json = ExactJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["o2c_hub"] = hub
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(health.admin_bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(cashapp.bp)
    app.register_blueprint(cashapp.bank_bp)
    app.register_blueprint(credit.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(metrics.bp)
    init_console(app)
    edge.init_app(app)
    return app
