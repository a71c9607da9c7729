"""Retention: what the hub recorded is pruned once it is old enough, in small batches.

    finished_runs  a finished run (succeeded, dead, rejected) older than its recipe's
                   ``finished_runs`` is deleted with its step records; the effects it performed
                   keep their idempotency keys and lose their results; rows elsewhere that
                   point at it (replays, credit checks, ...) forget the run id
    step_data      a step's input and output, once its run finished ``step_data`` ago,
                   become the pruned marker
    event_bodies   an event's raw body becomes the pruned marker once every run of the event
                   finished ``event_bodies`` ago, and at the latest with the last of its runs;
                   the row stays, so its dedupe key still makes a redelivery a duplicate
    effects        the result of a done effect with no run left, ``finished_runs`` after it
                   was done, becomes the pruned marker (its key stays)
    audit          audit lines older than ``audit`` are deleted, erasure records never

What is never pruned: a run that is queued, running, retrying or held; the body of an event
with such a run; the body of an event whose dead-lettered run was not replayed, as long as
that run is kept (so it can still be replayed); canonical O2C records.

Each batch selects up to ``batch_size`` ids in a read, then changes them in one short write
transaction that checks the rules again (a replay queued meanwhile keeps its event), and
waits ``PAUSE`` before the next. On SQLite, one writer at a time, the pause is longer than
the longest sleep of SQLite's busy handler (100 ms), so a webhook waiting for the write lock
gets it after at most one batch; on PostgreSQL pruning locks only the rows it changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, false, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from hub import jsonutil
from hub.recipe.model import RETENTION_KINDS, Retention
from hub.statuses import FINISHED, EffectStatus, RunStatus
from hub.store.base import Base, utcnow
from hub.store.platform import AuditEntry, Effect, Event, Run, StepRun

if TYPE_CHECKING:
    from hub.hub import Hub

log = logging.getLogger("o2c_hub.retention")

#: Audit kinds kept for ever (they hold no personal data and prove what was done).
KEPT_AUDIT = ("erasure",)

#: Seconds between two batches (see the module docstring).
PAUSE = 0.15

KINDS = ("finished_runs", "step_data", "event_bodies", "effects", "audit")


def marker(now: datetime) -> dict[str, str]:
    """What pruned data is replaced by: the day it was pruned."""
    return {"_pruned": now.date().isoformat()}


@dataclass(slots=True)
class PruneReport:
    """Rows pruned (or, in a dry run, that would be) per kind, and how long batches took."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    step_rows_deleted: int = 0
    batches: int = 0
    longest_batch: float = 0.0  # seconds, the longest write transaction

    def lines(self) -> list[str]:
        c = self.counts
        return [f"finished runs: {c['finished_runs']} (with {self.step_rows_deleted} step record(s))",
                f"step data: {c['step_data']} step record(s)",
                f"event bodies: {c['event_bodies']}",
                f"effect results: {c['effects']} (their keys kept)",
                f"audit lines: {c['audit']}"]


class Rules:
    """The cut-off moments of each kind, per recipe, as SQL conditions."""

    def __init__(self, hub_wide: Retention, recipes: Mapping[str, Mapping[str, timedelta | None]],
                 now: datetime):
        self.hub_wide, self.now = hub_wide, now
        self.cutoffs: dict[str, dict[str, datetime | None]] = {
            kind: {slug: self._cutoff(hub_wide.overridden(o), kind) for slug, o in recipes.items()
                   if kind in o}
            for kind in RETENTION_KINDS
        }

    def _cutoff(self, retention: Retention, kind: str) -> datetime | None:
        keep = getattr(retention, kind)
        return None if keep is None else self.now - keep

    def default(self, kind: str) -> datetime | None:
        return self._cutoff(self.hub_wide, kind)

    def latest(self, kind: str) -> datetime | None:
        """The latest cut-off of ``kind`` anywhere: nothing newer is ever pruned."""
        found = [c for c in (self.default(kind), *self.cutoffs[kind].values()) if c is not None]
        return max(found) if found else None

    def older(self, kind: str, recipe: ColumnElement, moment: ColumnElement) -> ColumnElement[bool]:
        """``moment`` is before the cut-off of ``kind`` for the recipe in ``recipe``."""
        by_cutoff: dict[datetime, list[str]] = {}
        for slug, cutoff in self.cutoffs[kind].items():
            if cutoff is not None:
                by_cutoff.setdefault(cutoff, []).append(slug)
        terms = [and_(recipe.in_(slugs), moment < cutoff) for cutoff, slugs in by_cutoff.items()]
        if self.default(kind) is not None:
            own = list(self.cutoffs[kind])
            terms.append(and_(recipe.not_in(own) if own else True, moment < self.default(kind)))
        return or_(*terms) if terms else false()


def _finished_at(run) -> ColumnElement:
    return func.coalesce(run.finished_at, run.created_at)


