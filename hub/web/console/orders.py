"""Orders in the console: one search box, and the order's 360° view.

    GET /console/orders/?ref=1042        the order numbered 1042, or the one any system knows as 1042

The view is :func:`hub.o2c.orders.view.order_360`, the same as ``GET /api/v1/orders/<ref>/360``
and ``o2c-hub order show``: the order, its credit checks, fulfillments, invoices, payment
applications and payments, each with the systems that know it and its status.
"""

from __future__ import annotations

from flask import abort, render_template, request

from hub.money import quantize, to_decimal
from hub.o2c.orders.view import order_360
from hub.store.o2c_credit import RULES
from hub.web.console.access import requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.nav import NavItem
from hub.web.context import current_hub

bp = console_blueprint("console_orders", "/console/orders")
NAV = NavItem(label="Orders", endpoint="console_orders.index", permission="read")
MAX_REF = 200
KINDS = {"order": "Order", "credit_check": "Credit check", "fulfillment": "Fulfillment", "invoice": "Invoice",
         "payment_application": "Payment applied", "payment": "Payment"}


def status_label(value: str | None) -> str:
    """A stored status as people read it: ``awaiting_billing`` → "Awaiting Billing"."""
    return (value or "").replace("_", " ").title()


def money_text(amount: object, currency: str | None = None) -> str:
    """An amount with thousands separators, to the currency's minor unit when that loses
    nothing (``100.0000`` EUR → ``100.00``), else exactly as stored; None is a dash."""
    if amount is None:
        return "—"
    exact = to_decimal(amount)
    shown = quantize(exact, currency) if currency else exact
    return f"{shown if shown == exact else exact:,}"


bp.add_app_template_filter(status_label, "status_label")
bp.add_app_template_filter(money_text, "money")


@bp.get("/")
@requires("read")
def index():
    ref = (request.args.get("ref") or "").strip()
    if len(ref) > MAX_REF:
        abort(400, f"an order number or id is at most {MAX_REF} characters")
    if not ref:
        return render_template("console/orders/index.html", ref="", view=None, kinds=KINDS, rules_by=RULES)
    with current_hub().sessions() as session:
        view = order_360(session, ref)
        if view is None and ref.startswith("#"):  # "#1042" as a shop shows it; the hub keeps 1042
            view = order_360(session, ref[1:].strip())
    status = 200 if view is not None else 404
    return render_template("console/orders/index.html", ref=ref, view=view, kinds=KINDS,
                           rules_by=RULES), status
