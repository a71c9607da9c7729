"""Scheduled and polling recipes, fired by APScheduler 3.x inside the hub process.

A schedule tick becomes an event keyed on the recipe and the minute it fired, so a tick
fired twice (two processes, a restart within the minute) queues one run. The polls and ticks
of a paused recipe (hub.runs.pauses) do not fire.
"""

from __future__ import annotations

import logging
from datetime import timezone
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub import jsonutil
from hub.recipe.model import PollTrigger, ScheduleTrigger
from hub.runs.executor import announce_dead_runs
from hub.runs.inbox import NewEvent, accept
from hub.runs.pauses import is_paused
from hub.runs.poller import poll_once
from hub.runs.retention import scheduled_prune
from hub.store.base import utcnow

if TYPE_CHECKING:
    from hub.hub import Hub
    from hub.recipe.build import BuiltRecipe

log = logging.getLogger("o2c_hub.scheduler")


class Scheduler:
    """Owns the APScheduler instance for one hub."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self._scheduler = BackgroundScheduler(
            timezone=timezone.utc,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def start(self) -> None:
        for built in self.hub.recipes.values():
            self._add(built)
        pruning = IntervalTrigger(seconds=self.hub.settings.retention.every.total_seconds())
        self._scheduler.add_job(scheduled_prune, pruning, args=[self.hub], id="retention:prune")
        self._scheduler.add_job(_announce, IntervalTrigger(seconds=60), args=[self.hub], id="alerts:sweep")
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _add(self, built: BuiltRecipe) -> None:
        trigger = built.recipe.trigger
        if isinstance(trigger, ScheduleTrigger):
            cron = CronTrigger.from_crontab(trigger.cron, timezone=trigger.timezone)
            self._scheduler.add_job(fire_schedule, cron, args=[self.hub, built],
                                    id=f"schedule:{built.slug}")
        elif isinstance(trigger, PollTrigger):
            every = IntervalTrigger(seconds=trigger.every.total_seconds())
            self._scheduler.add_job(_poll, every, args=[self.hub, built], id=f"poll:{built.slug}",
                                    next_run_time=utcnow())


def _announce(hub: Hub) -> None:
    """Failure alerts still owed (see :func:`hub.runs.executor.announce_dead_runs`)."""
    try:
        announce_dead_runs(hub)
    except Exception:  # the next sweep tries again; the scheduler must keep its other jobs
        log.exception("the sweep for unannounced dead runs failed")


def fire_schedule(hub: Hub, built: BuiltRecipe) -> None:
    """Queue one run of a scheduled recipe for this minute (none while it is paused)."""
    if is_paused(hub.sessions, built.slug):
        return
    minute = utcnow().replace(second=0, microsecond=0).isoformat()
    body = {"recipe": built.slug, "fired_at": minute, "cron": built.recipe.trigger.cron,
            "timezone": built.recipe.trigger.timezone}
    accepted = accept(hub.sessions, NewEvent(
        source="schedule", topic=built.recipe.trigger.cron,
        dedupe_key=f"schedule:{built.slug}:{minute}", body=jsonutil.dumps(body).encode(),
    ), [(built.slug, built.recipe.hash)])
    if not accepted.duplicate:
        hub.wake()


def _poll(hub: Hub, built: BuiltRecipe) -> None:
    try:
        if is_paused(hub.sessions, built.slug):
            return
        result = poll_once(hub, built)
    except Exception as exc:  # a failed poll is retried at the next interval
        log.warning("poll of %s failed: %s", built.slug, hub.redactor.text(str(exc)))
        return
    if result.new:
        # DEBUG: each new record's run logs its own outcome line
        log.debug("poll of %s: %d new of %d seen", built.slug, result.new, result.seen)
