"""``POST /webhooks/<connection>[/<path>]``: verify, store durably, then answer.

    202  accepted: stored with one queued run per matching recipe
    200  a redelivery of a delivery already stored: nothing new happens
    401  the signature did not verify: only an audit line is written
    404  no connection of that name receives webhooks

The embedded server (hub/server.py) installs a group-commit writer as the app extension
``o2c_inbox``; without it (tests, other WSGI servers) each request commits on its own.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from connectors.base import InboundWebhook
from hub.errors import SignatureError
from hub.runs.inbox import NewEvent, accept, audit
from hub.web.context import current_hub

bp = Blueprint("webhooks", __name__)

INBOX_EXTENSION = "o2c_inbox"


@bp.post("/webhooks/<connection>", defaults={"subpath": ""})
@bp.post("/webhooks/<connection>/<path:subpath>")
def receive(connection: str, subpath: str):
    hub = current_hub()
    conn = hub.connections.get(connection)
    if conn is None or not conn.accepts_webhooks():
        return jsonify(error=f"no connection named {connection!r} receives webhooks"), 404
    inbound = InboundWebhook(connection=connection, path=subpath, headers=request.headers,
                             body=request.get_data(cache=False), remote_addr=request.remote_addr)
    try:
        delivery = conn.verify_webhook(inbound)
    except SignatureError as exc:
        reason = hub.redactor.text(str(exc))
        audit(hub.sessions, "webhook_rejected", reason, connection=connection,
              remote_addr=request.remote_addr)
        return jsonify(error=f"webhook rejected: {reason}"), 401
    recipes = hub.recipes_for_webhook(connection, delivery.topic)
    event = NewEvent(
        source="webhook", connection=connection, topic=delivery.topic, body=inbound.body,
        dedupe_key=f"webhook:{connection}:{delivery.delivery_id}",
        headers=hub.redactor.value(dict(request.headers)),
    )
    targets = [(r.slug, r.recipe.hash) for r in recipes]
    inbox = current_app.extensions.get(INBOX_EXTENSION)
    accepted = inbox.accept(event, targets) if inbox else accept(hub.sessions, event, targets)
    if not accepted.duplicate:
        hub.wake()
    body = {"event_id": accepted.event_id, "runs": list(accepted.run_ids),
            "duplicate": accepted.duplicate}
    return jsonify(body), 200 if accepted.duplicate else 202
