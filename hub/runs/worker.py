"""The worker pool of the embedded hub: one dispatcher thread claims due runs and hands them
to a fixed pool of threads. It wakes at once when a run is queued in this process, when the
next retry falls due, and at least every second (for runs queued by other processes).

The pool also keeps the backlog bounded when webhooks arrive faster than runs finish: the web
threads and the workers share the process's CPU, and a web thread that is never held back
takes it from the runs, so orders pile up in the queue instead of reaching their targets.
:meth:`WorkerPool.admit` holds a new webhook (before it is stored, for at most ``ADMIT_WAIT``)
while more than ``backlog_limit`` runs wait to be claimed; the sender's next webhook then
comes when the hub can take it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

from hub.runs import queue
from hub.runs.executor import execute
from hub.store.base import utcnow

if TYPE_CHECKING:
    from hub.hub import Hub

log = logging.getLogger("o2c_hub.worker")

_IDLE_WAIT = 1.0
ADMIT_WAIT = 2.0  # s: a webhook is held at most this long; then it is stored whatever the backlog
_COUNT_EVERY = 0.05  # s: how often the dispatcher counts the runs waiting, while some wait
_RECOVER_EVERY = timedelta(seconds=60)


class WorkerPool:
    """Runs queued runs with ``size`` threads until stopped."""

    def __init__(self, hub: Hub, size: int, *, idle_wait: float = _IDLE_WAIT, backlog_limit: int | None = None):
        self.hub = hub
        self.size = size
        # Runs that may wait to be claimed before new webhooks are held (see the module docstring).
        self.backlog_limit = backlog_limit if backlog_limit is not None else 2 * size
        self._backlog = 0  # due runs not yet claimed, as last counted (and claimed since)
        self._counted_at = 0.0
        self._admission = threading.Condition()
        # How long an idle pool waits before looking for runs queued by other processes; a
        # worker process (which nobody wakes directly) looks more often.
        self.idle_wait = idle_wait
        self.owner = queue.new_owner()
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="o2c-run")
        self._cond = threading.Condition()
        self._busy = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._dispatch, name="o2c-dispatch", daemon=True)

    def start(self) -> None:
        recovered = queue.recover(self.hub.sessions, self.owner)
        if recovered:
            log.warning("put back %d run(s) left unfinished by a stopped process: %s",
                        len(recovered), recovered)
        self._thread.start()

    def wake(self) -> None:
        """Tell the dispatcher new work may be due."""
        with self._cond:
            self._cond.notify()

    def admit(self) -> None:
        """Return once the backlog is at most ``backlog_limit`` runs, or after ``ADMIT_WAIT``."""
        with self._admission:
            self._admission.wait_for(lambda: self._backlog <= self.backlog_limit or self._stopping.is_set(),
                                     timeout=ADMIT_WAIT)

    def stop(self, grace: timedelta) -> int:
        """Stop claiming; let running runs finish for ``grace``; put back the rest."""
        self._stopping.set()
        self.wake()
        with self._admission:
            self._admission.notify_all()
        deadline = time.monotonic() + grace.total_seconds()
        if self._thread.is_alive():  # a claim under way hands its runs to the pool before this goes on
            self._thread.join(timeout=grace.total_seconds())
        with self._cond:
            self._cond.wait_for(lambda: self._busy == 0, timeout=max(0.0, deadline - time.monotonic()))
        left = queue.requeue_owned(self.hub.sessions, self.owner)
        if left:
            log.warning("%d run(s) still going at shutdown returned to the queue", left)
        self._executor.shutdown(wait=False, cancel_futures=True)
        return left

    def _dispatch(self) -> None:
        last_recover = utcnow()
        while not self._stopping.is_set():
            try:
                claimed = self._claim()
                if utcnow() - last_recover > _RECOVER_EVERY:
                    queue.recover(self.hub.sessions, self.owner)
                    last_recover = utcnow()
            except Exception:  # the database may be briefly unavailable: log and go on
                log.exception("could not claim runs; trying again shortly")
                claimed = 0
            if not claimed:
                self._sleep()

    def _claim(self) -> int:
        with self._cond:
            free = self.size - self._busy
        if free <= 0:
            return 0
        claimed = queue.claim(self.hub.sessions, self.owner, free, writer=self.hub.writer)
        self._count_backlog(asked=free, claimed=len(claimed))
        for item in claimed:
            with self._cond:
                self._busy += 1
            self._executor.submit(self._work, item)
        return len(claimed)

    def _count_backlog(self, *, asked: int, claimed: int) -> None:
        """Keep the count of runs waiting to be claimed: none when a claim got fewer than it
        asked for, counted again at most every ``_COUNT_EVERY`` while some wait."""
        now = time.monotonic()
        if claimed < asked:
            backlog = 0
        elif now - self._counted_at >= _COUNT_EVERY:
            backlog, self._counted_at = queue.count_due(self.hub.sessions), now
        else:
            backlog = max(0, self._backlog - claimed)
        with self._admission:
            self._backlog = backlog
            if backlog <= self.backlog_limit:
                self._admission.notify_all()

    def _work(self, item: queue.Claimed) -> None:
        try:
            execute(self.hub, item)
        except Exception:  # recorded as a failed claim; the lease lets recovery put it back
            log.exception("run %s could not be executed", item.run_id)
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def _sleep(self) -> None:
        with self._cond:
            if self._busy >= self.size:  # every thread busy: wait for one to finish, do not poll
                self._cond.wait(timeout=self.idle_wait)
                return
        wait = self.idle_wait
        due = queue.next_due_at(self.hub.sessions)
        if due is not None:
            wait = max(0.0, min(wait, (due - utcnow()).total_seconds()))
        with self._cond:
            self._cond.wait(timeout=wait if wait > 0 else 0.05)
