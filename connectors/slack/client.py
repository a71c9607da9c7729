"""Slack over the official slack-sdk, with the hub's error classes and retry policy.

slack-sdk's own retry handlers are switched off (``retry_handlers=[]``): the hub's retry
policy, which honours Retry-After, is the only one. :func:`classify` is the single place
where a Slack answer becomes an error class; messages name the Slack error code and never
contain the token or the webhook URL (the URL *is* the credential).
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from connectors.http.errors import excerpt, retry_after_of
from hub.errors import FatalError, RetriableError

RETRIABLE_CODES = frozenset(
    {"ratelimited", "rate_limited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"}
)
NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


def classify(
    status: int, headers: Mapping[str, str], body: Any, *, connection: str | None, action: str | None
) -> None:
    """Return if Slack accepted the call, else raise RetriableError or FatalError.

    ``body`` is the parsed JSON of a Web API call, or the text an incoming webhook answers.
    """
    code = body.get("error") if isinstance(body, Mapping) else excerpt(str(body or ""), 80)
    ok = body.get("ok", False) if isinstance(body, Mapping) else body == "ok"
    if status == 200 and ok:
        return
    context = {"connection": connection, "action": action, "status": status, "response_excerpt": code or None}
    message = f"slack error {code or 'unknown'}"
    if status == 429 or status >= 500 or code in RETRIABLE_CODES:
        raise RetriableError(message, retry_after=retry_after_of(_case_insensitive(headers)), **context)
    raise FatalError(message, **context)


def _case_insensitive(headers: Mapping[str, Any]) -> dict[str, str]:
    """Header lookups by canonical name, whatever case urllib handed over."""
    flat = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in (headers or {}).items()}
    return {"Retry-After": flat.get("retry-after"), "X-RateLimit-Reset": flat.get("x-ratelimit-reset")}


def _network_error(error: Exception, *, connection: str | None, action: str | None) -> RetriableError:
    # str(error) can carry the webhook URL: name only the kind of failure.
    return RetriableError(f"slack unreachable ({type(error).__name__})", connection=connection, action=action)


class WebApiSender:
    """Posts with ``chat.postMessage`` and a bot token."""

    uses_channel = True

    def __init__(self, token: str, *, base_url: str, timeout: float, connection: str | None):
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])
        self.connection = connection

    def send(self, message: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Post ``message`` (text, channel, blocks...) and return Slack's answer."""
        try:
            response = self.client.chat_postMessage(**message)
        except SlackApiError as error:
            answer = error.response
            classify(answer.status_code, answer.headers, answer.data, connection=self.connection, action=action)
            raise  # classify always raises for a SlackApiError; keep the original if it ever does not
        except NETWORK_ERRORS as error:
            raise _network_error(error, connection=self.connection, action=action) from None
        return dict(response.data)


class IncomingWebhookSender:
    """Posts to an incoming-webhook URL (its channel is fixed when the webhook is created)."""

    uses_channel = False

    def __init__(self, url: str, *, timeout: float, connection: str | None):
        self.client = WebhookClient(url=url, timeout=timeout, retry_handlers=[])
        self.connection = connection

    def send(self, message: Mapping[str, Any], *, action: str) -> dict[str, Any]:
        """Post ``message`` and return ``{"ok": true}`` once Slack answered ``ok``."""
        try:
            response = self.client.send_dict(dict(message))
        except NETWORK_ERRORS as error:
            raise _network_error(error, connection=self.connection, action=action) from None
        classify(response.status_code, response.headers, response.body, connection=self.connection, action=action)
        return {"ok": True}
