"""A local HubSpot that answers like the CRM v3 API, for tests, demos and benchmarks.

    POST  /crm/v3/objects/<contacts|companies>/search   filterGroups (EQ, NEQ, GT, GTE, LT, LTE,
                        HAS_PROPERTY, NOT_HAS_PROPERTY), one sort, properties, limit (≤ 200), after;
                        answers {total, results, paging.next.after}; refuses after ≥ the result
                        window (10,000 like HubSpot; ``window=`` makes it small for tests)
    POST  /crm/v3/objects/<type>                 create {"properties": {...}} (201)
    GET   /crm/v3/objects/<type>/<id>            one object
    PATCH /crm/v3/objects/<type>/<id>            change properties, bumping the modified date
    Bearer token checked (401 INVALID_AUTHENTICATION); X-HubSpot-RateLimit-* headers on every
    answer; errors in HubSpot's shape {status: "error", message, correlationId, category}.

    POST  /_sandbox/records/<type>        create or replace objects: [{"id"?, "properties": {...}}]
    PATCH /_sandbox/records/<type>/<id>   change one object's properties (bumps its modified date)
    GET   /_sandbox/records/<type>        every stored object
    POST  /_sandbox/webhooks              {"url", "events"}: POST the events there, signed (v3)
    POST  /_sandbox/faults                script canned responses: [{"status": 429, "headers": {"Retry-After": "1"}}]
    POST  /_sandbox/reset                 forget objects and faults

From Python: ``app.extensions["sandbox"]`` is the :class:`HubSpotSandbox`. Run it:
``python -m connectors.hubspot.sandbox --port 9211 --token pat-sandbox``.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from flask import Flask, Response, request

from connectors.hubspot.mapping import parse_datetime
from connectors.hubspot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from connectors.sandbox import FaultScript, add_fault_gate, run_forever, sandbox_app
from hub import jsonutil

MODIFIED = {"contacts": "lastmodifieddate", "companies": "hs_lastmodifieddate"}
DEFAULTS = {"contacts": ("firstname", "lastname", "email"), "companies": ("name", "domain")}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b, "NEQ": lambda a, b: a != b, "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b, "LT": lambda a, b: a < b, "LTE": lambda a, b: a <= b,
}


def iso(moment: datetime) -> str:
    """HubSpot's timestamp format: ``2025-01-27T19:53:15.581Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _fault_body(status: int) -> dict[str, Any]:
    if status == 429:
        return {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()), "policyName": "SECONDLY"}
    return {"status": "error", "message": f"sandbox fault {status}", "correlationId": str(uuid.uuid4()),
            "category": "INTERNAL_ERROR"}


