"""Each app process seals new audit entries in a background thread every few seconds.

The thread starts with the first request a process serves, so a forked gunicorn worker
gets its own, and the CLI, which serves no requests, never starts one. Several instances
sealing at once is safe (see portal.security.sequencer); a failed round is logged and the
next one tries again.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from flask import Flask

from portal.extensions import db
from portal.security import sequencer

log = logging.getLogger(__name__)


class AuditSequencer:
    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.grace = timedelta(minutes=app.config["PORTAL_AUDIT_PENDING_MINUTES"])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid() or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
            self._thread.start()
            self._pid = os.getpid()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self.app.app_context():
                    sequencer.seal_all(db.session, self.grace)
            except Exception:
                log.exception("sealing audit entries failed; trying again in %s s", self.interval)


def init_app(app: Flask) -> None:
    interval = app.config["PORTAL_AUDIT_SEAL_SECONDS"]
    if interval <= 0:
        return
    sequencer_thread = AuditSequencer(app, interval)
    app.extensions["portal_audit_sequencer"] = sequencer_thread
    app.before_request(sequencer_thread.ensure_running)
