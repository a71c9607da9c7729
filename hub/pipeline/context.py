"""What a running recipe can see and where it writes what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from hub.idempotency import Ledger
from hub.redact import Redactor
from hub.store.writer import Writer

T = TypeVar("T")


@dataclass(slots=True, kw_only=True)
class StepRecord:
    """One step's outcome, written to ``step_runs`` when the attempt ends."""

    step_id: str
    kind: str
    status: str  # succeeded | failed | skipped | reused | filtered
    started_at: datetime
    finished_at: datetime | None = None
    input: Any = None
    input_of: str | None = None  # "event": the input was the run's event (stored once, with it)
    output: Any = None
    error_class: str | None = None
    error_message: str | None = None


@dataclass(slots=True, kw_only=True)
class RunContext:
    """The state of one attempt of one run.

    ``data`` is the root every expression and template sees: ``event`` (the payload),
    ``trigger`` (connection, topic, delivery id, received_at), ``run`` (id, attempt, url,
    error) and one entry per step that has run, under the step's id.
    """

    run_id: int
    recipe: str
    attempt: int
    business_key: str  # default idempotency scope: the event's dedupe key
    data: dict[str, Any]
    sessions: sessionmaker
    ledger: Ledger  # the engine's EffectLedger (hub/runs/ledger.py)
    redactor: Redactor
    records: list[StepRecord] = field(default_factory=list)
    writer: Writer | None = None  # the hub's group commit, when it runs (hub/store/writer.py)
    key_suffix: str = ""  # "lines[3]" inside the 4th item of a for_each named lines
    last_reused: bool = False  # the last effect came from the ledger, not a new call

    def child(self, name: str, value: Any, suffix: str) -> RunContext:
        """A context for one item of a for_each: same run, the item bound to ``name``."""
        return RunContext(
            run_id=self.run_id,
            recipe=self.recipe,
            attempt=self.attempt,
            business_key=self.business_key,
            data={**self.data, name: value},
            sessions=self.sessions,
            ledger=self.ledger,
            redactor=self.redactor,
            records=self.records,
            writer=self.writer,
            key_suffix=self.key_suffix + suffix,
        )

    def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a transaction, committed (with others' writes when the hub's
        writer runs) before its result is returned. ``work`` only writes through ``session``:
        it may be run twice, the first time rolled back."""
        if self.writer is not None:
            return self.writer.write(work)
        with self.sessions.begin() as session:
            return work(session)
