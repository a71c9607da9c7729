"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of the admin API (admin token).

The document is ``hub/web/openapi.yaml``, shipped with the package and written by hand so it
reads well for an integrator; tests/web/test_openapi.py drives the app from it and checks that
every route under /api/v1 is in it, so it cannot drift from the code unnoticed.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from flask import Blueprint, Response

from hub import jsonutil
from hub.web.auth import protect

DOCUMENT = "openapi.yaml"

bp = protect(Blueprint("openapi", __name__, url_prefix="/api/v1"))


def document() -> dict:
    """The OpenAPI document as plain data (a fresh copy)."""
    return yaml.safe_load(files("hub.web").joinpath(DOCUMENT).read_text(encoding="utf-8"))


@cache
def _document_json() -> str:
    # the file is part of the installed package and never changes while the process runs
    return jsonutil.dumps(document())


@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(_document_json(), mimetype="application/json")
