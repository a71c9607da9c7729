"""The hub's Prometheus metrics: one registry per :class:`~hub.hub.Hub`, served at ``/metrics``.

    counted in this process      webhooks answered, run attempts started and finished, their
                                 duration (``HubMetrics.webhook``, ``attempt_started``, ``attempt_finished``)
    read from the store          open runs, the due queue and its oldest run, runs finished in
    at each scrape               the last 24 h, dead runs not replayed, poll lag per cursor
    (StoreCollector)             (so runs executed by worker processes count too)
    from the AR reports          open and overdue receivables, unapplied cash and auto-match rate
                                 per currency, orders held for credit approval; computed with the
                                 reports' own functions and kept for ``BUSINESS_TTL`` seconds

Every name starts with ``o2c_hub_``; amounts are in the currency's units (Prometheus keeps
float64: a gauge is for watching, the reports are the figures of record).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from hub.statuses import DUE, FINISHED, OPEN, RunStatus
from hub.store.base import utcnow
from hub.store.platform import PollCursor, Run

WEBHOOK_OUTCOMES = ("accepted", "duplicate", "rejected")
FINISHED_WINDOW = timedelta(hours=24)
BUSINESS_TTL = 60.0  # seconds: the AR figures read every invoice and payment, runs read indexes
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class HubMetrics:
    """The registry of one hub: in-process counters plus a collector reading the store."""

    def __init__(self, sessions: sessionmaker[Session], recipes: Iterable[str]):
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "o2c_hub_webhooks", "Webhook deliveries answered by this process, by connection and outcome "
            "(accepted: stored, 202; duplicate: a redelivery, 200; rejected: signature or topic refused, 4xx).",
            ["connection", "outcome"], registry=self.registry)
        self.attempts_started = Counter(
            "o2c_hub_run_attempts_started", "Run attempts this process started, by recipe.",
            ["recipe"], registry=self.registry)
        self.attempts_finished = Counter(
            "o2c_hub_run_attempts_finished", "Run attempts this process finished, by recipe and outcome "
            "(succeeded, retrying, dead, held, rejected).", ["recipe", "status"], registry=self.registry)
        self.attempt_duration = Histogram(
            "o2c_hub_run_attempt_duration_seconds", "Duration of run attempts this process executed, "
            "from loading the run to its outcome stored and its alerts sent, by recipe.",
            ["recipe"], buckets=DURATION_BUCKETS, registry=self.registry)
        self.registry.register(StoreCollector(sessions, tuple(recipes)))

    def webhook(self, connection: str, outcome: str) -> None:
        """Count one answered delivery to a configured connection (``outcome``: WEBHOOK_OUTCOMES)."""
        self.webhooks.labels(connection, outcome).inc()

    def attempt_started(self, recipe: str) -> None:
        self.attempts_started.labels(recipe).inc()

    def attempt_finished(self, recipe: str, status: str, seconds: float) -> None:
        self.attempts_finished.labels(recipe, status).inc()
        self.attempt_duration.labels(recipe).observe(seconds)


class StoreCollector:
    """Figures read from the database at each scrape, with queries on indexed columns only
    (``ix_runs_due``, ``ix_runs_finished``, ``replay_of``); the AR figures are cached."""

    def __init__(self, sessions: sessionmaker[Session], recipes: tuple[str, ...],
                 clock: Callable[[], float] = time.monotonic):
        self.sessions, self.recipes, self.clock = sessions, recipes, clock
        self._business: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            yield from self.run_metrics(session)
            yield self.poll_lag(session)
            yield from self.business_metrics(session)

    def run_metrics(self, session: Session) -> Iterator[Metric]:
        now = utcnow()
        counts = dict.fromkeys(OPEN, 0) | dict(session.execute(
            select(Run.status, func.count()).where(Run.status.in_(OPEN)).group_by(Run.status)).all())
        yield _gauge("o2c_hub_runs_open", "Runs not finished, by status (held: waiting for a person).",
                     ["status"], (((s,), n) for s, n in counts.items()))
        due = session.scalar(select(func.count()).where(
            Run.status.in_(DUE), Run.next_attempt_at <= now))
        yield GaugeMetricFamily("o2c_hub_queue_depth", "Runs due now (queued, or retrying and past "
                                "their backoff) that no worker has claimed yet.", value=due)
        oldest = [session.scalar(select(func.min(Run.next_attempt_at)).where(Run.status == s))
                  for s in DUE]
        waited = max(((now - at).total_seconds() for at in oldest if at is not None), default=0.0)
        yield GaugeMetricFamily("o2c_hub_queue_oldest_age_seconds", "How long the longest-waiting "
                                "due run has been due (0: none due).", value=max(waited, 0.0))
        yield self.finished(session, now)
        yield self.dead_letters(session)

    def finished(self, session: Session, now) -> Metric:
        counts = {s: session.scalar(select(func.count()).where(  # covered by ix_runs_finished
            Run.status == s, Run.finished_at >= now - FINISHED_WINDOW)) for s in FINISHED}
        return _gauge("o2c_hub_runs_finished_24h", "Runs finished in the last 24 hours, by final status "
                      "(from the store: runs of every worker process).",
                      ["status"], (((s,), n) for s, n in counts.items()))

    def dead_letters(self, session: Session) -> Metric:
        replay = aliased(Run)
        found = dict.fromkeys(self.recipes, 0) | dict(session.execute(
            select(Run.recipe, func.count()).where(
                Run.status == RunStatus.DEAD, ~exists().where(replay.replay_of == Run.id))
            .group_by(Run.recipe)).all())
        return _gauge("o2c_hub_dead_letters", "Dead runs that were not replayed, by recipe (until "
                      "retention prunes them).", ["recipe"], (((r,), n) for r, n in found.items()))

    def poll_lag(self, session: Session) -> Metric:
        now = utcnow()
        rows = session.execute(select(PollCursor.recipe, PollCursor.connection, PollCursor.resource,
                                      PollCursor.last_seen_at).where(PollCursor.last_seen_at.is_not(None)))
        return _gauge("o2c_hub_poll_lag_seconds", "Now less the change time of the last record a poll "
                      "read, per cursor (cursors that saw nothing yet are left out).",
                      ["recipe", "connection", "resource"],
                      (((r, c, res), (now - at).total_seconds()) for r, c, res, at in rows))

    def business_metrics(self, session: Session) -> list[Metric]:
        cached = self._business
        if cached is None or self.clock() - cached[0] >= BUSINESS_TTL:
            cached = self._business = (self.clock(), business_metrics(session, date.today()))
        return cached[1]


def business_metrics(session: Session, as_of: date) -> list[Metric]:
    """The AR gauges of ``as_of``: the figures the aging and KPI reports give for that day."""
    # the AR reports, imported at the first scrape: a start does not wait for them
    from hub.o2c.credit.service import held_checks
    from hub.o2c.reports.metrics import aging
    from hub.o2c.reports.store import kpis
    from hub.o2c.reports.sums import summaries

    open_ar, overdue, unapplied, match = ([] for _ in range(4))
    for currency, book in summaries(session, as_of).items():
        buckets, figures = aging(book, as_of), kpis(book, as_of, 90)
        open_ar.append(((currency,), buckets["total"]))
        overdue.append(((currency,), buckets["total"] - buckets["current"]))
        unapplied.append(((currency,), figures["unapplied_cash"]))
        if figures["auto_match_rate"] is not None:
            match.append(((currency,), figures["auto_match_rate"]))
    return [
        _gauge("o2c_hub_ar_open", "Open receivables per currency (aging report total).", ["currency"], open_ar),
        _gauge("o2c_hub_ar_overdue", "Receivables past their due date per currency (aging report "
               "total less current).", ["currency"], overdue),
        _gauge("o2c_hub_unapplied_cash", "Cash received and not applied to invoices per currency "
               "(KPI report).", ["currency"], unapplied),
        _gauge("o2c_hub_auto_match_rate_percent", "Share of payments matched without a person, in percent, "
               "per currency (KPI report; absent while nothing was matched).", ["currency"], match),
        GaugeMetricFamily("o2c_hub_orders_held", "Orders whose credit check waits for a person's "
                          "decision.", value=len(held_checks(session))),
    ]


def _gauge(name: str, documentation: str, labels: list[str], samples) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in samples:
        family.add_metric(list(values), float(value))
    return family
