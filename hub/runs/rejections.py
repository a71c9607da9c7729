"""Rejected webhooks, tallied: a flood of bad signatures costs no commit per request.

Each rejection is counted in memory under (connection, reason, remote address). Once per
window (10 s) the tally is written as one ``audit_log`` row per key, ``kind`` webhook_rejected,
with its ``count`` and the first (``first_at``) and last (``at``) time it was seen, all in one
transaction; the rest of the tally is written when the hub stops. The tally holds at most
``max_keys`` keys: rejections beyond them are counted under one overflow row, so memory stays
bounded whatever the senders vary.

The embedded server starts the writer thread and stops it (writing what is left). Without it
(tests, other WSGI servers) the request that finds the window over writes the tally.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from hub.store.base import utcnow
from hub.store.platform import AuditEntry

log = logging.getLogger("o2c_hub.audit")

KIND = "webhook_rejected"
Key = tuple[str | None, str, str | None]  # connection, reason, remote address


@dataclass(slots=True)
class _Seen:
    count: int
    first: datetime
    last: datetime


class RejectionTally:
    """Counts rejected webhooks and writes them as one audit row per key per window."""

    def __init__(self, sessions: sessionmaker, *, window: float = 10.0, max_keys: int = 1000,
                 clock: Callable[[], float] = time.monotonic):
        self._sessions = sessions
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._tally: dict[Key, _Seen] = {}
        self._due = clock() + window
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def overflow_key(self) -> Key:
        return (None, f"rejected webhooks beyond {self.max_keys} distinct connection, reason "
                      "and address in one window", None)

    def count(self, connection: str, reason: str, remote_addr: str | None) -> None:
        """Count one rejection (written with the window's tally, not now)."""
        now = utcnow()
        with self._lock:
            key = (connection, reason, remote_addr)
            if key not in self._tally and len(self._tally) >= self.max_keys:
                key = self.overflow_key
            seen = self._tally.get(key)
            if seen is None:
                self._tally[key] = _Seen(1, now, now)
            else:
                seen.count += 1
                seen.last = now
            due = self._thread is None and self._clock() >= self._due
            tally = self._take() if due else {}
        self._write(tally)

    def flush(self) -> int:
        """Write the tally so far, one row per key in one transaction; return the rows written."""
        with self._lock:
            tally = self._take()
        return self._write(tally)

    def _take(self) -> dict[Key, _Seen]:
        tally, self._tally = self._tally, {}
        self._due = self._clock() + self.window
        return tally

    def _write(self, tally: dict[Key, _Seen]) -> int:
        if not tally:
            return 0
        rows = [AuditEntry(kind=KIND, connection=connection, detail=reason, remote_addr=addr,
                           count=seen.count, first_at=seen.first, at=seen.last)
                for (connection, reason, addr), seen in tally.items()]
        try:
            with self._sessions.begin() as session:
                session.add_all(rows)
        except SQLAlchemyError as exc:
            log.warning("could not write %d rejected webhook(s) to the audit log; kept for the next "
                        "window: %s", sum(s.count for s in tally.values()), type(exc).__name__)
            self._keep(tally)
            return 0
        return len(rows)

    def _keep(self, tally: dict[Key, _Seen]) -> None:
        """Put an unwritten tally back (still within ``max_keys``)."""
        with self._lock:
            for key, seen in tally.items():
                if key not in self._tally and len(self._tally) >= self.max_keys:
                    key = self.overflow_key
                mine = self._tally.setdefault(key, _Seen(0, seen.first, seen.last))
                mine.count += seen.count
                mine.first, mine.last = min(mine.first, seen.first), max(mine.last, seen.last)

    def start(self) -> None:
        """Write the tally every window from a thread of its own."""
        self._thread = threading.Thread(target=self._write_every_window, name="o2c-audit", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread and write what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()

    def _write_every_window(self) -> None:
        while not self._stopping.wait(self.window):
            self.flush()
