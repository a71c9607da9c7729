"""A local Stripe that answers in Stripe's API shape, for tests, demos and benchmarks.

    GET  /v1/<resource>             lists: {"object": "list", "data", "has_more", "url"}, newest first;
                                    limit (1–100), starting_after, ending_before, created[gte|gt|lte|lt]
    GET  /v1/<resource>/<id>        one object; 404 resource_missing
    POST /v1/refunds                form body; payment_intent or charge; amount defaults to the rest
    POST /v1/customers              form body
    Every /v1 call needs ``Authorization: Bearer <api key>`` (401 otherwise). POSTs honour
    ``Idempotency-Key``: the same key and parameters replay the first answer (header
    ``Idempotent-Replayed: true``), the same key with other parameters is a 400 idempotency_error.
    POST /_sandbox/objects      add objects (a list; each with its "object" type)
    POST /_sandbox/webhooks     {"url", "type", "object"} → a signed event POSTed to url → {"status", "event"}
    POST /_sandbox/faults       canned responses first: [{"status": 429, "headers": {"Retry-After": "1"}}]
    GET  /_sandbox/requests     POSTs received (without Authorization); GET /_sandbox/hits: every call
    POST /_sandbox/reset        forget everything

Run it: ``python -m connectors.stripe.sandbox --port 9203 --api-key sk_test_sandbox --webhook-secret whsec_sandbox``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests
from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, request_hit, run_forever, sandbox_app
from connectors.stripe.webhooks import signature_header
from hub import jsonutil

PLURALS = {"payment_intent": "payment_intents", "charge": "charges", "refund": "refunds", "invoice": "invoices",
           "customer": "customers", "event": "events", "balance_transaction": "balance_transactions",
           "credit_note": "credit_notes"}
PREFIXES = {"refunds": "re", "customers": "cus", "events": "evt"}
WEBHOOK_TIMEOUT = (5.0, 10.0)
CREATED = re.compile(r"^created\[(gte|gt|lte|lt)\]$")


def stripe_error(status: int, kind: str, message: str, code: str | None = None, **extra: Any) -> Response:
    """An error answer in Stripe's shape."""
    error = {"type": kind, "message": message, **({"code": code} if code else {}), **extra}
    return _json({"error": error}, status=status)


