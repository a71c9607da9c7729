"""Where a connection's requests may go, and how data becomes part of a URL path.

Credentials stay with their host. A server may name the next URL to read (a ``Link: <…>;
rel="next"`` header, Salesforce's ``nextRecordsUrl``) or answer with a redirect; both are
followed only while they stay on the connection's own origin (scheme, host and port, as in
RFC 6454). Anything else is refused before a byte is sent, with a FatalError: a retry would be
pointed at the same place, and the connection's token must never reach another host.

    origin_of("https://Shop.example.com/admin")     -> ("https", "shop.example.com", 443)
    checked_url(url, allowed, connection="erp")     -> url, or FatalError naming both hosts

Data never climbs out of its path segment: :func:`path_segment` percent-encodes a value as one
segment (``/`` → ``%2F``, ``?`` → ``%3F``, ``%`` → ``%25``) and refuses values that would
still mean something else to a URL (empty, ``.`` or ``..``, which clients and servers collapse).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import quote, urlsplit

from hub.errors import FatalError

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}
DOT_SEGMENTS = frozenset({"", ".", ".."})


def origin_of(url: str) -> Origin | None:
    """``(scheme, host, port)`` of an absolute http(s) URL (default port filled in), else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, an unbalanced IPv6 bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def describe(origin: Origin | None) -> str:
    """``https://erp.example.com`` (the port only when it is not the scheme's default)."""
    if origin is None:
        return "an address that is not an http(s) URL"
    scheme, host, port = origin
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS.get(scheme) == port else f":{port}")


def checked_url(url: str, allowed: Collection[Origin], *, connection: str | None,
                action: str | None = None) -> str:
    """``url`` when its origin is one of ``allowed``; otherwise a FatalError, nothing sent.

    The message names only scheme, host and port: a URL's path or query may hold a token.
    """
    origin = origin_of(url)
    if origin in allowed:
        return url
    expected = ", ".join(sorted(describe(o) for o in allowed)) or "none"
    raise FatalError(
        f"the server sent the hub to {describe(origin)}, which is not this connection's address "
        f"({expected}); the request was not sent, so the connection's credentials stay with its own host. "
        "Check the connection's URL in the config, or ask the system's vendor why it points elsewhere",
        connection=connection, action=action,
    )


def path_segment(value: Any, *, name: str, connection: str | None, action: str | None = None) -> str:
    """``value`` as exactly one URL path segment, percent-encoded; FatalError if it cannot be one."""
    text = str(value)
    if text.strip() in DOT_SEGMENTS:
        shown = repr(text) if text.strip() else "empty"
        raise FatalError(f"{name} is {shown}, which cannot identify a record in a URL path",
                         connection=connection, action=action)
    return quote(text, safe="")
