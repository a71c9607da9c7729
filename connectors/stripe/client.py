"""Stripe's REST API over the shared HTTP toolkit: form bodies, Idempotency-Key, list pagination.

    client = StripeClient("sk_test_...", connection="stripe")
    intent = client.get("/v1/payment_intents/pi_123", action="get_payment_intent")
    refund = client.post("/v1/refunds", {"payment_intent": "pi_123"}, idempotency_key=key, action="create_refund")
    for charge in client.list("/v1/charges", {"created[gte]": 1700000000}, action="poll:charges"): ...

Every POST carries an ``Idempotency-Key`` (a POST without one is refused before it is sent), so a
retried run never refunds twice. :func:`classify` is the one place a Stripe answer becomes an
error class; it reads Stripe's error JSON ``{"error": {"type", "code", "message"}}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import requests

from connectors.http.auth import BearerAuth
from connectors.http.client import HttpClient
from connectors.http.errors import excerpt, retry_after_of
from connectors.http.pagination import Page, Paginator
from hub import jsonutil
from hub.errors import FatalError, RetriableError

DEFAULT_BASE_URL = "https://api.stripe.com"
RETRIABLE_TYPES = frozenset({"api_error", "api_connection_error", "rate_limit_error"})
RETRIABLE_CODES = frozenset({"lock_timeout", "rate_limit"})


def classify(response: requests.Response, *, connection: str | None, action: str | None) -> None:
    """Return on 2xx; raise RetriableError (429, 5xx, api_error, lock_timeout) or FatalError.

    402 card errors, 400 invalid_request_error, 401/403/404 and idempotency_error are fatal:
    sending the same request again cannot succeed.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    error = _error_of(response)
    kind, code = error.get("type") or "", error.get("code") or error.get("decline_code") or ""
    message = f"stripe {kind or 'error'}{f' ({code})' if code else ''}: {error.get('message') or response.reason}"
    context = {"connection": connection, "action": action, "status": status,
               "response_excerpt": excerpt(str(error.get("message") or response.text), 200)}
    if status in (408, 429) or status >= 500 or kind in RETRIABLE_TYPES or code in RETRIABLE_CODES:
        raise RetriableError(message, retry_after=retry_after_of(response.headers), **context)
    raise FatalError(message, **context)


def _error_of(response: requests.Response) -> dict[str, Any]:
    try:
        body = jsonutil.loads(response.content)
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def form_encode(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: ``metadata[invoice]=INV-1``, ``expand[0]=latest_charge``."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs.extend(form_encode(value, name))
        elif isinstance(value, (list, tuple)):
            pairs.extend(form_encode({str(i): v for i, v in enumerate(value)}, name))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value) if not isinstance(value, Decimal) else format(value, "f")))
    return pairs


class StripeListPaginator(Paginator):
    """``starting_after=<last id>`` while the list answers ``has_more: true``."""

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        if not (isinstance(data, Mapping) and data.get("has_more")) or not records:
            return None
        return Page(page.url, {**page.params, "starting_after": records[-1]["id"]})


class StripeClient(HttpClient):
    """One Stripe account: Bearer secret key, optional pinned API version, form-encoded POSTs."""

    classify = staticmethod(classify)

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, api_version: str | None = None,
                 timeout: float | tuple[float, float] = (5.0, 30.0), connection: str | None = None):
        headers = {"Stripe-Version": api_version} if api_version else {}
        super().__init__(base_url, auth=BearerAuth(api_key), timeout=timeout, default_headers=headers,
                         connection=connection)

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, action: str) -> Any:
        """GET one object."""
        response = self.send("GET", self.url(path), params=form_encode(params or {}), action=action)
        return self.parse(response, action=action)

    def post(self, path: str, params: Mapping[str, Any], *, idempotency_key: str, action: str) -> Any:
        """POST form parameters with an Idempotency-Key (required)."""
        if not idempotency_key:
            raise FatalError("a Stripe POST needs an idempotency key", connection=self.connection, action=action)
        response = self.send("POST", self.url(path), form=form_encode(params),
                             headers={"Idempotency-Key": idempotency_key}, action=action)
        return self.parse(response, action=action)

    def list(self, path: str, params: Mapping[str, Any], *, page_size: int = 100, action: str) -> Iterator[Any]:
        """Every object of a list endpoint (newest first, as Stripe lists them)."""
        query = dict(form_encode({**params, "limit": page_size}))
        return self.paginate(path, StripeListPaginator(), "data", params=query, action=action)