def expired_runs(rules: Rules) -> ColumnElement[bool]:
    return and_(Run.status.in_(FINISHED), rules.older("finished_runs", Run.recipe, _finished_at(Run)))


def body_kept(rules: Rules) -> ColumnElement[bool]:
    """A run of the event (correlated) still needs its body."""
    other = aliased(Run)
    unreplayed_dead = and_(Run.status == RunStatus.DEAD, ~exists().where(other.replay_of == Run.id),
                           ~rules.older("finished_runs", Run.recipe, _finished_at(Run)))
    return exists().where(Run.event_id == Event.id, or_(
        Run.status.not_in(FINISHED), ~rules.older("event_bodies", Run.recipe, _finished_at(Run)),
        unreplayed_dead))


def expired_bodies(rules: Rules) -> ColumnElement[bool]:
    latest, default = rules.latest("event_bodies"), rules.default("event_bodies")
    if latest is None:
        return false()
    no_runs_old = Event.received_at < default if default is not None else false()
    return and_(Event.pruned_at.is_(None), Event.received_at < latest, ~body_kept(rules),
                or_(exists().where(Run.event_id == Event.id), no_runs_old))


def expired_step_data(rules: Rules) -> ColumnElement[bool]:
    run = select(Run.id).where(Run.status.in_(FINISHED),
                               rules.older("step_data", Run.recipe, _finished_at(Run)),
                               ~rules.older("finished_runs", Run.recipe, _finished_at(Run)))
    return and_(StepRun.pruned_at.is_(None), StepRun.run_id.in_(run))


def expired_effects(rules: Rules) -> ColumnElement[bool]:
    return and_(Effect.run_id.is_(None), Effect.status == EffectStatus.DONE, Effect.pruned_at.is_(None),
                rules.older("finished_runs", Effect.recipe, func.coalesce(Effect.done_at, Effect.created_at)))


def expired_audit(rules: Rules) -> ColumnElement[bool]:
    cutoff = rules.default("audit")
    if cutoff is None:
        return false()
    return and_(AuditEntry.at < cutoff, AuditEntry.kind.not_in(KEPT_AUDIT))


def prune(sessions: sessionmaker, retention: Retention,
          recipes: Mapping[str, Mapping[str, timedelta | None]], *, dry_run: bool = False,
          now: datetime | None = None, pause: float = PAUSE,
          on_batch: Callable[[str, int, float], None] | None = None) -> PruneReport:
    """Prune everything past its retention (``recipes``: each loaded recipe's overrides).

    A dry run only counts. ``on_batch(kind, rows, seconds)`` hears of every write transaction.
    """
    rules = Rules(retention, recipes, now or utcnow())
    report = PruneReport()
    if dry_run:
        return _count(sessions, rules, report)
    batches = _Batches(sessions, retention.batch_size, pause, report, on_batch)
    stamp = {"now": rules.now, "marker": marker(rules.now)}
    batches.run("finished_runs", Run.id, expired_runs(rules), lambda s, ids: _delete_runs(s, ids, rules, stamp, report))
    batches.run("step_data", StepRun.id, expired_step_data(rules), lambda s, ids: _mark_steps(s, ids, rules, stamp))
    batches.run("event_bodies", Event.id, expired_bodies(rules), lambda s, ids: _mark_bodies(s, ids, rules, stamp))
    batches.run("effects", Effect.key, expired_effects(rules), lambda s, ids: _mark_effects(s, ids, rules, stamp))
    batches.run("audit", AuditEntry.id, expired_audit(rules), lambda s, ids: _delete_audit(s, ids, rules))
    return report


def prune_hub(hub: Hub, *, dry_run: bool = False) -> PruneReport:
    """Prune ``hub``'s store by its config's retention and each loaded recipe's own."""
    overrides = {slug: built.recipe.retention for slug, built in hub.recipes.items()}
    return prune(hub.sessions, hub.settings.retention, overrides, dry_run=dry_run)


def scheduled_prune(hub: Hub) -> None:
    """The hub's periodic pruning: one log line when something was pruned; a failure is
    logged and tried again at the next interval."""
    try:
        report = prune_hub(hub)
    except Exception as exc:  # the next interval tries again
        log.warning("pruning stopped: %s", hub.redactor.text(str(exc)))
        return
    if any(report.counts.values()):
        log.info("pruned %s", "; ".join(report.lines()))


def _count(sessions: sessionmaker, rules: Rules, report: PruneReport) -> PruneReport:
    with sessions() as session:
        def count(query: Select) -> int:
            return session.scalar(select(func.count()).select_from(query.subquery()))
        report.counts["finished_runs"] = count(select(Run.id).where(expired_runs(rules)))
        report.step_rows_deleted = count(select(StepRun.id).where(
            StepRun.run_id.in_(select(Run.id).where(expired_runs(rules)))))
        report.counts["step_data"] = count(select(StepRun.id).where(expired_step_data(rules)))
        report.counts["event_bodies"] = count(select(Event.id).where(expired_bodies(rules)))
        report.counts["effects"] = count(select(Effect.key).where(or_(
            expired_effects(rules),
            and_(Effect.status == EffectStatus.DONE, Effect.pruned_at.is_(None),
                 Effect.run_id.in_(select(Run.id).where(expired_runs(rules)))))))
        report.counts["audit"] = count(select(AuditEntry.id).where(expired_audit(rules)))
    return report


