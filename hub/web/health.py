"""``GET /healthz``: the process answers and its database does too."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from hub.store.platform import Run
from hub.web.context import current_hub

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    hub = current_hub()
    try:
        with hub.sessions() as session:
            counts = dict(session.execute(select(Run.status, func.count()).group_by(Run.status)).all())
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", recipes=len(hub.recipes), runs=counts)
