"""Oversized uploads against the real server: refused with 413 without the hub buffering them whole."""

from __future__ import annotations

import socket
import time

import pytest

from hub.web import MAX_BODY

pytestmark = pytest.mark.e2e


def exchange(port: int, head: bytes, chunks) -> tuple[bytes, int]:
    """Send ``head`` then the chunks (stopping when the server answers); the answer's status
    line, and how many body bytes went out before the server refused."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(head)
        try:
            for chunk in chunks:
                conn.sendall(chunk)
                sent += len(chunk)
        except OSError:  # the server stopped reading and closed: what it answered is still to be read
            pass
        answer = b""
        deadline = time.monotonic() + 60
        while b"\r\n" not in answer and time.monotonic() < deadline:
            try:
                piece = conn.recv(4096)
            except OSError:
                break
            if not piece:
                break
            answer += piece
    return answer.split(b"\r\n", 1)[0], sent


def test_a_declared_length_over_the_limit_is_refused_before_the_body(hub):
    head = (b"POST /webhooks/shop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (50 * MAX_BODY))
    status, _ = exchange(hub.port, head, [])
    assert status.startswith(b"HTTP/1.1 413"), status


def test_an_endless_chunked_upload_is_cut_off_near_the_limit(hub):
    head = (b"POST /webhooks/shop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    endless = (chunk for _ in range(100 * MAX_BODY // len(piece)))  # 100 times the limit, if let through
    status, sent = exchange(hub.port, head, endless)
    assert status.startswith(b"HTTP/1.1 413"), status
    assert sent < 20 * MAX_BODY, f"{sent} bytes went out before the server refused"


def test_a_body_just_over_the_app_limit_gets_413_with_the_security_headers(hub):
    import requests
    answer = requests.post(hub.url + "/webhooks/shop", data=b"x" * (MAX_BODY + 1), timeout=60,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
