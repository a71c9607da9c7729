"""Access to the hub serving the current request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from hub.hub import Hub


def current_hub() -> Hub:
    return current_app.extensions["o2c_hub"]
