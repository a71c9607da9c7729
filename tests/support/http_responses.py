"""A ``requests.Response`` built in memory, for testing how a client classifies an answer."""

from __future__ import annotations

import requests


def fake_response(status: int, body: bytes | str, headers: dict | None = None) -> requests.Response:
    """A response with ``status``, ``body`` (text is UTF-8 encoded) and ``headers``; no request made."""
    response = requests.Response()
    response.status_code, response.headers = status, requests.structures.CaseInsensitiveDict(headers or {})
    response._content = body.encode() if isinstance(body, str) else body
    return response
