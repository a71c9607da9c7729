"""``POST /webhooks/<connection>[/<path>]``: verify, store durably, then answer.

    202  accepted: stored with one queued run per matching recipe
    202  accepted but unusable (``"dead_letter": "<reason>"``): stored, each run dead at once
    200  a redelivery of a delivery already stored: nothing new happens
    401  the signature did not verify: nothing is stored but a count, written to the audit log
         once per window per (connection, reason, address) (hub.runs.rejections)
    404  no connection of that name receives webhooks

A signed body is unusable when it is not UTF-8, empty, not JSON, JSON that is neither an object nor
an array (HubSpot sends arrays), JSON whose strings escape a surrogate that is not half of a pair
(``"\\ud800"``: text with no UTF-8 form), or nests more than ``MAX_JSON_DEPTH`` (64) arrays and
objects.
It is stored like any other delivery, so nothing signed is lost and the sender stops
retrying, and each of its runs is stored dead with the reason (``error_class`` FatalError),
never executed. When the recipes' topic cannot be read from a too-deep body, every webhook
recipe of the connection gets its dead run.

Connectors check the signature over the raw bytes before they parse them, so a body too deep
for the JSON parser to read (RecursionError) has already been verified when that happens.

Only the request headers of :data:`STORED_HEADERS` are stored with the event (what the body is,
which delivery and topic it is, which shop sent it), plus the delivery id, topic and timestamp
headers a connection's ``webhook:`` config names. Everything else is dropped: credentials a
proxy adds (``Authorization``, ``Cookie``, ``X-Forwarded-Auth``...), signatures, anything unknown.

The embedded server (hub/server.py) installs a group-commit writer as the app extension
``o2c_inbox``; without it (tests, other WSGI servers) each request commits on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask import Blueprint, current_app, jsonify, request

from hub import jsonutil
from hub.connector import Connector, InboundWebhook, WebhookDelivery
from hub.errors import SignatureError
from hub.recipe.model import WebhookTrigger
from hub.runs.inbox import NewEvent, accept
from hub.runs.rejections import RejectionTally
from hub.statuses import RunStatus
from hub.store.base import utcnow
from hub.store.platform import Run
from hub.web.context import current_hub
from hub.web.inputs import MAX_JSON_DEPTH, nesting_depth

bp = Blueprint("webhooks", __name__)

INBOX_EXTENSION = "o2c_inbox"
REJECTIONS_EXTENSION = "o2c_rejections"

MAX_TOPIC = 255  # events.topic
MAX_DELIVERY_ID = 200  # a longer delivery id is kept as its SHA-256 (events.dedupe_key holds 512)
MAX_HEADER_VALUE = 1024  # of a header kept with the event

#: Request headers stored with a webhook's event (compared without regard to case).
STORED_HEADERS = frozenset(name.lower() for name in (
    "Content-Type", "User-Agent",
    # Shopify (connectors/shopify/webhooks.py): topic, delivery id, shop, API version
    "X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version", "X-Shopify-Triggered-At",
    # HubSpot (connectors/hubspot/webhooks.py): when it was sent
    "X-HubSpot-Request-Timestamp",
    # the http connector's default delivery id header (connectors/http/webhooks.py)
    "X-Delivery-Id",
))


@bp.record_once
def _install_tally(state) -> None:
    app = state.app
    app.extensions.setdefault(REJECTIONS_EXTENSION, RejectionTally(app.extensions["o2c_hub"].sessions))


@bp.post("/webhooks/<connection>", defaults={"subpath": ""})
@bp.post("/webhooks/<connection>/<path:subpath>")
def receive(connection: str, subpath: str):
    hub = current_hub()
    conn = hub.connections.get(connection)
    if conn is None or not conn.accepts_webhooks():
        return jsonify(error=f"no connection named {connection!r} receives webhooks"), 404
    inbound = InboundWebhook(connection=connection, path=subpath, headers=request.headers,
                             body=request.get_data(cache=False), remote_addr=request.remote_addr)
    too_deep = nesting_depth(inbound.body) > MAX_JSON_DEPTH
    try:
        delivery = conn.verify_webhook(inbound)
    except SignatureError as exc:
        reason = hub.redactor.text(str(exc))
        current_app.extensions[REJECTIONS_EXTENSION].count(connection, reason, request.remote_addr)
        hub.metrics.webhook(connection, "rejected")
        return jsonify(error=f"webhook rejected: {reason}"), 401
    except RecursionError:
        if not too_deep:
            raise
        delivery = None  # verified, then too deep for the parser (see the module docstring)
    problem = f"the body nests deeper than {MAX_JSON_DEPTH} levels" if too_deep else unusable(inbound.body)
    return _store(connection, inbound, delivery, problem)


def unusable(body: bytes) -> str | None:
    """Why a signed body (no deeper than the limit) cannot be processed, or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if not text.strip():
        return "the body is empty"
    try:
        payload = jsonutil.loads(text)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(payload, (dict, list)):
        return "the body is JSON but neither an object nor an array"
    broken = jsonutil.invalid_unicode(text)
    return f"the body holds {broken}" if broken else None


