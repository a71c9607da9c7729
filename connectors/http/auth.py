"""Auth strategies, each a ``requests.auth.AuthBase`` set once on the session.

Config shapes (exactly one key)::

    auth: {bearer: {token: "${ERP_TOKEN}"}}
    auth: {basic: {username: api, password: "${ERP_PASSWORD}"}}
    auth: {api_key: {header: X-Api-Key, value: "${ERP_KEY}"}}     # or {query: api_key, ...}
    auth: {hmac: {secret: "${ERP_HMAC}", header: X-Signature, timestamp_header: X-Timestamp}}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from hub.errors import ConfigError


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:  # never show the token
        return "BearerAuth(token=***)"


class BasicAuth(HTTPBasicAuth):
    """HTTP Basic with a username and password."""

    def __init__(self, username: str, password: str):
        super().__init__(username, password)

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password=***)"


class ApiKeyAuth(AuthBase):
    """An API key sent in a header (``header=``) or a query parameter (``query=``)."""

    def __init__(self, value: str, *, header: str | None = None, query: str | None = None):
        if (header is None) == (query is None):
            raise ValueError("ApiKeyAuth needs exactly one of header= or query=")
        self.value, self.header, self.query = value, header, query

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.header:
            request.headers[self.header] = self.value
        else:
            request.prepare_url(request.url, {self.query: self.value})
        return request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self.header!r}, query={self.query!r}, value=***)"


class HmacAuth(AuthBase):
    """Signs the outgoing body: HMAC-SHA256 over ``"<timestamp>.<body>"`` (or the body alone).

    The timestamp (epoch seconds) is sent in ``timestamp_header`` when one is configured, and
    is then part of the signed message so a captured request cannot be replayed later.
    """

    def __init__(
        self,
        secret: str,
        *,
        header: str = "X-Signature-SHA256",
        encoding: str = "hex",
        prefix: str = "",
        timestamp_header: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.secret = secret.encode()
        self.header, self.prefix, self.timestamp_header = header, prefix, timestamp_header
        self.encode = ENCODINGS[encoding]
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        message = body.encode() if isinstance(body, str) else body
        if self.timestamp_header:
            stamp = str(int(self.clock()))
            request.headers[self.timestamp_header] = stamp
            message = stamp.encode() + b"." + message
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        request.headers[self.header] = self.prefix + self.encode(digest)
        return request

    def __repr__(self) -> str:
        return f"HmacAuth(header={self.header!r}, secret=***)"


ENCODINGS: dict[str, Callable[[bytes], str]] = {
    "hex": bytes.hex,
    "base64": lambda digest: base64.b64encode(digest).decode(),
}

AUTH_BUILDERS: dict[str, Callable[[Mapping[str, Any]], AuthBase]] = {
    "bearer": lambda c: BearerAuth(c["token"]),
    "basic": lambda c: BasicAuth(c["username"], c["password"]),
    "api_key": lambda c: ApiKeyAuth(c["value"], header=c.get("header"), query=c.get("query")),
    "hmac": lambda c: HmacAuth(
        c["secret"],
        header=c.get("header", "X-Signature-SHA256"),
        encoding=c.get("encoding", "hex"),
        prefix=c.get("prefix", ""),
        timestamp_header=c.get("timestamp_header"),
    ),
}


def auth_from_config(config: Mapping[str, Any] | None) -> AuthBase | None:
    """Build the strategy named by the single key of ``config`` (None when there is no auth)."""
    if not config:
        return None
    if len(config) != 1:
        raise ConfigError(f"auth takes exactly one of {', '.join(AUTH_BUILDERS)}; got {sorted(config)}")
    (kind, options), = config.items()
    builder = AUTH_BUILDERS.get(kind)
    if builder is None:
        raise ConfigError(f"unknown auth {kind!r} (known: {', '.join(AUTH_BUILDERS)})")
    try:
        return builder(options or {})
    except (KeyError, ValueError) as error:
        raise ConfigError(f"auth {kind}: missing or invalid option {error}") from None
