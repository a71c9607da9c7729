"""People who log in to the web console: their roles, passwords and login throttling.

    admin   everything: replay, edit and resubmit, and every page
    ar      the O2C worklists (credit holds, cash application, collections); reads runs
    viewer  reads everything, changes nothing

A user comes from one of two places, never both:

- the database, added and removed with ``o2c-hub users add | remove`` (audited, with a reason);
- the config file's ``console.users`` (name, role and a password hash made by
  ``o2c-hub users hash``): read when the hub starts, so a user taken out of the file has no
  access from the next start. ``o2c-hub run`` refuses to start while a config user's name is
  also a database user's (which password would count would be a guess), and the command line
  refuses to add or remove a config user.

Passwords are stored as werkzeug ``scrypt`` hashes, never in the clear. A login that fails
:data:`MAX_FAILURES` times for one user name from one address within :data:`FAILURE_WINDOW`
is refused until the window has passed; failures are audit lines, so every web process
sees them. Every change to the users is an audit line too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from hub.errors import LoginThrottled, UserError
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
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
#: A werkzeug scrypt hash as :func:`hash_password` writes it: scrypt:N:r:p$salt$hex digest.
PASSWORD_HASH = re.compile(r"^scrypt:\d+:\d+:\d+\$[A-Za-z0-9]+\$[0-9a-f]{128}$")


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown names; made at the first login (scrypt
    takes about 0.1 s, which every command would otherwise pay when it starts)."""
    return generate_password_hash("o2c-hub: a password nobody has")


_DATABASE, _CONFIG = "database", "config"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A console user as the web layer sees it (never the hash).

    ``session_ref`` is what the session cookie keeps: the database row for a database user
    (a user removed and added again is a new row, so old sessions end), the name and a
    fingerprint of the hash for a config user (a new hash in the file ends old sessions).
    """

    id: int | None
    name: str
    role: str
    origin: str = _DATABASE  # "database" or "config"
    session_ref: str = ""

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigUser:
    """A user of the config file's ``console.users``."""

    name: str
    role: str
    password_hash: str = field(repr=False)

    def as_user(self) -> User:
        digest = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return User(id=None, name=self.name, role=self.role, origin=_CONFIG,
                    session_ref=f"{_CONFIG}:{digest}:{self.name}")


def _database_user(row: ConsoleUser) -> User:
    return User(id=row.id, name=row.name, role=row.role, session_ref=f"{_DATABASE}:{row.id}")