class _Batches:
    """Select ids in a read, change them in a short write transaction, pause, go on."""

    def __init__(self, sessions: sessionmaker, size: int, pause: float, report: PruneReport,
                 on_batch: Callable[[str, int, float], None] | None):
        self.sessions, self.size, self.pause, self.report = sessions, size, pause, report
        self.on_batch = on_batch

    def run(self, kind: str, key: Any, condition: ColumnElement[bool],
            apply: Callable[[Session, list], int]) -> None:
        last = None
        while True:
            query = select(key).where(condition).order_by(key).limit(self.size)
            with self.sessions() as session:
                ids = list(session.scalars(query if last is None else query.where(key > last)))
            if not ids:
                return
            started = time.monotonic()
            with self.sessions.begin() as session:
                done = apply(session, ids)
            self._record(kind, done, time.monotonic() - started)
            if len(ids) < self.size:
                return
            last = ids[-1]
            time.sleep(self.pause)

    def _record(self, kind: str, rows: int, seconds: float) -> None:
        self.report.counts[kind] += rows
        self.report.batches += 1
        self.report.longest_batch = max(self.report.longest_batch, seconds)
        if self.on_batch is not None:
            self.on_batch(kind, rows, seconds)


def _delete_runs(session: Session, ids: list[int], rules: Rules, stamp: dict,
                 report: PruneReport) -> int:
    """Delete finished runs and their step records; effects keep their keys, not their results."""
    ids = list(session.scalars(select(Run.id).where(Run.id.in_(ids), expired_runs(rules))))
    if not ids:
        return 0
    report.counts["effects"] += session.execute(
        update(Effect).where(Effect.run_id.in_(ids), Effect.status == EffectStatus.DONE, Effect.pruned_at.is_(None))
        .values(result=stamp["marker"], pruned_at=stamp["now"])).rowcount
    for column in _columns_pointing_at_runs():
        session.execute(update(column.table).where(column.in_(ids)).values({column.name: None}))
    report.step_rows_deleted += session.execute(delete(StepRun).where(StepRun.run_id.in_(ids))).rowcount
    events = set(session.scalars(select(Run.event_id).where(Run.id.in_(ids))))
    session.execute(delete(Run).where(Run.id.in_(ids)))
    # the body goes with the last run of its event: nothing is left to replay, and an event
    # without runs would otherwise fall back to the hub-wide event_bodies, not its recipe's
    orphaned = select(Event.id).where(Event.id.in_(events), Event.pruned_at.is_(None),
                                      ~exists().where(Run.event_id == Event.id))
    report.counts["event_bodies"] += session.execute(
        update(Event).where(Event.id.in_(orphaned))
        .values(body=jsonutil.dumps(stamp["marker"]).encode(), pruned_at=stamp["now"])
        .execution_options(synchronize_session=False)).rowcount
    return len(ids)


def _columns_pointing_at_runs() -> list:
    """Every nullable column with a foreign key to runs.id (replays, effects, credit checks, ...)."""
    runs_id = Run.__table__.c.id
    return [fk.parent for table in Base.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column is runs_id and fk.parent.nullable]


def _mark_steps(session: Session, ids: list[int], rules: Rules, stamp: dict) -> int:
    return session.execute(
        update(StepRun).where(StepRun.id.in_(ids), expired_step_data(rules))
        .values(input=stamp["marker"], input_of=None, output=stamp["marker"], pruned_at=stamp["now"])
        .execution_options(synchronize_session=False)).rowcount


def _mark_bodies(session: Session, ids: list[int], rules: Rules, stamp: dict) -> int:
    body = jsonutil.dumps(stamp["marker"]).encode()
    return session.execute(
        update(Event).where(Event.id.in_(ids), expired_bodies(rules))
        .values(body=body, pruned_at=stamp["now"])
        .execution_options(synchronize_session=False)).rowcount


def _mark_effects(session: Session, keys: list[str], rules: Rules, stamp: dict) -> int:
    return session.execute(
        update(Effect).where(Effect.key.in_(keys), expired_effects(rules))
        .values(result=stamp["marker"], pruned_at=stamp["now"])
        .execution_options(synchronize_session=False)).rowcount


def _delete_audit(session: Session, ids: list[int], rules: Rules) -> int:
    return session.execute(
        delete(AuditEntry).where(AuditEntry.id.in_(ids), expired_audit(rules))
        .execution_options(synchronize_session=False)).rowcount
