"""Worker processes: ``o2c-hub worker`` runs a worker pool and nothing else, so runs get a core
of their own while the hub process serves webhooks.

The hub starts them itself when ``worker_processes`` > 0, tells them to stop on SIGTERM, and
they die with it when it is killed (Linux's parent-death signal), so no orphan keeps a run.
A run a killed worker held is put back by the next worker pool that starts (its lease owner's
process is gone).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from hub.runs.worker import WorkerPool

if TYPE_CHECKING:
    from hub.hub import Hub

log = logging.getLogger("o2c_hub.workers")

_PR_SET_PDEATHSIG = 1
_POLL_WHILE_IDLE = 0.05  # s: nobody wakes a worker process directly; queued runs are found by polling


def run_worker(hub: Hub) -> None:
    """Execute runs until SIGTERM/SIGINT (or until the parent process dies)."""
    _die_with_parent()
    hub.migrate()
    pool = WorkerPool(hub, hub.settings.workers, idle_wait=_POLL_WHILE_IDLE)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    hub.writer.start()
    pool.start()
    log.info("worker process with %d thread(s) started", pool.size)
    stopping.wait()
    pool.stop(hub.settings.shutdown_grace)
    hub.close()


def start_workers(hub: Hub) -> list[subprocess.Popen]:
    """Start ``worker_processes`` worker processes for ``hub``'s config file."""
    command = [sys.executable, "-m", "hub", "--config", str(hub.settings.path), "worker"]
    return [subprocess.Popen(command) for _ in range(hub.settings.worker_processes)]


def stop_workers(workers: list[subprocess.Popen], grace: float) -> None:
    """SIGTERM each worker; wait ``grace`` seconds (plus a margin) for it, then kill it."""
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(grace + 5)
        except subprocess.TimeoutExpired:
            log.warning("worker process %s did not stop in time; killed", proc.pid)
            proc.kill()
            proc.wait()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (elsewhere: nothing to do)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        log.debug("parent-death signal not available here")
