"""A local ERP-like JSON sink that behaves like a careful real API (Stripe-style idempotency).

    POST|PUT|PATCH /<any path>    record the request, answer 201 {"id": N}
                                  (same Idempotency-Key → the stored answer again, no new record,
                                  header Idempotent-Replayed: true)
    GET /records                  paginated list for poll tests: ?updated_since=ISO&limit=N&cursor=C
                                  → {"data": [...], "next_cursor": C|null} and a Link rel="next"
    GET  /_sandbox/requests       what was received (headers without Authorization/Cookie)
    GET  /_sandbox/hits           every API request with its time, faulted ones included
    POST /_sandbox/records        add records for /records (a list or one object)
    POST /_sandbox/faults         script canned responses: [503, {"status": 429, "headers": {...}}, 201]
    POST /_sandbox/reset          forget everything

Run it: ``python -m connectors.http.sandbox --port 9200 [--token secret]``.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, canned_response, run_forever, sandbox_app
from hub import jsonutil

HIDDEN_HEADERS = frozenset({"authorization", "cookie"})


class SinkState:
    """Everything the sink remembers; one lock guards it all."""

    def __init__(self, token: str | None = None, page_size: int = 2):
        self.token, self.page_size = token, page_size
        self.faults = FaultScript()
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget requests, idempotent answers, records and scripted faults."""
        with self.lock:
            self.requests: list[dict[str, Any]] = []
            self.hits: list[dict[str, Any]] = []  # every API request, faulted ones too
            self.answers: dict[str, dict[str, Any]] = {}
            self.records: list[dict[str, Any]] = []
        self.faults.replace([])

    def accept(self, entry: dict[str, Any], key: str | None) -> tuple[dict[str, Any], bool]:
        """Store ``entry`` unless ``key`` was seen; returns (answer, replayed)."""
        with self.lock:
            if key and key in self.answers:
                return self.answers[key], True
            self.requests.append(entry)
            answer = {"id": len(self.requests)}
            if key:
                self.answers[key] = answer
            return answer, False

    def page(self, since: datetime | None, offset: int, limit: int) -> tuple[list[dict], int | None]:
        """Records changed at/after ``since``, ordered by (updated_at, id), and the next offset."""
        with self.lock:
            rows = sorted(self.records, key=lambda r: (_when(r["updated_at"]), str(r["id"])))
        rows = [r for r in rows if since is None or _when(r["updated_at"]) >= since]
        chunk = rows[offset : offset + limit]
        return chunk, (offset + limit if offset + limit < len(rows) else None)


def create_app(token: str | None = None, page_size: int = 2) -> Flask:
    """The sink as a Flask app; its state is ``app.extensions["sandbox"]`` (a SinkState)."""
    state = SinkState(token=token, page_size=page_size)
    return sandbox_app(__name__, state, _add_control_routes, _add_api_routes)


def _add_control_routes(app: Flask, state: SinkState) -> None:
    @app.post("/_sandbox/records")
    def add_records() -> Response:
        body = jsonutil.loads(request.get_data() or b"[]")
        with state.lock:
            state.records.extend(body if isinstance(body, list) else [body])
            return _json({"records": len(state.records)})


def _add_api_routes(app: Flask, state: SinkState) -> None:
    def authorize() -> Response | None:
        if state.token and request.headers.get("Authorization") != f"Bearer {state.token}":
            return canned_response(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
        return None

    add_fault_gate(app, state, authorize)

    @app.get("/records")
    def records() -> Response:
        since = request.args.get("updated_since")
        limit = int(request.args.get("limit", state.page_size))
        offset = int(request.args.get("cursor") or request.args.get("offset") or 0)
        chunk, next_offset = state.page(_when(since) if since else None, offset, limit)
        response = _json({"data": chunk, "next_cursor": None if next_offset is None else str(next_offset)})
        if next_offset is not None:
            query = {k: v for k, v in request.args.items() if k not in ("cursor", "offset")}
            response.headers["Link"] = f'<{request.base_url}?{urlencode({**query, "cursor": next_offset})}>; rel="next"'
        return response

    @app.route("/<path:path>", methods=["POST", "PUT", "PATCH"])
    def sink(path: str) -> Response:
        key = request.headers.get("Idempotency-Key")
        answer, replayed = state.accept(_entry_of(request), key)
        return _json(answer, status=201, headers={"Idempotent-Replayed": "true"} if replayed else None)


def _entry_of(req: Any) -> dict[str, Any]:
    """How one received request is recorded."""
    raw = req.get_data()
    try:
        body = jsonutil.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", errors="replace")
    return {
        "method": req.method,
        "path": req.path,
        "raw_path": req.environ.get("RAW_URI", req.path).split("?")[0],
        "query": dict(req.args),
        "headers": {k: v for k, v in req.headers.items() if k.lower() not in HIDDEN_HEADERS},
        "json": body,
        "received_at": time.time(),
    }


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsonutil.dumps(value), status=status, headers=headers, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.http.sandbox --port 9200``."""
    parser = argparse.ArgumentParser(description="o2c-hub generic HTTP sandbox (ERP-like JSON sink)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--token", default=None, help="require Authorization: Bearer <token>")
    parser.add_argument("--page-size", type=int, default=2)
    args = parser.parse_args(argv)
    run_forever(create_app(token=args.token, page_size=args.page_size), args.host, args.port)


if __name__ == "__main__":
    main()
