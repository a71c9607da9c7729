"""Salesforce OAuth 2.0: grant strategies and the session auth that holds the access token.

Two server-to-server grants, both ``POST <login_url>/services/oauth2/token`` (form-encoded):

``ClientCredentialsGrant``  grant_type=client_credentials + client_id + client_secret. Salesforce
                            only serves it on the org's My Domain URL, so login_url is that URL.
``JwtBearerGrant``          grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer + an RS256
                            assertion {iss: client_id, sub: username, aud: audience, exp: now+3min}
                            signed with the connected app's private key (PyJWT[crypto]).

The token answer gives ``access_token`` and ``instance_url`` (where the REST API lives).
:class:`SalesforceAuth` fetches a token on first use and again when told the session expired.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
from requests.auth import AuthBase

from connectors.http.errors import network_error
from hub.errors import ConfigError, FatalError

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME = 180  # seconds; Salesforce accepts assertions expiring within 3 minutes


class ClientCredentialsGrant:
    """The OAuth 2.0 client-credentials grant of a connected app with a run-as user."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret

    def form(self) -> dict[str, str]:
        """The token request's form fields."""
        return {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret}

    def __repr__(self) -> str:
        return f"ClientCredentialsGrant(client_id={self.client_id!r}, client_secret=***)"


class JwtBearerGrant:
    """The OAuth 2.0 JWT bearer grant: a fresh RS256 assertion for every token request."""

    def __init__(self, client_id: str, username: str, private_key: str, audience: str,
                 clock: Callable[[], float] = time.time):
        self.client_id, self.username, self.audience = client_id, username, audience
        self.private_key, self.clock = private_key, clock

    def assertion(self) -> str:
        """The signed JWT: iss = client id, sub = user name, aud = login URL, exp = now + 3 min."""
        try:
            import jwt  # PyJWT[crypto]; only JWT connections need it
        except ImportError:  # pragma: no cover - depends on the installation
            raise ConfigError("the jwt_bearer grant needs PyJWT[crypto] installed") from None
        claims = {"iss": self.client_id, "sub": self.username, "aud": self.audience,
                  "exp": int(self.clock()) + JWT_LIFETIME}
        return jwt.encode(claims, self.private_key, algorithm="RS256")

    def form(self) -> dict[str, str]:
        return {"grant_type": JWT_BEARER, "assertion": self.assertion()}

    def __repr__(self) -> str:
        return f"JwtBearerGrant(client_id={self.client_id!r}, username={self.username!r}, private_key=***)"


Grant = ClientCredentialsGrant | JwtBearerGrant
Classifier = Callable[[requests.Response], None]


class SalesforceAuth(AuthBase):
    """``Authorization: Bearer <access_token>``, fetched lazily and refreshed on demand."""

    def __init__(self, grant: Grant, login_url: str, *, timeout: float | tuple[float, float],
                 classify: Classifier, instance_url: str | None = None):
        self.grant, self.login_url, self.timeout = grant, login_url.rstrip("/"), timeout
        self.classify = classify
        self._fixed_instance = instance_url.rstrip("/") if instance_url else None
        self._token: str | None = None
        self._instance: str | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        """The current access token, fetched when there is none yet."""
        with self._lock:
            if self._token is None:
                self._fetch()
            return self._token

    def instance_url(self) -> str:
        """Root of the org's REST API: configured, else from the token answer."""
        if self._fixed_instance:
            return self._fixed_instance
        self.token()
        return self._instance

    def refresh(self, failed_token: str | None) -> None:
        """Get a new token unless another thread already replaced ``failed_token``."""
        with self._lock:
            if self._token is None or self._token == failed_token:
                self._fetch()

    def _fetch(self) -> None:
        try:
            # no redirects: a 307 would send the client secret or the assertion on to its target
            response = self._session.post(self.login_url + TOKEN_PATH, data=self.grant.form(),
                                          headers={"Accept": "application/json"}, timeout=self.timeout,
                                          allow_redirects=False)
        except requests.RequestException as error:
            raise network_error(error, connection=None, action="token") from None
        self.classify(response)
        answer = _json_of(response)
        self._token = answer["access_token"]
        self._instance = str(answer.get("instance_url") or self.login_url).rstrip("/")

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return f"SalesforceAuth(grant={self.grant!r}, token=***)"


def _json_of(response: requests.Response) -> Mapping[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, Mapping) or not answer.get("access_token"):
        raise FatalError("token answer has no access_token", status=response.status_code, action="token")
    return answer


def grant_from_config(config: Mapping[str, Any], login_url: str) -> Grant:
    """The grant named by the single key of the ``auth`` mapping."""
    if "client_credentials" in config:
        options = config["client_credentials"]
        return ClientCredentialsGrant(options["client_id"], options["client_secret"])
    if "jwt_bearer" in config:
        options = config["jwt_bearer"]
        return JwtBearerGrant(options["client_id"], options["username"], _private_key(options),
                              options.get("audience") or login_url)
    raise ConfigError(f"auth needs client_credentials or jwt_bearer; got {sorted(config)}")


def _private_key(options: Mapping[str, Any]) -> str:
    """The PEM key given inline (``private_key``) or as a file (``private_key_file``)."""
    if options.get("private_key"):
        return options["private_key"]
    if options.get("private_key_file"):
        return Path(options["private_key_file"]).read_text("utf-8")
    raise ConfigError("jwt_bearer needs private_key or private_key_file")
