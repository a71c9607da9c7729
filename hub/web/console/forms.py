"""What the console's action forms share: the reason every audited change must give."""

from __future__ import annotations

from flask import abort, request

MAX_REASON = 500


def reason() -> str:
    """The form's ``reason``, spaces folded; 400 when it is missing or too long."""
    given = " ".join((request.form.get("reason") or "").split())
    if not given:
        abort(400, "say why (the reason is written to the audit log)")
    if len(given) > MAX_REASON:
        abort(400, f"the reason is longer than {MAX_REASON} characters")
    return given
