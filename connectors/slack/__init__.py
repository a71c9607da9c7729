"""The ``slack`` connector: notifications through chat.postMessage or an incoming webhook.

    connections:
      slack:
        connector: slack
        token: "${SLACK_BOT_TOKEN}"        # chat.postMessage (bot token, chat:write scope)
        channel: "#ar-alerts"              # default channel
      # or, with no token:
      #  webhook_url: "${SLACK_WEBHOOK_URL}"   # incoming webhook, channel fixed by Slack

Actions ``notify`` and ``post_message`` (the same call) take ``{text, channel?, blocks?,
attachments?}`` or a plain string. The channel is the payload's, else the step option
``channel``, else the connection's. When both token and webhook_url are set the token wins.
Texts are escaped for Slack (see ``connectors.slack.mrkdwn``): a notify step's template keeps
its own links and mentions, while every value from data, and any other text, shows as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.slack.client import IncomingWebhookSender, WebApiSender
from connectors.slack.mrkdwn import escape_attachments, escape_blocks, slack_text
from hub.connector import Action, ActionContext, Connector
from hub.errors import FatalError

DEFAULT_BASE_URL = "https://slack.com/api/"
MESSAGE_FIELDS = ("text", "channel", "blocks", "attachments", "thread_ts", "unfurl_links", "unfurl_media", "mrkdwn")


def _prop(kind: str, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


SLACK_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "slack connection",
    "description": "Posts messages to Slack with a bot token (chat.postMessage) or an incoming webhook.",
    "type": "object",
    "anyOf": [{"required": ["token"]}, {"required": ["webhook_url"]}],
    "examples": [{"token": "${SLACK_BOT_TOKEN}", "channel": "#ar-alerts"}, {"webhook_url": "${SLACK_WEBHOOK_URL}"}],
    "properties": {
        "token": _prop("string", "Bot token", "Bot token (xoxb-…) with the chat:write scope.", ["${SLACK_BOT_TOKEN}"], secret=True),
        "channel": _prop("string", "Default channel", "Channel name or id used when neither payload nor step names one.",
                         ["#ar-alerts", "C1H9RESGL"]),
        "webhook_url": _prop("string", "Incoming webhook URL", "Incoming webhook URL; it is itself a credential.",
                             ["${SLACK_WEBHOOK_URL}"], secret=True),
        "base_url": _prop("string", "Web API base URL", "Slack Web API root; point it at the sandbox in tests.",
                          [DEFAULT_BASE_URL, "http://127.0.0.1:9201/api/"], default=DEFAULT_BASE_URL),
        "timeout": _prop("number", "Timeout", "Seconds to wait for Slack per request.", [10], default=10, exclusiveMinimum=0),
    },
}


class SlackConnector(Connector):
    """Sends messages; one sender strategy (Web API or incoming webhook) per connection."""

    kind = "slack"
    config_schema = SLACK_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, sender: WebApiSender | IncomingWebhookSender):
        super().__init__(name, config)
        self.sender = sender
        self.default_channel: str | None = config.get("channel")

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> SlackConnector:
        """Pick the sender: a token means chat.postMessage, else the incoming webhook."""
        timeout = float(config.get("timeout", 10))
        if config.get("token"):
            base_url = config.get("base_url", DEFAULT_BASE_URL)
            sender = WebApiSender(config["token"], base_url=base_url, timeout=timeout, connection=name)
        elif config.get("webhook_url"):
            sender = IncomingWebhookSender(config["webhook_url"], timeout=timeout, connection=name)
        else:
            raise FatalError("a slack connection needs token or webhook_url", connection=name)
        return cls(name, config, sender=sender)

    def actions(self) -> Mapping[str, Action]:
        return {"notify": self.notify, "post_message": self.notify}

    def notify(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """Post one message; returns Slack's answer (``ts`` and ``channel`` for the Web API)."""
        message = self.message_of(payload, context)
        return self.sender.send(message, action="notify")

    def message_of(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """The message fields to send, with the channel resolved."""
        fields = {"text": payload} if isinstance(payload, str) else dict(payload or {})
        message = {k: fields[k] for k in MESSAGE_FIELDS if fields.get(k) is not None}
        message.update(_escaped(message))
        channel = message.pop("channel", None) or context.options.get("channel") or self.default_channel
        if not self.sender.uses_channel:
            return message  # an incoming webhook posts to the channel it was created for
        if not channel:
            raise FatalError("no channel: set it in the payload, the step or the connection", connection=self.name)
        return {**message, "channel": channel}


def _escaped(message: Mapping[str, Any]) -> dict[str, Any]:
    """Text, blocks and attachments escaped for Slack, so data cannot mention or link."""
    escaped: dict[str, Any] = {}
    if isinstance(message.get("text"), str):
        escaped["text"] = slack_text(message["text"])
    if "blocks" in message:
        escaped["blocks"] = escape_blocks(message["blocks"])
    if "attachments" in message:
        escaped["attachments"] = escape_attachments(message["attachments"])
    return escaped
