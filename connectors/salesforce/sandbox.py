"""A local Salesforce org that answers like the real REST API, for tests, demos and benchmarks.

    POST  /services/oauth2/token                     client_credentials (client id + secret) or
                                                     jwt-bearer (RS256 assertion checked against the
                                                     configured public key: iss, sub, aud, exp)
    GET   /services/data/vXX.X/query?q=SOQL          first page: {totalSize, done, nextRecordsUrl?, records}
    GET   /services/data/vXX.X/query/<locator>-<n>   the following pages (Sforce-Query-Options: batchSize=N)
    GET   /services/data/vXX.X/sobjects/<type>/<id>  one record
    PATCH /services/data/vXX.X/sobjects/<type>/<id>  change fields (204), bumping SystemModstamp
    Errors use Salesforce's list shape [{"message", "errorCode"}]: 401 INVALID_SESSION_ID,
    400 MALFORMED_QUERY / INVALID_FIELD, 404 NOT_FOUND; OAuth errors {"error", "error_description"}.

    POST  /_sandbox/records/<type>          create or replace records (JSON list); answers them
    PATCH /_sandbox/records/<type>/<id>     change one record (bumps its stamps)
    GET   /_sandbox/records/<type>          every stored record
    POST  /_sandbox/expire-tokens           invalidate every issued token (the next call gets a 401)
    POST  /_sandbox/faults                  script canned responses: [{"status": 429, "headers": {"Retry-After": "1"}}]
    POST  /_sandbox/reset                   forget records, tokens and faults

From Python: ``app.extensions["sandbox"]`` is the :class:`SalesforceSandbox` (``org.put``,
``org.change``, ``expire_tokens``, ``faults``). Run it:
``python -m connectors.salesforce.sandbox --port 9210 --client-id sandbox --client-secret secret``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import secrets
import threading
import time
from typing import Any

from flask import Flask, Response, request

from connectors.salesforce.sandbox_org import Org, SoqlError
from connectors.sandbox import FaultScript, add_fault_gate, run_forever, sandbox_app
from hub import jsonutil

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID, USER_ID = "00DSB0000000001EAA", "005SB0000000001AAA"
_FAULT_CODES = {429: "REQUEST_LIMIT_EXCEEDED", 403: "REQUEST_LIMIT_EXCEEDED"}


def _fault_body(status: int) -> list[dict[str, str]]:
    code = _FAULT_CODES.get(status, "SERVER_UNAVAILABLE" if status >= 500 else "UNKNOWN_EXCEPTION")
    return [{"message": f"sandbox fault {status}", "errorCode": code}]


class SalesforceSandbox:
    """The org, its connected app (credentials, JWT public key), issued tokens and query locators."""

    def __init__(self, *, client_id: str, client_secret: str, username: str, public_key: str | None,
                 page_size: int, api_version: str):
        self.client_id, self.client_secret, self.username = client_id, client_secret, username
        self.public_key, self.page_size = public_key, page_size
        self.org = Org(api_version)
        self.faults = FaultScript(default_body=_fault_body)
        self.token_requests: list[str] = []  # grant types, in order
        self._tokens: set[str] = set()
        self._locators: dict[str, list[dict[str, Any]]] = {}
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def issue_token(self, grant_type: str) -> str:
        token = f"{ORG_ID}!{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens.add(token)
            self.token_requests.append(grant_type)
        return token

    def authorized(self, header: str | None) -> bool:
        token = (header or "").removeprefix("Bearer ").strip()
        with self._lock:
            return token in self._tokens

    def expire_tokens(self) -> None:
        """Invalidate every issued token, as a session timeout or a revoked session would."""
        with self._lock:
            self._tokens.clear()

    def page(self, rows: list[dict[str, Any]], offset: int, size: int, locator: str | None = None) -> dict[str, Any]:
        """One query page; keeps the rows under a locator while more pages remain."""
        chunk, rest = rows[offset:offset + size], offset + size < len(rows)
        body: dict[str, Any] = {"totalSize": len(rows), "done": not rest, "records": chunk}
        if rest:
            locator = locator or self._remember(rows)
            body["nextRecordsUrl"] = f"/services/data/v{self.org.api_version}/query/{locator}-{offset + size}"
        return body

    def rows_of(self, locator: str) -> list[dict[str, Any]] | None:
        with self._lock:
            return self._locators.get(locator)

    def _remember(self, rows: list[dict[str, Any]]) -> str:
        with self._lock:
            locator = f"01gSB{next(self._serial):010d}AAA"
            self._locators[locator] = rows
            return locator

    def reset(self) -> None:
        self.org = Org(self.org.api_version)
        self.expire_tokens()
        self.faults.replace([])


def create_app(client_id: str = "sandbox-client", client_secret: str = "sandbox-secret",
               username: str = "integration@sandbox.example", public_key: str | None = None,
               page_size: int = 2000, api_version: str = "60.0") -> Flask:
    """The sandbox app; ``public_key`` (PEM) enables the JWT bearer grant."""
    state = SalesforceSandbox(client_id=client_id, client_secret=client_secret, username=username,
                              public_key=public_key, page_size=page_size, api_version=api_version)
    return sandbox_app(__name__, state, _add_control_routes, _add_oauth_routes, _add_rest_routes)


def _add_control_routes(app: Flask, state: SalesforceSandbox) -> None:
    @app.post("/_sandbox/records/<sobject>")
    def put_records(sobject: str) -> Response:
        return _guarded(lambda: _json(state.org.put(sobject, jsonutil.loads(request.get_data() or b"[]"))))

    @app.patch("/_sandbox/records/<sobject>/<record_id>")
    def change_record(sobject: str, record_id: str) -> Response:
        return _guarded(lambda: _json(state.org.change(sobject, record_id, jsonutil.loads(request.get_data()))))

    @app.get("/_sandbox/records/<sobject>")
    def list_records(sobject: str) -> Response:
        return _guarded(lambda: _json(list(state.org.table(sobject).values())))

    @app.post("/_sandbox/expire-tokens")
    def expire_tokens() -> Response:
        state.expire_tokens()
        return _json({"ok": True})


def _add_oauth_routes(app: Flask, state: SalesforceSandbox) -> None:
    @app.post("/services/oauth2/token")
    def token() -> Response:
        grant = request.form.get("grant_type", "")
        if grant == "client_credentials":
            ok = (hmac.compare_digest(request.form.get("client_id", ""), state.client_id)
                  and hmac.compare_digest(request.form.get("client_secret", ""), state.client_secret))
            failure = None if ok else ("invalid_client", "invalid client credentials")
        elif grant == JWT_BEARER:
            failure = _jwt_failure(state, request.form.get("assertion", ""))
        else:
            failure = ("unsupported_grant_type", "grant type not supported")
        if failure:
            return _json({"error": failure[0], "error_description": failure[1]}, 400)
        return _json(_token_answer(state, state.issue_token(grant)))


def _jwt_failure(state: SalesforceSandbox, assertion: str) -> tuple[str, str] | None:
    """Why a JWT assertion is refused (None when it is good): signature, aud, iss, sub, exp."""
    import jwt  # PyJWT[crypto]

    if not state.public_key:
        return "invalid_grant", "no certificate uploaded for this connected app"
    audiences = ["https://login.salesforce.com", "https://test.salesforce.com", request.host_url.rstrip("/")]
    try:
        claims = jwt.decode(assertion, state.public_key, algorithms=["RS256"], audience=audiences,
                            options={"require": ["exp", "iss", "sub", "aud"]})
    except jwt.ExpiredSignatureError:
        return "invalid_grant", "expired authorization code"
    except jwt.PyJWTError as error:
        return "invalid_grant", f"invalid assertion: {error}"
    if claims["iss"] != state.client_id:
        return "invalid_client_id", "client identifier invalid"
    if claims["sub"] != state.username:
        return "invalid_grant", "user hasn't approved this consumer"
    return None


def _token_answer(state: SalesforceSandbox, token: str) -> dict[str, str]:
    host = request.host_url.rstrip("/")
    identity, issued = f"{host}/id/{ORG_ID}/{USER_ID}", str(int(time.time() * 1000))
    digest = hmac.new(state.client_secret.encode(), (identity + issued).encode(), hashlib.sha256).digest()
    return {"access_token": token, "instance_url": host, "id": identity, "token_type": "Bearer",
            "issued_at": issued, "signature": base64.b64encode(digest).decode(), "scope": "api"}


def _add_rest_routes(app: Flask, state: SalesforceSandbox) -> None:
    def authorize() -> Response | None:
        """Only the REST API needs a session; the token endpoint checks its own credentials."""
        if not request.path.startswith("/services/data/") or state.authorized(request.headers.get("Authorization")):
            return None
        return _errors("INVALID_SESSION_ID", "Session expired or invalid", 401)

    add_fault_gate(app, state, authorize)

    @app.get("/services/data/v<version>/query")
    def query(version: str) -> Response:
        try:
            rows = state.org.query(request.args.get("q", ""))
        except SoqlError as error:
            return _errors(error.code, error.message, 400)
        return _json(state.page(rows, 0, _batch_size(state)))

    @app.get("/services/data/v<version>/query/<locator>-<int:offset>")
    def query_more(version: str, locator: str, offset: int) -> Response:
        rows = state.rows_of(locator)
        if rows is None:
            return _errors("INVALID_QUERY_LOCATOR", "invalid query locator", 400)
        return _json(state.page(rows, offset, _batch_size(state), locator))

    @app.get("/services/data/v<version>/sobjects/<sobject>/<record_id>")
    def get_record(version: str, sobject: str, record_id: str) -> Response:
        record = _guarded(lambda: state.org.table(sobject).get(record_id))
        return record if isinstance(record, Response) else (
            _json(record) if record else _errors("NOT_FOUND", "The requested resource does not exist", 404))

    @app.patch("/services/data/v<version>/sobjects/<sobject>/<record_id>")
    def update_record(version: str, sobject: str, record_id: str) -> Response:
        changed = _guarded(lambda: state.org.change(sobject, record_id, jsonutil.loads(request.get_data())))
        return changed if isinstance(changed, Response) else Response(status=204)


def _batch_size(state: SalesforceSandbox) -> int:
    """``Sforce-Query-Options: batchSize=N`` when sent, else the sandbox's page size."""
    options = dict(p.strip().split("=", 1) for p in request.headers.get("Sforce-Query-Options", "").split(",") if "=" in p)
    try:
        return max(1, int(options.get("batchSize", state.page_size)))
    except ValueError:
        return state.page_size


def _guarded(produce: Any) -> Any:
    try:
        return produce()
    except SoqlError as error:
        return _errors(error.code, error.message, 404 if error.code == "INVALID_TYPE" else 400)
    except KeyError:
        return _errors("NOT_FOUND", "The requested resource does not exist", 404)


def _errors(code: str, message: str, status: int) -> Response:
    return _json([{"message": message, "errorCode": code}], status)


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(value), status=status, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.salesforce.sandbox --port 9210``."""
    parser = argparse.ArgumentParser(description="o2c-hub Salesforce sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9210)
    parser.add_argument("--client-id", default="sandbox-client")
    parser.add_argument("--client-secret", default="sandbox-secret")
    parser.add_argument("--username", default="integration@sandbox.example")
    parser.add_argument("--public-key-file", help="PEM public key that verifies JWT bearer assertions")
    parser.add_argument("--page-size", type=int, default=2000)
    args = parser.parse_args(argv)
    public_key = open(args.public_key_file, encoding="utf-8").read() if args.public_key_file else None
    app = create_app(args.client_id, args.client_secret, args.username, public_key, args.page_size)
    run_forever(app, args.host, args.port)


if __name__ == "__main__":
    main()
