"""The order 360° view under /api/v1 (admin token).

    GET /api/v1/orders/<number or external id>/360
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from hub.o2c.orders.view import order_360
from hub.web.auth import protect
from hub.web.context import current_hub

bp = protect(Blueprint("orders", __name__, url_prefix="/api/v1"))


@bp.get("/orders/<ref:ref>/360")
def order_view(ref: str):
    with current_hub().sessions() as session:
        view = order_360(session, ref)
    if view is None:
        abort(404, f"no order has the number or external id {ref!r}")
    return jsonify(view)
