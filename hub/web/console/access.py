"""Who is logged in, and what they may do.

The session holds only a reference to the user (see hub.users.User.session_ref) and the token
of its login; the user, and so their role, is read again on every request (from the database,
or from the config file as the hub read it at start), so removing a user ends their session at
their next click. The hub keeps each login (``console_sessions``, the token's SHA-256 only):
logging out ends it for every copy of the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import delete

from hub.store.base import utcnow
from hub.store.platform import ConsoleSession
from hub.users import User, user_by_session_ref
from hub.web.context import current_hub

SESSION_KEY = "user"  # the user's session_ref
TOKEN_KEY = "login"  # the token of this login, kept by the hub as its SHA-256
KEPT = timedelta(days=2)  # logins older than this are forgotten (a cookie lives 12 hours)


def current_user() -> User | None:
    if "console_user" not in g:
        ref = session.get(SESSION_KEY)
        hub = current_hub()
        g.console_user = (user_by_session_ref(hub.sessions, hub.settings.console_users, ref)
                          if isinstance(ref, str) and _live(ref, session.get(TOKEN_KEY)) else None)
        if ref is not None and g.console_user is None:
            session.clear()
    return g.console_user


def log_in(user: User) -> None:
    """Start a new session for ``user``: nothing from before carries over."""
    token = secrets.token_urlsafe(32)
    with current_hub().sessions.begin() as db:
        db.execute(delete(ConsoleSession).where(ConsoleSession.started_at < utcnow() - KEPT))
        db.add(ConsoleSession(id=_digest(token), user_ref=user.session_ref))
    session.clear()
    session.permanent = True
    session[SESSION_KEY], session[TOKEN_KEY] = user.session_ref, token


def log_out() -> None:
    """End this session: its cookie, and every copy of it, no longer logs anyone in."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        with current_hub().sessions.begin() as db:
            found = db.get(ConsoleSession, _digest(token))
            if found is not None and found.ended_at is None:
                found.ended_at = utcnow()
    session.clear()


def _live(ref: str, token: object) -> bool:
    """Whether ``token`` is a login of user ``ref`` the hub keeps and nobody ended."""
    if not isinstance(token, str):
        return False
    with current_hub().sessions() as db:
        found = db.get(ConsoleSession, _digest(token))
    return found is not None and found.ended_at is None and found.user_ref == ref


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def require_login():
    """Send anyone not logged in to the login page (a GET comes back here afterwards)."""
    if current_user() is None:
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("console_auth.login", next=target))
    return None


def requires(permission: str):
    """A view only users whose role has ``permission`` may use (others get 403)."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            user = current_user()
            if user is None or not user.can(permission):
                abort(403, f"your role ({user.role if user else 'none'}) may not do this; "
                           "ask an admin")
            return view(*args, **kwargs)
        return checked
    return decorate


def actor() -> str:
    """The logged-in user as the audit log names them."""
    user = current_user()
    return f"{user.name} ({user.role}) in the console"
