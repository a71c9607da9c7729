"""What the console's action forms share: the reason every audited change must give, and any
other short text a form brings."""

from __future__ import annotations

from flask import abort, request

MAX_REASON = 500
ASK_WHY = "say why (the reason is written to the audit log)"


def text_field(field: str, missing: str, *, limit: int = MAX_REASON) -> str:
    """The form's ``field``, spaces folded; 400 saying ``missing`` when it is empty, or when it is
    longer than ``limit``."""
    value = " ".join((request.form.get(field) or "").split())
    if not value:
        abort(400, missing)
    if len(value) > limit:
        abort(400, f"the {field} is longer than {limit} characters")
    return value


def reason(missing: str = ASK_WHY) -> str:
    """The form's ``reason`` (see :func:`text_field`)."""
    return text_field("reason", missing)