def _fault_body(status: int) -> dict[str, Any]:
    if status == 429:
        return {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests."}}
    if status == 402:
        return {"error": {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                          "message": "Your card was declined."}}
    return {"error": {"type": "api_error", "message": f"sandbox fault {status}"}}


class StripeState:
    """The account behind the sandbox: objects by resource, idempotent answers, faults, logs."""

    def __init__(self, api_key: str, webhook_secret: str):
        self.api_key, self.webhook_secret = api_key, webhook_secret
        self.faults = FaultScript(default_body=_fault_body)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in PLURALS.values()}
            self.answers: dict[str, tuple[list, int, dict]] = {}
            self.requests: list[dict[str, Any]] = []
            self.hits: list[dict[str, Any]] = []
            self.serial = itertools.count(1)
        self.faults.replace([])

    def add(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.objects[PLURALS[obj["object"]]][obj["id"]] = dict(obj)
        return dict(obj)

    def new_id(self, resource: str) -> str:
        with self.lock:
            return f"{PREFIXES.get(resource, 'obj')}_sandbox{next(self.serial):06d}"

    def listing(self, resource: str, args: Mapping[str, str]) -> tuple[list[dict], bool]:
        with self.lock:
            rows = sorted(self.objects[resource].values(), key=lambda o: (o.get("created", 0), o["id"]), reverse=True)
        rows = [r for r in rows if _created_ok(r, args)]
        ids = [r["id"] for r in rows]
        if args.get("starting_after") in ids:
            rows = rows[ids.index(args["starting_after"]) + 1:]
        elif args.get("ending_before") in ids:
            rows = rows[:ids.index(args["ending_before"])]
        limit = max(1, min(100, int(args.get("limit", 10))))
        return rows[:limit], len(rows) > limit


def _created_ok(row: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    tests = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__}
    for key, value in args.items():
        match = CREATED.match(key)
        if match and not tests[match.group(1)](int(row.get("created", 0)), int(value)):
            return False
    return True


def create_app(api_key: str = "sk_test_sandbox", webhook_secret: str = "whsec_sandbox") -> Flask:
    """The sandbox app; its state is ``app.extensions["sandbox"]`` (a StripeState)."""
    state = StripeState(api_key, webhook_secret)
    return sandbox_app(__name__, state, _add_control_routes, _add_api_routes)


def _add_control_routes(app: Flask, state: StripeState) -> None:
    @app.post("/_sandbox/objects")
    def add_objects() -> Response:
        body = jsonutil.loads(request.get_data() or b"[]")
        return _json([state.add(o) for o in (body if isinstance(body, list) else [body])])

    @app.post("/_sandbox/webhooks")
    def deliver() -> Response:
        body = jsonutil.loads(request.get_data() or b"{}")
        event = state.add(make_event(body["type"], body["object"], state.new_id("events")))
        status = send_event(body["url"], event, state.webhook_secret)
        return _json({"status": status, "event": event["id"]})


def _add_api_routes(app: Flask, state: StripeState) -> None:
    def authorize() -> Response | None:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not given:
            return stripe_error(401, "invalid_request_error", "You did not provide an API key.")
        if given != state.api_key:
            return stripe_error(401, "invalid_request_error", f"Invalid API Key provided: {given[:8]}****")
        return None

    add_fault_gate(app, state, authorize, hit=_hit_with_query)

    @app.get("/v1/<resource>")
    def list_objects(resource: str) -> Response:
        if resource not in state.objects:
            return stripe_error(404, "invalid_request_error", f"Unrecognized request URL (GET: /v1/{resource}).")
        rows, more = state.listing(resource, request.args)
        return _json({"object": "list", "data": rows, "has_more": more, "url": f"/v1/{resource}"})

    @app.get("/v1/<resource>/<object_id>")
    def get_object(resource: str, object_id: str) -> Response:
        with state.lock:
            obj = state.objects.get(resource, {}).get(object_id)
        if obj is None:
            singular = resource.removesuffix("s")
            return stripe_error(404, "invalid_request_error", f"No such {singular}: '{object_id}'",
                                "resource_missing", param="id")
        return _json(obj)

    @app.post("/v1/<resource>")
    def create(resource: str) -> Response:
        creators = {"refunds": _create_refund, "customers": _create_customer}
        if resource not in creators:
            return stripe_error(404, "invalid_request_error", f"Unrecognized request URL (POST: /v1/{resource}).")
        return _idempotent(state, lambda params: creators[resource](state, params))


def _hit_with_query(req: Any) -> dict[str, Any]:
    """Stripe's hits keep the query string: list filters (created[gte]=…) are checked in tests."""
    return {**request_hit(req), "query": req.query_string.decode()}


def _idempotent(state: StripeState, handler: Any) -> Response:
    """Answer once per Idempotency-Key; replay it for the same parameters, refuse other ones."""
    params, key = sorted(request.form.items(multi=True)), request.headers.get("Idempotency-Key")
    with state.lock:
        state.requests.append({"path": request.path, "params": dict(params), "idempotency_key": key,
                               "headers": {k: v for k, v in request.headers.items() if k.lower() != "authorization"}})
        seen = state.answers.get(key) if key else None
    if seen is not None:
        if seen[0] != params:
            return stripe_error(400, "idempotency_error", "Keys for idempotent requests can only be used with "
                                "the same parameters they were first used with.")
        return _json(seen[2], status=seen[1], headers={"Idempotent-Replayed": "true"})
    status, body = handler(_nested(params))
    if key and status < 500:
        with state.lock:
            state.answers[key] = (params, status, body)
    return _json(body, status=status, headers={"Idempotency-Key": key} if key else None)


def _create_refund(state: StripeState, params: dict[str, Any]) -> tuple[int, dict]:
    target = params.get("payment_intent") or params.get("charge")
    kind = "payment_intents" if params.get("payment_intent") else "charges"
    with state.lock:
        paid = state.objects[kind].get(target or "")
    if paid is None:
        code = "parameter_missing" if not target else "resource_missing"
        return 400, {"error": {"type": "invalid_request_error", "code": code,
                               "message": f"No such {kind.removesuffix('s')}: '{target}'"}}
    amount = int(params.get("amount") or paid.get("amount_received") or paid["amount"])
    refund = {"id": state.new_id("refunds"), "object": "refund", "amount": amount, "currency": paid["currency"],
              "charge": paid["id"] if kind == "charges" else paid.get("latest_charge"),
              "payment_intent": paid["id"] if kind == "payment_intents" else paid.get("payment_intent"),
              "created": int(time.time()), "status": "succeeded", "reason": params.get("reason"),
              "metadata": params.get("metadata") or {}}
    return 200, state.add(refund)


def _create_customer(state: StripeState, params: dict[str, Any]) -> tuple[int, dict]:
    customer = {"id": state.new_id("customers"), "object": "customer", "created": int(time.time()),
                "name": params.get("name"), "email": params.get("email"), "phone": params.get("phone"),
                "address": params.get("address"), "metadata": params.get("metadata") or {}, "livemode": False}
    return 200, state.add(customer)


def make_event(kind: str, obj: Mapping[str, Any], event_id: str) -> dict[str, Any]:
    """An event envelope as Stripe delivers it."""
    return {"id": event_id, "object": "event", "api_version": "2024-06-20", "created": int(time.time()),
            "type": kind, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": dict(obj)}}


def send_event(url: str, event: Mapping[str, Any], secret: str) -> int:
    """POST ``event`` to ``url`` with a Stripe-Signature header; returns the receiver's status."""
    body = jsonutil.dumps(event).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature_header(body, secret),
               "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
    return requests.post(url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT).status_code


def _nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``metadata[invoice]=X`` form pairs as nested dicts."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsonutil.dumps(value), status=status, headers=headers, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.stripe.sandbox --port 9203``."""
    parser = argparse.ArgumentParser(description="o2c-hub Stripe sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9203)
    parser.add_argument("--api-key", default="sk_test_sandbox")
    parser.add_argument("--webhook-secret", default="whsec_sandbox")
    args = parser.parse_args(argv)
    run_forever(create_app(api_key=args.api_key, webhook_secret=args.webhook_secret), args.host, args.port)


if __name__ == "__main__":
    main()