def _store(connection: str, inbound: InboundWebhook, delivery: WebhookDelivery | None,
           problem: str | None):
    hub = current_hub()
    if delivery is None:
        delivery_id, topic = "sha256:" + hashlib.sha256(inbound.body).hexdigest(), inbound.path or None
        recipes = [b for b in hub.recipes.values()
                   if isinstance(b.recipe.trigger, WebhookTrigger) and b.recipe.trigger.connection == connection]
    else:
        delivery_id, topic = delivery.delivery_id, delivery.topic
        recipes = hub.recipes_for_webhook(connection, topic)
    if topic is not None and len(topic) > MAX_TOPIC:
        hub.metrics.webhook(connection, "rejected")
        return jsonify(error=f"the webhook's topic is {len(topic)} characters long; at most {MAX_TOPIC} are "
                             "accepted"), 400
    if len(delivery_id) > MAX_DELIVERY_ID:  # still exact for deduplication, and fits the column
        delivery_id = "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()
    event = NewEvent(
        source="webhook", connection=connection, topic=topic, body=inbound.body,
        dedupe_key=f"webhook:{connection}:{delivery_id}",
        headers=hub.redactor.value(stored_headers(request.headers, hub.connections[connection])),
    )
    targets = [(r.slug, r.recipe.hash) for r in recipes]
    if targets and not problem:
        hub.admit()  # while runs pile up, the sender waits a little (hub/runs/worker.py)
    inbox = current_app.extensions.get(INBOX_EXTENSION)
    accepted = _accept(inbox, event, [] if problem else targets)
    run_ids = list(accepted.run_ids)
    if problem and not accepted.duplicate:
        run_ids = dead_letter(accepted.event_id, targets, problem)
    elif not accepted.duplicate:
        hub.wake()
    body = {"event_id": accepted.event_id, "runs": run_ids, "duplicate": accepted.duplicate}
    if problem:
        body["dead_letter"] = problem
    hub.metrics.webhook(connection, "duplicate" if accepted.duplicate else "accepted")
    return jsonify(body), 200 if accepted.duplicate else 202


def stored_headers(headers: Mapping[str, str], conn: Connector) -> dict[str, str]:
    """The headers of :data:`STORED_HEADERS` and those the connection's webhook config names."""
    keep = set(STORED_HEADERS)
    hook = conn.config.get("webhook")
    if isinstance(hook, Mapping):
        keep |= {str(v).lower() for k, v in hook.items() if k.endswith("_header") and k != "signature_header"}
    return {name: value[:MAX_HEADER_VALUE] for name, value in headers.items() if name.lower() in keep}


def _accept(inbox, event: NewEvent, targets: list[tuple[str, str]]):
    return inbox.accept(event, targets) if inbox else accept(current_hub().sessions, event, targets)


def dead_letter(event_id: int, targets: list[tuple[str, str]], reason: str) -> list[int]:
    """Store one run per recipe for the stored event, dead with ``reason``: no worker claims it."""
    now = utcnow()
    runs = [Run(recipe=slug, recipe_hash=digest, event_id=event_id, status=RunStatus.DEAD, attempt=0,
                next_attempt_at=now, created_at=now, finished_at=now,
                error_class="FatalError", error_message=f"unusable webhook: {reason}")
            for slug, digest in targets]
    with current_hub().sessions.begin() as session:
        session.add_all(runs)
        session.flush()
        return [r.id for r in runs]
