"""A local Slack that answers like the real one, for tests, demos and benchmarks.

    POST /api/chat.postMessage    Bearer token checked (not_authed / invalid_auth), channel checked
                                  (channel_not_found), text or blocks required (no_text); answers the
                                  real shape: {"ok": true, "channel", "ts", "message": {...}}
    POST /services/<path>         incoming webhook: "ok" (text/html); errors as text with Slack's
                                  statuses (400 invalid_payload / no_text, 404 no_service)
    GET  /_sandbox/messages       every accepted message
    POST /_sandbox/faults         script canned responses first: [{"status": 429, "headers": {"Retry-After": "1"}}, 500]
    POST /_sandbox/reset          forget messages and faults

Run it: ``python -m connectors.slack.sandbox --port 9201 --token xoxb-sandbox``.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from typing import Any

from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, run_forever, sandbox_app
from hub import jsonutil

DEFAULT_CHANNELS = {"C1H9RESGL": "general", "C0AR0ALERT": "ar-alerts"}
BOT_ID, BOT_USER = "B19LU7CSY", "U0SANDBOT"


def _fault_body(status: int) -> dict[str, Any]:
    return {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"}


class SlackState:
    """Workspace of the sandbox: token, channels, webhook paths, received messages, faults."""

    def __init__(self, token: str, channels: dict[str, str], webhook_paths: frozenset[str] | None):
        self.token, self.channels, self.webhook_paths = token, dict(channels), webhook_paths
        self.faults = FaultScript(default_body=_fault_body)
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self._clock = itertools.count(1)

    def reset(self) -> None:
        """Forget received messages and scripted faults."""
        with self.lock:
            self.messages.clear()
        self.faults.replace([])

    def channel_id(self, name_or_id: str | None) -> str | None:
        """The channel id for ``C…``, ``#name`` or ``name``; None when unknown."""
        wanted = (name_or_id or "").lstrip("#")
        if wanted in self.channels:
            return wanted
        return next((cid for cid, name in self.channels.items() if name == wanted), None)

    def record(self, channel: str | None, body: dict[str, Any], via: str) -> dict[str, Any]:
        """Keep a message the way Slack would store it; returns the message object."""
        with self.lock:
            ts = f"{int(time.time())}.{next(self._clock):06d}"
            message = {"type": "message", "subtype": "bot_message", "bot_id": BOT_ID, "user": BOT_USER,
                       "text": body.get("text", ""), "ts": ts, **_extras(body)}
            self.messages.append({"channel": channel, "via": via, "message": message})
            return message


def _extras(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("blocks", "attachments", "thread_ts") if k in body}


def create_app(
    token: str = "xoxb-sandbox",
    channels: dict[str, str] | None = None,
    webhook_paths: frozenset[str] | None = None,
) -> Flask:
    """The sandbox app; ``webhook_paths`` limits valid /services/<path> (None accepts any)."""
    state = SlackState(token, channels or DEFAULT_CHANNELS, webhook_paths)
    return sandbox_app(__name__, state, _add_control_routes, _add_slack_routes)


def _add_control_routes(app: Flask, state: SlackState) -> None:
    @app.get("/_sandbox/messages")
    def messages() -> Response:
        with state.lock:
            return _json(list(state.messages))


def _add_slack_routes(app: Flask, state: SlackState) -> None:
    add_fault_gate(app, state)  # chat.postMessage checks its token itself (ok: false, like Slack)

    @app.post("/api/chat.postMessage")
    def post_message() -> Response:
        body = _body_of(request)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or body.get("token")
        if not given:
            return _json({"ok": False, "error": "not_authed"})
        if given != state.token:
            return _json({"ok": False, "error": "invalid_auth"})
        channel = state.channel_id(body.get("channel"))
        if channel is None:
            return _json({"ok": False, "error": "channel_not_found"})
        if not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return _json({"ok": False, "error": "no_text"})
        message = state.record(channel, body, via="chat.postMessage")
        return _json({"ok": True, "channel": channel, "ts": message["ts"], "message": message})

    @app.post("/services/<path:path>")
    def incoming_webhook(path: str) -> Response:
        if state.webhook_paths is not None and path not in state.webhook_paths:
            return _text("no_service", 404)
        try:
            body = jsonutil.loads(request.get_data() or b"")
        except ValueError:
            return _text("invalid_payload", 400)
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return _text("no_text", 400)
        state.record(None, body, via="incoming-webhook")
        return _text("ok", 200)


def _body_of(req: Any) -> dict[str, Any]:
    """chat.postMessage takes JSON or form fields, like the real API."""
    if req.is_json:
        try:
            body = jsonutil.loads(req.get_data() or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return dict(req.form)


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(value), status=status, mimetype="application/json")


def _text(value: str, status: int) -> Response:
    return Response(value, status=status, mimetype="text/html")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.slack.sandbox --port 9201``."""
    parser = argparse.ArgumentParser(description="o2c-hub Slack sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9201)
    parser.add_argument("--token", default="xoxb-sandbox")
    args = parser.parse_args(argv)
    run_forever(create_app(token=args.token), args.host, args.port)


if __name__ == "__main__":
    main()
