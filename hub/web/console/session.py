"""The console's session cookie: signed with the config file's ``console.secret_key``, else
with a key kept in the database; opened on console paths only, Secure whenever the hub is
reached over https.

Without a configured key one is made on first use and shared by every web process through the
database (``console_keys``), so a restart or a second process keeps everyone logged in.
"""

from __future__ import annotations

import secrets

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import IntegrityError

from hub.store.platform import ConsoleKey
from hub.web.context import current_hub

PREFIX = "/console"
KEY_NAME = "session"


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, for /console only, with its key from the database."""

    def open_session(self, app: Flask, request):
        if not request.path.startswith(PREFIX + "/") or request.path.startswith(PREFIX + "/static/"):
            return None  # webhooks and the API have no session (Flask gives them a null one)
        if not app.secret_key:
            app.secret_key = current_hub().settings.console_secret_key or signing_key()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or current_hub().settings.public_url.startswith("https://")


def signing_key() -> str:
    """The console's signing key kept in the database, made and stored on first use."""
    sessions = current_hub().sessions
    with sessions() as session:
        found = session.get(ConsoleKey, KEY_NAME)
        if found is not None:
            return found.value
    try:
        with sessions.begin() as session:
            session.add(ConsoleKey(name=KEY_NAME, value=secrets.token_hex(32)))
    except IntegrityError:  # another process made it first: use theirs
        pass
    with sessions() as session:
        return session.get(ConsoleKey, KEY_NAME).value
