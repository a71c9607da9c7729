"""Summaries a web process keeps, so a page or an API call never waits for the database's sums.

    kept = KeptSummaries(hub.sessions)
    kept.get(as_of, currency)     Kept(summaries, worked_out_at): {currency: Summary} and when
    kept.warm(as_of)              start working them out in the background, unless kept

Summing a large store takes the database about a second (50,000 invoices), so what
:func:`~hub.o2c.reports.sums.summaries` returns is kept per (as_of, currency) and answered from
memory:

- younger than :data:`FRESH` seconds: as kept;
- younger than :data:`KEEP`: as kept, while the same sums are worked out again in the
  background (whoever shows them says when they were worked out);
- older, or never worked out: waited for when they are under way (at most :data:`WAIT`
  seconds), else worked out in the request.

A refresh (kept sums are answered meanwhile) runs at the lowest CPU priority (on Linux, where
a thread has its own), so the pages served meanwhile come first. A process's first page could
only be fast if the sums were under way before it: the console starts today's when someone
logged in opens any of its pages (hub.web.console.dashboard); someone will soon wait for
those, so they run at the process's priority.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from hub.o2c.reports.summary import Summary
from hub.o2c.reports.sums import summaries
from hub.store.base import database_detail

log = logging.getLogger("o2c_hub")

EXTENSION = "o2c_ar_summaries"  # where a web app keeps its KeptSummaries
FRESH = 60.0  # seconds a kept summary is answered as it is
KEEP = 15 * 60.0  # seconds a kept summary is answered at all (worked out again meanwhile)
WAIT = 1.0  # seconds a request waits for sums under way (about what working them out takes)
MOST = 8  # keys kept at most (a day and a currency someone asked for; about 9 MB each at 50,000 invoices)

Key = tuple[date, str | None]


@dataclass(frozen=True, slots=True)
class Kept:
    """The summaries of one (as_of, currency) and when they were worked out (UTC)."""

    summaries: dict[str, Summary]
    worked_out_at: datetime


class KeptSummaries:
    """The summaries one process keeps (see the module docstring). Thread-safe."""

    def __init__(self, sessions: sessionmaker, *, clock: Callable[[], float] = time.monotonic):
        self._sessions = sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[Key, tuple[float, Kept]] = {}
        self._under_way: dict[Key, threading.Event] = {}

    def get(self, as_of: date, currency: str | None = None) -> Kept:
        """The summaries of ``as_of`` (of ``currency`` only, or of every currency)."""
        key = (as_of, currency)
        with self._lock:
            found = self._young(key)
            if found is not None:
                if self._clock() - found[0] >= FRESH:
                    self._start(key, self._refresh)
                return found[1]
            other = self._under_way.get(key)
            if other is None:
                mine = self._under_way[key] = threading.Event()
        if other is None:
            return self._work_out(key, mine)
        if other.wait(WAIT):
            with self._lock:
                found = self._young(key)
            if found is not None:
                return found[1]
        return self._work_out(key, threading.Event())  # the work under way stays the one others wait for

    def warm(self, as_of: date, currency: str | None = None) -> None:
        """Start working out the summaries of ``as_of`` in the background, unless kept or under way."""
        key = (as_of, currency)
        with self._lock:
            if self._young(key) is None:
                self._start(key, self._in_background)

    def _young(self, key: Key) -> tuple[float, Kept] | None:
        """What is kept of ``key`` if younger than KEEP (an older one is dropped; lock held)."""
        found = self._kept.get(key)
        if found is not None and self._clock() - found[0] >= KEEP:
            del self._kept[key]
            return None
        return found

    def _start(self, key: Key, run: Callable[[Key, threading.Event], None]) -> None:
        """``run`` (work ``key`` out) in a background thread, unless that is under way (lock held)."""
        if key not in self._under_way:
            done = self._under_way[key] = threading.Event()
            threading.Thread(target=run, args=(key, done), daemon=True, name=f"o2c-hub-ar-sums-{key[0]}").start()

    def _refresh(self, key: Key, done: threading.Event) -> None:
        _give_way()
        self._in_background(key, done)

    def _in_background(self, key: Key, done: threading.Event) -> None:
        try:
            self._work_out(key, done)
        except Exception as error:  # a thread's end: whoever asks next works them out again and sees the error
            detail = database_detail(error) if isinstance(error, SQLAlchemyError) else type(error).__name__
            log.warning("AR sums for %s could not be worked out in the background: %s", key[0], detail)

    def _work_out(self, key: Key, done: threading.Event) -> Kept:
        try:
            with self._sessions() as session:
                kept = Kept(summaries(session, key[0], key[1]), datetime.now(timezone.utc))
            with self._lock:
                self._kept[key] = (self._clock(), kept)
                for oldest in sorted(self._kept, key=lambda k: self._kept[k][0])[:-MOST]:
                    del self._kept[oldest]
            return kept
        finally:
            with self._lock:
                if self._under_way.get(key) is done:
                    del self._under_way[key]
            done.set()


def _give_way() -> None:
    """Lower this thread's CPU priority to the least (nice 19). Linux only: elsewhere the call
    would name a process, not this thread."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:  # a sandbox that forbids it: the thread keeps the process's priority
            return


def kept_in(extensions: dict, sessions: sessionmaker) -> KeptSummaries:
    """The KeptSummaries of an app (``extensions``: its Flask extensions), made on first use."""
    found = extensions.get(EXTENSION)
    return found if found is not None else extensions.setdefault(EXTENSION, KeptSummaries(sessions))
