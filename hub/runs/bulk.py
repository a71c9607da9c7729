"""Bulk replay: many dead runs replayed in the background, in batches, with its progress kept
for whoever started it to follow.

Each run is replayed as :func:`hub.runs.replay.replay` does it (one transaction and one audit
line per run); the bulk replay itself is one more audit line with its count and reason. After
each batch the workers are woken. Progress is kept in the memory of the process serving it
(the last :data:`KEEP` bulk replays): after a restart the dead runs not yet replayed are still
dead and not replayed, so starting again replays exactly those.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from hub.errors import ReplayError, RunNotFound
from hub.runs.inbox import audit
from hub.runs.replay import replay
from hub.store.base import utcnow

log = logging.getLogger("o2c_hub.replay")

BATCH = 50
KEEP = 20
MAX_SHOWN_FAILURES = 20


@dataclass(slots=True, kw_only=True)
class BulkReplay:
    """One bulk replay and how far it got."""

    id: str
    total: int
    what: str  # which runs, in words (the filters)
    started_at: datetime = field(default_factory=utcnow)
    done: int = 0
    replayed: int = 0
    failures: list[str] = field(default_factory=list)  # the first MAX_SHOWN_FAILURES reasons
    failed: int = 0
    finished_at: datetime | None = None
    first_replay: int | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


class BulkReplays:
    """The bulk replays of one hub process, by id."""

    def __init__(self, sessions: sessionmaker, wake: Callable[[], None], *, batch: int = BATCH):
        self.sessions, self.wake, self.batch = sessions, wake, batch
        self._jobs: OrderedDict[str, BulkReplay] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, run_ids: Sequence[int], hashes: Mapping[str, str], *, what: str, who: str,
              reason: str, remote_addr: str | None = None) -> BulkReplay:
        """Replay ``run_ids`` in the background; the returned record shows the progress. Every
        audit line (the bulk replay's and each run's) carries ``remote_addr``."""
        job = BulkReplay(id=uuid.uuid4().hex[:12], total=len(run_ids), what=what)
        audit(self.sessions, "replay.bulk", f"bulk replay {job.id} of {job.total} dead run(s) ({what}) "
                                            f"started by {who}; reason: {reason}", remote_addr=remote_addr)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)
        worker = threading.Thread(target=self._replay_all, args=(job, list(run_ids), dict(hashes),
                                  f"{who}; bulk replay {job.id}; reason: {reason}", remote_addr),
                                  name=f"o2c-bulk-replay-{job.id}", daemon=True)
        worker.start()
        return job

    def get(self, job_id: str) -> BulkReplay | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _replay_all(self, job: BulkReplay, run_ids: list[int], hashes: dict[str, str], who: str,
                    remote_addr: str | None) -> None:
        try:
            for start in range(0, len(run_ids), self.batch):
                for run_id in run_ids[start:start + self.batch]:
                    self._replay_one(job, run_id, hashes, who, remote_addr)
                self.wake()
        except Exception:  # the database went away: say where it stopped; the rest stays dead
            log.exception("bulk replay %s stopped after %d of %d run(s)", job.id, job.done, job.total)
            job.failures.append(f"stopped after {job.done} of {job.total} runs: the database could not be "
                                "written (see the hub's log); start the bulk replay again for the rest")
        finally:
            job.finished_at = utcnow()

    def _replay_one(self, job: BulkReplay, run_id: int, hashes: dict[str, str], who: str,
                    remote_addr: str | None) -> None:
        try:
            new_id = replay(self.sessions, run_id, hashes, who=who, remote_addr=remote_addr)
        except (RunNotFound, ReplayError) as exc:  # replayed or pruned meanwhile, or its recipe is gone
            job.failed += 1
            if len(job.failures) < MAX_SHOWN_FAILURES:
                job.failures.append(str(exc))
        else:
            job.replayed += 1
            job.first_replay = job.first_replay or new_id
        job.done += 1
