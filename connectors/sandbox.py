"""Serve any WSGI app on a real socket in a background thread (tests, demos, benchmarks).

    with serve(create_app(token="xoxb-test")) as server:
        client = SlackConnector.from_config("slack", {"token": "xoxb-test", "base_url": server.url + "/api/"})

Port 0 (the default) lets the OS pick a free port; ``server.url`` tells which.

Every sandbox shares the same control surface, installed by :func:`sandbox_app`:

    POST /_sandbox/faults     script canned responses first: [503, {"status": 429, "headers": {...}}, 201]
    POST /_sandbox/reset      forget everything
    GET  /_sandbox/hits       every API request, faulted ones too (states that keep ``hits``)
    GET  /_sandbox/requests   what was received (states that keep ``requests``)

and the same gate in front of its API, installed by :func:`add_fault_gate`: the next scripted
fault first, then the hit is recorded, then the sandbox's own authentication check.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from flask import Flask, Request, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from hub import jsonutil

WSGIApp = Callable[..., Any]


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines: background servers in tests should not flood the output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class RunningServer:
    """A started server: its ``url`` and ``port``; ``stop()`` (or leaving ``with``) shuts it down."""

    def __init__(self, server: BaseWSGIServer, thread: threading.Thread):
        self._server, self._thread = server, thread
        self.host = server.server_address[0]
        self.port: int = server.server_port

    @property
    def url(self) -> str:
        """``http://host:port`` without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop accepting requests, close the socket and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start ``app`` on ``host:port`` (threaded, one thread per request) and return at once."""
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    # A short poll interval makes stop() quick (the default 0.5 s adds up across many tests).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"sandbox:{server.server_port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def run_forever(app: WSGIApp, host: str, port: int) -> None:
    """Serve in the foreground until Ctrl-C (the ``python -m connectors.<x>.sandbox`` entry)."""
    server = make_server(host, port, app, threaded=True)
    print(f"sandbox listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class FaultScript:
    """Canned responses served, in order, before a sandbox handles requests normally.

    Each entry is a status (``503``) or ``{"status": 429, "headers": {"Retry-After": "2"},
    "body": {...} or "text", "delay": 1.5}``. A bare 2xx status means "let this one through", so
    ``[503, 429, 201]`` fails twice and then behaves normally; ``{"status": 201, "delay": 3}``
    lets it through after 3 s (a slow system). Thread-safe.
    """

    def __init__(self, default_body: Callable[[int], Any] | None = None) -> None:
        self._default_body = default_body or (lambda status: {"error": f"sandbox fault {status}"})
        self._queue: deque[Any] = deque()
        self._lock = threading.Lock()

    def push(self, *entries: Any) -> None:
        """Append entries to the script."""
        with self._lock:
            self._queue.extend(entries)

    def replace(self, entries: Iterable[Any]) -> None:
        """Drop what is queued and script ``entries`` instead."""
        with self._lock:
            self._queue.clear()
            self._queue.extend(entries)

    def pending(self) -> list[Any]:
        with self._lock:
            return list(self._queue)

    def next_response(self) -> Response | None:
        """The next canned response, or None to handle the request normally."""
        with self._lock:
            entry = self._queue.popleft() if self._queue else None
        if entry is None:
            return None
        spec = {"status": entry} if isinstance(entry, int) else dict(entry)
        if spec.get("delay"):
            time.sleep(float(spec["delay"]))
        if 200 <= spec["status"] < 300 and "body" not in spec:
            return None
        body = spec["body"] if "body" in spec else self._default_body(spec["status"])
        return canned_response(spec["status"], body, spec.get("headers"))


def canned_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A response with a JSON body (mappings, lists) or a text body (strings)."""
    if isinstance(body, str):
        return Response(body, status=status, headers=headers, mimetype="text/plain")
    return Response(jsonutil.dumps(body), status=status, headers=headers, mimetype="application/json")


CONTROL_PREFIX = "/_sandbox/"


class SandboxState(Protocol):
    """What the shared routes need of a sandbox's state.

    Optional, looked up by name: ``lock`` (guards ``hits`` and ``requests``), ``hits`` (a list
    the gate appends to, served by ``GET /_sandbox/hits``) and ``requests`` (served by
    ``GET /_sandbox/requests``).
    """

    faults: FaultScript

    def reset(self) -> None: ...


def sandbox_app(import_name: str, state: Any, *add_routes: Callable[[Flask, Any], None]) -> Flask:
    """A Flask app with ``state`` as ``app.extensions["sandbox"]``, the standard control routes,
    then each ``add_routes(app, state)`` in order (the sandbox's own routes and its gate)."""
    app = Flask(import_name)
    app.extensions["sandbox"] = state
    add_control_routes(app, state)
    for add in add_routes:
        add(app, state)
    return app


def add_control_routes(app: Flask, state: SandboxState) -> None:
    """Install the standard ``/_sandbox/`` routes: faults, reset, and hits/requests when kept."""

    @app.post("/_sandbox/faults")
    def script_faults() -> Response:
        state.faults.push(*jsonutil.loads(request.get_data() or b"[]"))
        return canned_response(200, {"pending": state.faults.pending()})

    @app.post("/_sandbox/reset")
    def reset() -> Response:
        state.reset()
        return canned_response(200, {"ok": True})

    for kept in ("hits", "requests"):
        if hasattr(state, kept):
            app.add_url_rule(f"/_sandbox/{kept}", f"list_{kept}", _lister(state, kept), methods=["GET"])


def _lister(state: SandboxState, attribute: str) -> Callable[[], Response]:
    def listing() -> Response:
        with _lock_of(state):
            return canned_response(200, list(getattr(state, attribute)))

    return listing


def request_hit(req: Request) -> dict[str, Any]:
    """How one API request is remembered in ``state.hits`` (the gate adds its ``status``)."""
    return {"at": time.time(), "method": req.method, "path": req.path}


def take_fault(state: SandboxState, hit: Callable[[Request], dict[str, Any]] = request_hit) -> Response | None:
    """The next scripted fault for the current request (None: handle it), recorded as a hit."""
    canned = state.faults.next_response()
    with _lock_of(state):
        hits = getattr(state, "hits", None)
        if hits is not None:
            hits.append({**hit(request), "status": canned.status_code if canned is not None else None})
    return canned


def add_fault_gate(
    app: Flask,
    state: SandboxState,
    authorize: Callable[[], Response | None] | None = None,
    hit: Callable[[Request], dict[str, Any]] = request_hit,
) -> None:
    """In front of every API request: scripted fault first, then record the hit, then ``authorize``.

    ``authorize`` answers a refusal (a Response) or None to let the request through; the
    ``/_sandbox/`` control routes pass the gate untouched.
    """

    @app.before_request
    def faults_then_auth() -> Response | None:
        if request.path.startswith(CONTROL_PREFIX):
            return None
        canned = take_fault(state, hit)
        if canned is not None or authorize is None:
            return canned
        return authorize()


def _lock_of(state: SandboxState) -> AbstractContextManager[Any]:
    return getattr(state, "lock", None) or nullcontext()
