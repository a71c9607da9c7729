"""Serve any WSGI app on a real socket in a background thread (tests, demos, benchmarks).

    with serve(create_app(token="xoxb-test")) as server:
        client = SlackConnector.from_config("slack", {"token": "xoxb-test", "base_url": server.url + "/api/"})

Port 0 (the default) lets the OS pick a free port; ``server.url`` tells which.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[..., Any]


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
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox:{server.server_port}", daemon=True)
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
