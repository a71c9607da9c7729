"""``GET /metrics``: the hub's figures in the Prometheus text format (hub.metrics).

Behind the admin token by default, like /api/v1; the config's ``metrics: {auth: none}`` opens
it to anyone who reaches the server (only behind a private bind). 503 when the database does
not answer.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from hub.web.auth import require_admin
from hub.web.context import current_hub

bp = Blueprint("metrics", __name__)


@bp.before_request
def _authenticate() -> None:
    if current_hub().settings.metrics_auth != "none":
        require_admin()


@bp.get("/metrics")
def metrics():
    try:
        text = generate_latest(current_hub().metrics.registry)
    except SQLAlchemyError:
        return jsonify(error="the metrics cannot be read: the database did not answer"), 503
    return Response(text, content_type=CONTENT_TYPE_LATEST)
