"""Escaping for Slack's mrkdwn, so data shows as text and never as a mention or a link (pure).

Slack reads ``<…>`` as a control sequence (``<!channel>``, ``<@U123>``, ``<https://x|label>``)
and asks senders to escape exactly ``&``, ``<`` and ``>`` in text
(https://api.slack.com/reference/surfaces/formatting#escaping). A notify text rendered from a
recipe's template (:class:`hub.connector.RenderedText`) keeps what the template wrote and has
its values escaped; a value inside a link target the template opened (``<{{ run.url }}|run>``)
is also percent-encoded as a URL, so a ``|`` or ``>`` in it cannot end the target and name a
label of its own. Any other text is data throughout and escaped whole.

    slack_text("Overdue: <!channel>")                    -> "Overdue: &lt;!channel&gt;"
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hub.connector import RenderedText

# Characters a URL keeps as they are (RFC 3986 reserved and unreserved, and % of escapes).
URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_link_target(text: str) -> str:
    """A value inside ``<…|``: percent-encoded as a URL (``|``, ``>``, spaces), then escaped."""
    return escape(quote(text, safe=URL_SAFE))


def slack_text(text: str) -> str:
    """``text`` ready for Slack: a template's own words kept, every value escaped."""
    parts = text.parts if isinstance(text, RenderedText) else ((True, str(text)),)
    out: list[str] = []
    in_target = False
    for is_value, piece in parts:
        if is_value:
            out.append(escape_link_target(piece) if in_target else escape(piece))
        else:
            out.append(piece)
            in_target = _in_link_target(piece, in_target)
    return "".join(out)


def _in_link_target(literal: str, in_target: bool) -> bool:
    """Whether the text after ``literal`` is inside a ``<…`` the template opened, before ``|`` or ``>``."""
    for char in literal:
        if char == "<":
            in_target = True
        elif char in "|>":
            in_target = False
    return in_target


def escape_blocks(value: Any) -> Any:
    """Blocks or attachments with every ``mrkdwn`` text object's text escaped (they come from data)."""
    if isinstance(value, list):
        return [escape_blocks(item) for item in value]
    if not isinstance(value, dict):
        return value
    escaped = {key: escape_blocks(item) for key, item in value.items()}
    if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
        escaped["text"] = slack_text(value["text"])
    return escaped


ATTACHMENT_TEXTS = ("pretext", "text", "title", "author_name", "footer")


def escape_attachments(attachments: Any) -> Any:
    """Legacy attachments with their texts (and their fields' titles and values) escaped."""
    if not isinstance(attachments, list):
        return attachments
    return [_escaped_attachment(item) if isinstance(item, dict) else item for item in attachments]


def _escaped_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    escaped = {key: escape_blocks(value) for key, value in attachment.items()}
    escaped.update({key: slack_text(attachment[key]) for key in ATTACHMENT_TEXTS
                    if isinstance(attachment.get(key), str)})
    if isinstance(attachment.get("fields"), list):
        escaped["fields"] = [{**field, **{k: slack_text(field[k]) for k in ("title", "value")
                                          if isinstance(field.get(k), str)}} if isinstance(field, dict) else field
                             for field in attachment["fields"]]
    return escaped
