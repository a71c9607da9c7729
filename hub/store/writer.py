"""Group commit: the short write transactions of many threads, committed together.

A durable store pays for each commit with a flush to disk (SQLite with ``synchronous=FULL``:
an fsync), and a flush costs more than the writes it makes durable. A :class:`Writer` is one
thread that takes every piece of work waiting (a function of a session), runs them one after
the other in one transaction, commits once, and only then answers each caller with its
function's result. A caller learns of its writes when they are on disk, never before: a
webhook is answered, an effect is sent and a run's outcome is reported after the commit that
holds them, as when each committed on its own.

When one function of a batch raises, or the commit fails, the whole batch is rolled back and
each function is run again in a transaction of its own, so every caller gets the answer it
would have had alone: a refused record fails its run and nobody else's. Functions must
therefore only write through the session they are given (they may run twice, the first time
rolled back).

Until it is started (commands, tests, a foreground run), and from inside its own thread, a
Writer runs each function in a transaction of its own at once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("o2c_hub.writer")

T = TypeVar("T")
Work = Callable[[Session], T]


class Writer:
    """One thread that commits the work of many together (see the module docstring)."""

    def __init__(self, sessions: sessionmaker, *, max_batch: int = 128):
        self._sessions = sessions
        self._max_batch = max_batch
        self._waiting: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._closed

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_forever, name="o2c-writer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Commit what is waiting, then end the thread; later work is refused. A writer that
        never started has nothing to stop, and goes on writing alone."""
        with self._lock:
            if self._closed or self._thread is None:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._waiting.put(None)
            thread.join()

    def write(self, work: Work) -> T:
        """Run ``work(session)`` in a transaction; return its result once that transaction has
        committed, or raise what ``work`` or the commit raised."""
        if self._closed:
            raise RuntimeError("the store's writer is closed")
        if self._thread is None or threading.current_thread() is self._thread:
            return _alone(self._sessions, work)
        done: Future = Future()
        self._waiting.put((work, done))
        return done.result()

    def _write_forever(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < self._max_batch and not self._waiting.empty():
                batch.append(self._waiting.get())
            items = [item for item in batch if item is not None]
            if items:
                self._write(items)
            if len(items) < len(batch):  # stop() was called: nothing arrives after its marker
                self._refuse_the_rest()
                return

    def _refuse_the_rest(self) -> None:
        while not self._waiting.empty():
            item = self._waiting.get()
            if item is not None:
                item[1].set_exception(RuntimeError("the store's writer is closed"))

    def _write(self, items: list[tuple[Work, Future]]) -> None:
        if len(items) > 1:
            try:
                results = _together(self._sessions, [work for work, _ in items])
            except Exception:  # noqa: BLE001 - each is run again alone, and answered alone
                log.debug("a batch of %d writes failed; writing each on its own", len(items))
            else:
                for (_, done), result in zip(items, results):
                    done.set_result(result)
                return
        for work, done in items:
            try:
                done.set_result(_alone(self._sessions, work))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                done.set_exception(exc)


def _together(sessions: sessionmaker, works: list[Work]) -> list:
    with sessions.begin() as session:
        return [work(session) for work in works]


def _alone(sessions: sessionmaker, work: Work) -> T:
    with sessions.begin() as session:
        return work(session)
