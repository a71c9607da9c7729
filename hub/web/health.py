"""Health: ``GET /healthz`` for anyone, ``GET /api/v1/health`` with the admin token.

``/healthz`` says only whether the process and its database answer (200 ``{"status": "ok"}``
or 503 ``{"status": "unavailable"}``); the counts of recipes and runs by status are for the
admin API.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from hub.store.platform import Run
from hub.web.auth import protect
from hub.web.context import current_hub

bp = Blueprint("health", __name__)
admin_bp = protect(Blueprint("health_admin", __name__, url_prefix="/api/v1"))


@bp.get("/healthz")
def healthz():
    try:
        with current_hub().sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@admin_bp.get("/health")
def health_detail():
    hub = current_hub()
    try:
        with hub.sessions() as session:
            counts = dict(session.execute(select(Run.status, func.count()).group_by(Run.status)).all())
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", recipes=len(hub.recipes), runs=counts)