def hash_password(password: str) -> str:
    """The stored form of ``password``; UserError when it is shorter than :data:`MIN_PASSWORD`."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is {len(password)} characters; use at least {MIN_PASSWORD}")
    return generate_password_hash(password, method="scrypt")


def add_user(sessions, name: str, role: str, password: str, *, who: str, reason: str) -> User:
    """Create user ``name`` with ``role``; UserError when the name, role or password is unusable."""
    if not NAME.match(name):
        raise UserError(f"user name {name[:80]!r} is not usable: use 1-80 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role[:40]!r}")
    password_hash = hash_password(password)
    with sessions.begin() as session:
        if session.scalar(select(ConsoleUser.id).where(ConsoleUser.name == name)) is not None:
            raise UserError(f"there is already a user {name!r} (remove it first to change it)")
        user = ConsoleUser(name=name, role=role, password_hash=password_hash)
        session.add(user)
        session.add(AuditEntry(kind="users.add", detail=f"user {name} ({role}) added by {who}; reason: {reason}"))
        session.flush()
        return _database_user(user)


def list_users(sessions, config_users: Sequence[ConfigUser] = ()) -> list[User]:
    """Every user, by name: the database's and the config file's."""
    with sessions() as session:
        rows = [_database_user(u) for u in session.scalars(select(ConsoleUser))]
    return sorted([*rows, *(c.as_user() for c in config_users)], key=lambda u: (u.name, u.origin))


def remove_user(sessions, name: str, *, who: str, reason: str) -> None:
    """Remove user ``name``; their open console sessions end with their next request."""
    with sessions.begin() as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
        if user is None:
            raise UserError(f"there is no user {name[:80]!r}")
        session.delete(user)
        session.add(AuditEntry(kind="users.remove",
                               detail=f"user {name} ({user.role}) removed by {who}; reason: {reason}"))


def refuse_config_user(name: str, config_users: Sequence[ConfigUser]) -> None:
    """UserError when ``name`` is a user of the config file: the command line does not manage those."""
    if any(c.name == name for c in config_users):
        raise UserError(f"user {name!r} comes from the config file (console.users): change or delete "
                        "it there; the hub reads it when it starts")


def clashing_users(sessions, config_users: Sequence[ConfigUser]) -> list[str]:
    """Names that are both a config user and a database user (``run`` refuses to start with any)."""
    names = [c.name for c in config_users]
    if not names:
        return []
    with sessions() as session:
        return sorted(session.scalars(select(ConsoleUser.name).where(ConsoleUser.name.in_(names))))


def record_config_users(sessions, config_users: Sequence[ConfigUser]) -> bool:
    """One ``users.config`` audit line when the config file's users (names and roles) differ
    from those of the last start; True when it wrote one."""
    listed = ", ".join(f"{c.name} ({c.role})" for c in sorted(config_users, key=lambda c: c.name)) or "none"
    detail = f"console users of the config file at start: {listed}"
    with sessions.begin() as session:
        last = session.scalar(select(AuditEntry.detail).where(AuditEntry.kind == "users.config")
                              .order_by(AuditEntry.id.desc()).limit(1))
        if last == detail or (last is None and not config_users):
            return False
        session.add(AuditEntry(kind="users.config", detail=detail))
        return True


def user_by_session_ref(sessions, config_users: Sequence[ConfigUser], ref: str) -> User | None:
    """The user a session cookie names, if they still exist as they were when they logged in."""
    origin, _, rest = ref.partition(":")
    if origin == _CONFIG:
        return next((u for u in (c.as_user() for c in config_users) if u.session_ref == ref), None)
    if origin == _DATABASE and rest.isdigit():
        with sessions() as session:
            user = session.get(ConsoleUser, int(rest))
            return _database_user(user) if user else None
    return None


def authenticate(sessions, name: str, password: str, remote_addr: str | None,
                 config_users: Sequence[ConfigUser] = ()) -> User | None:
    """The user ``name`` when ``password`` is theirs, else None (the failure is recorded);
    LoginThrottled after :data:`MAX_FAILURES` failures in :data:`FAILURE_WINDOW`. A config user's
    name is looked up in the config file only."""
    configured = next((c for c in config_users if c.name == name), None)
    with sessions.begin() as session:
        row = None if configured else session.scalar(select(ConsoleUser).where(ConsoleUser.name == name))
        known = configured is not None or row is not None
        key = _failure_detail(name, known=known)
        since = utcnow() - FAILURE_WINDOW
        failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.kind == "console.login_failed", AuditEntry.detail == key,
            AuditEntry.remote_addr == remote_addr, AuditEntry.at >= since))
        if failures >= MAX_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise LoginThrottled(f"too many failed logins for this user from your address: "
                            f"wait {minutes} minutes, or ask an admin to check the account")
        stored = configured.password_hash if configured else row.password_hash if row else _dummy_hash()
        # the hash is checked even for an unknown name, so timing does not tell which names exist
        good = check_password_hash(stored, password)
        if not known or not good:
            session.add(AuditEntry(kind="console.login_failed", detail=key, remote_addr=remote_addr))
            return None
        session.add(AuditEntry(kind="console.login", detail=f"user {name} logged in", remote_addr=remote_addr))
        return configured.as_user() if configured else _database_user(row)


def _failure_detail(name: str, *, known: bool) -> str:
    """The audit line of a failed login: the name of a known user, else a digest of what was
    typed (someone may have typed their password into the name field)."""
    if known:
        return f"failed login as {name}"
    return f"failed login as an unusable name (#{hashlib.sha256(name.encode()).hexdigest()[:12]})"