class HubSpotSandbox:
    """One portal: token, objects by type, the search window, a monotonic clock, faults."""

    def __init__(self, *, token: str, app_secret: str, window: int):
        self.token, self.app_secret, self.window = token, app_secret, window
        self.objects: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in MODIFIED}
        self.faults = FaultScript(default_body=_fault_body)
        self.searches: list[dict[str, Any]] = []  # every search body received, in order
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        self._last = datetime.min.replace(tzinfo=timezone.utc)

    def put(self, object_type: str, objects: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Create or replace objects; a given modified date is kept, else it is now."""
        with self.lock:
            return [self._store(object_type, dict(o)) for o in objects]

    def change(self, object_type: str, object_id: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Change properties of one object and bump its modified date."""
        with self.lock:
            stored = self.objects[object_type][str(object_id)]
            stamp = iso(self._tick())
            stored["properties"].update({k: _text(v) for k, v in properties.items()})
            stored["properties"][MODIFIED[object_type]] = stored["updatedAt"] = stamp
            return _copy(stored)

    def search(self, object_type: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """(status, answer) of one search request."""
        with self.lock:
            self.searches.append(dict(body))
            limit, after = int(body.get("limit") or 10), int(body.get("after") or 0)
            if limit > 200:
                return 400, _error("limit must be at most 200", "VALIDATION_ERROR")
            if after >= self.window:
                return 400, _error(f"after must be less than {self.window}", "VALIDATION_ERROR")
            rows = [o for o in self.objects[object_type].values() if _matches(o, body.get("filterGroups") or [])]
            rows.sort(key=_sort_key(body.get("sorts") or [], MODIFIED[object_type]))
            page = rows[after:min(after + limit, self.window)]
            answer: dict[str, Any] = {"total": len(rows), "results": [_shown(o, body, object_type) for o in page]}
            if after + len(page) < len(rows):
                answer["paging"] = {"next": {"after": str(after + len(page))}}
            return 200, answer

    def _store(self, object_type: str, given: dict[str, Any]) -> dict[str, Any]:
        props = {k: _text(v) for k, v in (given.get("properties") or {k: v for k, v in given.items() if k != "id"}).items()}
        object_id = str(given.get("id") or props.get("hs_object_id") or next(self._ids))
        modified = MODIFIED[object_type]
        stamp = iso(parse_datetime(props[modified])) if props.get(modified) else iso(self._tick())
        props.update({"hs_object_id": object_id, modified: stamp, "createdate": props.get("createdate") or stamp})
        self.objects[object_type][object_id] = {"id": object_id, "properties": props, "createdAt": props["createdate"],
                                                "updatedAt": stamp, "archived": False}
        return _copy(self.objects[object_type][object_id])

    def _tick(self) -> datetime:
        """Now, at least a millisecond after the previous stamp."""
        self._last = max(self.clock().astimezone(timezone.utc), self._last + timedelta(milliseconds=1))
        return self._last

    def reset(self) -> None:
        with self.lock:
            self.objects = {t: {} for t in MODIFIED}
            self.searches.clear()
        self.faults.replace([])


def _matches(stored: Mapping[str, Any], groups: list[Mapping[str, Any]]) -> bool:
    """Filter groups are ORed, the filters inside one group ANDed; no groups match everything."""
    return not groups or any(all(_holds(stored["properties"], f) for f in g.get("filters") or []) for g in groups)


def _holds(props: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    value, operator = props.get(spec["propertyName"]), spec.get("operator", "EQ")
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (value is not None) == (operator == "HAS_PROPERTY")
    if value is None:
        return False
    return _OPS[operator](*_comparable(value, spec.get("value")))


def _comparable(value: str, wanted: Any) -> tuple[Any, Any]:
    """Dates compare as instants (filters send epoch ms), numbers as numbers, the rest as text."""
    try:
        return parse_datetime(value), parse_datetime(str(wanted))
    except ValueError:
        pass
    try:
        return float(value), float(wanted)
    except (TypeError, ValueError):
        return str(value).lower(), str(wanted).lower()


def _sort_key(sorts: list[Mapping[str, Any]], default: str) -> Callable[[Mapping[str, Any]], tuple]:
    name = sorts[0]["propertyName"] if sorts else default
    if sorts and sorts[0].get("direction") == "DESCENDING":
        raise NotImplementedError("the sandbox sorts ascending only")
    return lambda o: (o["properties"].get(name) or "", int(o["id"]) if o["id"].isdigit() else o["id"])


def _shown(stored: Mapping[str, Any], body: Mapping[str, Any], object_type: str) -> dict[str, Any]:
    """The object as a search returns it: requested properties (null when unset) plus ids and dates."""
    names = list(body.get("properties") or DEFAULTS[object_type]) + ["hs_object_id", "createdate", MODIFIED[object_type]]
    props = {n: stored["properties"].get(n) for n in sorted(set(names))}
    return {**_copy(stored), "properties": props}


def _copy(stored: Mapping[str, Any]) -> dict[str, Any]:
    return {**stored, "properties": dict(stored["properties"])}


def _text(value: Any) -> str | None:
    """HubSpot stores every property value as a string."""
    return None if value is None else value if isinstance(value, str) else jsonutil.dumps(value).strip('"')


def _error(message: str, category: str, status_text: str = "error") -> dict[str, Any]:
    return {"status": status_text, "message": message, "correlationId": str(uuid.uuid4()), "category": category}


def create_app(token: str = "pat-sandbox", app_secret: str = "sandbox-app-secret", window: int = 10_000) -> Flask:
    """The sandbox app; ``window`` is how far one search may page (HubSpot: 10,000)."""
    state = HubSpotSandbox(token=token, app_secret=app_secret, window=window)
    return sandbox_app(__name__, state, _add_control_routes, _add_api_routes)


def _add_control_routes(app: Flask, state: HubSpotSandbox) -> None:
    @app.post("/_sandbox/records/<object_type>")
    def put_records(object_type: str) -> Response:
        return _json(state.put(object_type, jsonutil.loads(request.get_data() or b"[]")))

    @app.patch("/_sandbox/records/<object_type>/<object_id>")
    def change_record(object_type: str, object_id: str) -> Response:
        body = jsonutil.loads(request.get_data() or b"{}")
        return _json(state.change(object_type, object_id, body.get("properties", body)))

    @app.get("/_sandbox/records/<object_type>")
    def list_records(object_type: str) -> Response:
        return _json(list(state.objects[object_type].values()))

    @app.post("/_sandbox/webhooks")
    def send_webhook() -> Response:
        body = jsonutil.loads(request.get_data())
        answer = deliver(body["url"], body["events"], state.app_secret)
        return _json({"status": answer.status_code, "body": answer.text})


def _add_api_routes(app: Flask, state: HubSpotSandbox) -> None:
    def authorize() -> Response | None:
        if request.headers.get("Authorization", "") != f"Bearer {state.token}":
            return _json(_error("Authentication credentials not found.", "INVALID_AUTHENTICATION"), 401)
        return None

    add_fault_gate(app, state, authorize)

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        if not request.path.startswith("/_sandbox/"):
            response.headers.update({"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "249999",
                                     "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "100",
                                     "X-HubSpot-RateLimit-Remaining": "99"})
        return response

    @app.post("/crm/v3/objects/<object_type>/search")
    def search(object_type: str) -> Response:
        if object_type not in MODIFIED:
            return _json(_error(f"Unable to infer object type from: {object_type}", "OBJECT_NOT_FOUND"), 400)
        status, answer = state.search(object_type, jsonutil.loads(request.get_data() or b"{}"))
        return _json(answer, status)

    @app.post("/crm/v3/objects/<object_type>")
    def create(object_type: str) -> Response:
        (stored,) = state.put(object_type, [{"properties": jsonutil.loads(request.get_data())["properties"]}])
        return _json(stored, 201)

    @app.route("/crm/v3/objects/<object_type>/<object_id>", methods=["GET", "PATCH"])
    def one(object_type: str, object_id: str) -> Response:
        if object_id not in state.objects.get(object_type, {}):
            return _json(_error("resource not found", "OBJECT_NOT_FOUND"), 404)
        if request.method == "PATCH":
            return _json(state.change(object_type, object_id, jsonutil.loads(request.get_data())["properties"]))
        return _json(_copy(state.objects[object_type][object_id]))


def deliver(url: str, events: list[dict[str, Any]], secret: str, timestamp: str | None = None) -> requests.Response:
    """POST ``events`` to ``url`` signed like HubSpot (v3), as HubSpot's webhook sender would."""
    body = jsonutil.dumps(events).encode()
    stamp = timestamp or str(int(time.time() * 1000))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
               SIGNATURE_HEADER: sign(secret, "POST", url, body, stamp)}
    return requests.post(url, data=body, headers=headers, timeout=10)


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(value), status=status, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.hubspot.sandbox --port 9211``."""
    parser = argparse.ArgumentParser(description="o2c-hub HubSpot sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9211)
    parser.add_argument("--token", default="pat-sandbox")
    parser.add_argument("--app-secret", default="sandbox-app-secret")
    parser.add_argument("--window", type=int, default=10_000)
    args = parser.parse_args(argv)
    run_forever(create_app(args.token, args.app_secret, args.window), args.host, args.port)


if __name__ == "__main__":
    main()
