"""Admin authentication: every /api/v1 blueprint calls ``protect(bp)``."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from hub.web.context import current_hub


def protect(bp: Blueprint) -> Blueprint:
    """Require ``Authorization: Bearer <admin token>`` on every route of ``bp``."""
    bp.before_request(require_admin)
    return bp


def require_admin() -> None:
    token = current_hub().settings.admin_token
    if not token:
        abort(503, "the admin API is disabled: set admin.token in the config file")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("a valid 'Authorization: Bearer <admin token>' header is required",
                           www_authenticate=WWWAuthenticate("Bearer", {"realm": "o2c-hub admin API"}))
