"""Platform tables: the inbox, runs and step runs, the idempotency ledger, poll cursors, audit.

    Event ──< Run ──< StepRun          Effect (idempotency ledger, by key)
    RecipeVersion (text by content hash)   PollCursor   AuditEntry
    ConsoleUser (people who log in to the console)   ConsoleKey (its signing key)
    RecipePause (recipes an admin paused)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.statuses import RunStatus
from hub.store.base import Base, utcnow


class RecipeVersion(Base):
    """The exact text of every recipe version that ever ran, by content hash."""

    __tablename__ = "recipe_versions"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipe: Mapped[str] = mapped_column(String(120), index=True)
    path: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """The durable inbox: every trigger firing, stored before anything else happens.

    ``dedupe_key`` is unique: a webhook redelivered with the same delivery id, a polled record
    seen again with the same change timestamp, or a schedule tick fired twice is one event.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_unpruned", "pruned_at", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # webhook | poll | schedule | manual
    connection: Mapped[str | None] = mapped_column(String(120))
    topic: Mapped[str | None] = mapped_column(String(255))
    dedupe_key: Mapped[str] = mapped_column(String(512), unique=True)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # secrets masked
    body: Mapped[bytes] = mapped_column(LargeBinary)  # raw bytes, as received
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    pruned_at: Mapped[datetime | None]  # body replaced by a marker (retention)

    runs: Mapped[list[Run]] = relationship(back_populates="event")


class Run(Base):
    """One execution of one recipe for one event, across all its attempts.

    Status: queued → running → succeeded | retrying → running … | dead; a credit check may hold
    a run (held) until it is approved (queued again) or rejected (hub/statuses.py: RunStatus).
    """

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_due", "status", "next_attempt_at"),
                      Index("ix_runs_finished", "status", "finished_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe: Mapped[str] = mapped_column(String(120), index=True)
    recipe_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.QUEUED)
    attempt: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    error_class: Mapped[str | None] = mapped_column(String(120))
    error_message: Mapped[str | None] = mapped_column(Text)
    replay_of: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]  # on_failure handlers ran (once)

    event: Mapped[Event] = relationship(back_populates="runs")
    steps: Mapped[list[StepRun]] = relationship(
        back_populates="run", order_by="StepRun.id", cascade="all, delete-orphan"
    )


class StepRun(Base):
    """One step of one attempt of a run, with its (redacted) input and output."""

    __tablename__ = "step_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    attempt: Mapped[int]
    step_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # StepStatus
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    input: Mapped[Any | None] = mapped_column(JSON)
    # "event": the step's input was the run's event, stored once (events.body), not again here
    input_of: Mapped[str | None] = mapped_column(String(20))
    output: Mapped[Any | None] = mapped_column(JSON)
    error_class: Mapped[str | None] = mapped_column(String(120))
    error_message: Mapped[str | None] = mapped_column(Text)
    pruned_at: Mapped[datetime | None]  # input and output replaced by a marker (retention)

    run: Mapped[Run] = relationship(back_populates="steps")


class Effect(Base):
    """The idempotency ledger: one row per side effect, keyed on its business key.

    A step records ``pending`` before it calls out and ``done`` with the result after, so a
    retry or a replay finds ``done`` and reuses the result instead of calling again.
    """

    __tablename__ = "effects"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    recipe: Mapped[str] = mapped_column(String(120))
    step_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))  # EffectStatus
    result: Mapped[Any | None] = mapped_column(JSON)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    pruned_at: Mapped[datetime | None]  # result replaced by a marker, the key kept (retention)


class PollCursor(Base):
    """How far a poll trigger has read, per (recipe, connection, resource).

    ``start_at`` is where reading begins (None: the source's whole history): fixed from the
    trigger's ``start`` when the cursor is created, moved only by a reset. No poll reads
    before it, not even through the overlap window.
    """

    __tablename__ = "poll_cursors"
    __table_args__ = (UniqueConstraint("recipe", "connection", "resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe: Mapped[str] = mapped_column(String(120))
    connection: Mapped[str] = mapped_column(String(120))
    resource: Mapped[str] = mapped_column(String(120))
    start_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_seen_id: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Security-relevant facts with no payload: rejected webhooks, replays, resets.

    A row may stand for ``count`` occurrences of the same fact from ``first_at`` to ``at``
    (rejected webhooks are tallied per window, see hub.runs.rejections).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    connection: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    first_at: Mapped[datetime | None]  # the first of ``count`` occurrences (``at``: the last)


class ConsoleUser(Base):
    """A person who logs in to the web console, with one role (hub.users.ROLES).

    Only a password hash is stored (werkzeug's scrypt), never the password.
    """

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleKey(Base):
    """The key signing console session cookies: made on first use, shared by every web process."""

    __tablename__ = "console_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleSession(Base):
    """One console login: the cookie carries its token, the hub keeps the token's SHA-256, so a
    logout (``ended_at``) ends the session even for someone who kept a copy of the cookie."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the cookie's token
    user_ref: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class RecipePause(Base):
    """A recipe an admin paused: its webhooks are still stored and its runs queued, but no
    worker claims them and its polls and schedules do not fire until it is resumed (the row
    is deleted)."""

    __tablename__ = "recipe_pauses"

    recipe: Mapped[str] = mapped_column(String(120), primary_key=True)
    paused_at: Mapped[datetime] = mapped_column(default=utcnow)
    paused_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
