"""The embedded hub: one process serving webhooks and the admin API (waitress, a production
WSGI server), running the scheduler and a worker pool (or, with ``worker_processes``, starting
worker processes that run it), and stopping cleanly on SIGTERM.

On SIGTERM or SIGINT: stop accepting requests, stop the scheduler, let runs in progress
finish for ``shutdown_grace``, put any still going back in the queue, exit 0.
"""

from __future__ import annotations

import errno
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from waitress import create_server

from hub.errors import CannotListen
from hub.runs.inbox import GroupCommit
from hub.runs.worker import WorkerPool
from hub.scheduler import Scheduler
from hub.web import MAX_BODY, create_app
from hub.web.webhooks import INBOX_EXTENSION, REJECTIONS_EXTENSION
from hub.workerproc import start_workers, stop_workers

if TYPE_CHECKING:
    from hub.hub import Hub
    from hub.settings import Settings

log = logging.getLogger("o2c_hub")


def serve(hub: Hub) -> None:
    """Run ``hub`` until SIGTERM/SIGINT."""
    hub.migrate()
    in_process = hub.settings.worker_processes == 0
    pool = WorkerPool(hub, hub.settings.workers)
    if in_process:
        hub.wake, hub.admit = pool.wake, pool.admit
    scheduler = Scheduler(hub)
    app = create_app(hub)
    inbox = app.extensions[INBOX_EXTENSION] = GroupCommit(hub.sessions, writer=hub.writer)
    try:
        # waitress buffers a body before the app sees it: above twice the app's limit it answers
        # 413 itself, so an oversized (or endless chunked) upload costs at most that much memory
        server = create_server(app, host=hub.settings.host, port=hub.settings.port,
                               threads=hub.settings.threads, ident="o2c-hub",
                               max_request_body_size=2 * MAX_BODY)
    except (OSError, ValueError) as exc:  # ValueError: waitress cannot resolve server.host
        raise CannotListen(_listen_problem(exc, hub.settings)) from exc
    hub.writer.start()
    inbox.start()
    rejections = app.extensions[REJECTIONS_EXTENSION]
    rejections.start()
    workers = [] if in_process else start_workers(hub)
    if in_process:
        pool.start()
    scheduler.start()
    _exit_on_signals()
    log.info("o2c-hub listening on http://%s:%s with %d recipe(s), %d worker thread(s) in %s",
             hub.settings.host, server.effective_port, len(hub.recipes), pool.size,
             "this process" if in_process else f"each of {len(workers)} worker process(es)")
    try:
        server.run()  # returns once a signal raised SystemExit inside it
    finally:
        log.info("shutting down")
        inbox.stop()
        rejections.stop()
        scheduler.stop()
        if in_process:
            pool.stop(hub.settings.shutdown_grace)
        stop_workers(workers, hub.settings.shutdown_grace.total_seconds())
        hub.close()
        log.info("stopped")


def _listen_problem(exc: OSError | ValueError, settings: Settings) -> str:
    """Why the server cannot listen, pointing at the config keys that say where."""
    cwd = Path.cwd()
    config = settings.path.relative_to(cwd) if settings.path.is_relative_to(cwd) else settings.path
    if getattr(exc, "errno", None) == errno.EADDRINUSE:
        return f"port {settings.port} on {settings.host} is already in use (server.port in {config})"
    return (f"cannot listen on {settings.host}:{settings.port}: {getattr(exc, 'strerror', None) or exc} "
            f"(server.host and server.port in {config})")


def _exit_on_signals() -> None:
    def stop(signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
