"""People who log in to the web console: their roles, passwords and login throttling.

    admin   everything: replay, edit and resubmit, and every page
    ar      the O2C worklists (credit holds, cash application, collections); reads runs
    viewer  reads everything, changes nothing

Passwords are stored as werkzeug ``scrypt`` hashes. A login that fails
:data:`MAX_FAILURES` times for one user name from one address within :data:`FAILURE_WINDOW`
is refused until the window has passed; failures are audit lines, so every web process
sees them. Every change to the users is an audit line too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from hub.errors import HubError
from hub.store.base import utcnow
from hub.store.platform import AuditEntry, ConsoleUser

ROLES = ("admin", "ar", "viewer")
#: What each role may do; a page or an action names the permission it needs.
PERMISSIONS = {
    "admin": frozenset({"read", "worklist", "operate"}),
    "ar": frozenset({"read", "worklist"}),
    "viewer": frozenset({"read"}),
}
MIN_PASSWORD = 12
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
_DUMMY_HASH = generate_password_hash("o2c-hub: a password nobody has")


class UserError(HubError):
    """A user cannot be added or removed as asked; the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A console user as the web layer sees it (never the hash)."""

    id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def add_user(sessions, name: str, role: str, password: str, *, who: str) -> User:
    """Create user ``name`` with ``role``; UserError when the name, role or password is unusable."""
    if not _NAME.match(name):
        raise UserError(f"user name {name[:80]!r} is not usable: use 1-80 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role[:40]!r}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is {len(password)} characters; use at least {MIN_PASSWORD}")
    with sessions.begin() as session:
        if session.scalar(select(ConsoleUser.id).where(ConsoleUser.name == name)) is not None:
            raise UserError(f"there is already a user {name!r} (remove it first to change it)")
        user = ConsoleUser(name=name, role=role, password_hash=generate_password_hash(password))
        session.add(user)
        session.add(AuditEntry(kind="users.add", detail=f"user {name} ({role}) added by {who}"))
        session.flush()
        return User(id=user.id, name=name, role=role)


def list_users(sessions) -> list[User]:
    with sessions() as session:
        rows = session.scalars(select(ConsoleUser).order_by(ConsoleUser.name))
        return [User(id=u.id, name=u.name, role=u.role) for u in rows]


def remove_user(sessions, name: str, *, who: str) -> None:
    """Remove user ``name``; their open console sessions end with their next request."""
    with sessions.begin() as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
        if user is None:
            raise UserError(f"there is no user {name[:80]!r}")
        session.delete(user)
        session.add(AuditEntry(kind="users.remove", detail=f"user {name} ({user.role}) removed by {who}"))


def get_user(sessions, user_id: int) -> User | None:
    with sessions() as session:
        user = session.get(ConsoleUser, user_id)
        return User(id=user.id, name=user.name, role=user.role) if user else None


class Throttled(HubError):
    """Too many failed logins for this user name from this address; the message says how long to wait."""


def authenticate(sessions, name: str, password: str, remote_addr: str | None) -> User | None:
    """The user ``name`` when ``password`` is theirs, else None (the failure is recorded);
    Throttled after :data:`MAX_FAILURES` failures in :data:`FAILURE_WINDOW`."""
    with sessions.begin() as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
        key = _failure_detail(name, known=user is not None)
        since = utcnow() - FAILURE_WINDOW
        failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.kind == "console.login_failed", AuditEntry.detail == key,
            AuditEntry.remote_addr == remote_addr, AuditEntry.at >= since))
        if failures >= MAX_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise Throttled(f"too many failed logins for this user from your address: "
                            f"wait {minutes} minutes, or ask an admin to check the account")
        # the hash is checked even for an unknown name, so timing does not tell which names exist
        good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not good:
            session.add(AuditEntry(kind="console.login_failed", detail=key, remote_addr=remote_addr))
            return None
        session.add(AuditEntry(kind="console.login", detail=f"user {name} logged in", remote_addr=remote_addr))
        return User(id=user.id, name=user.name, role=user.role)


def _failure_detail(name: str, *, known: bool) -> str:
    """The audit line of a failed login: the name of a known user, else a digest of what was
    typed (someone may have typed their password into the name field)."""
    if known:
        return f"failed login as {name}"
    return f"failed login as an unusable name (#{hashlib.sha256(name.encode()).hexdigest()[:12]})"
