"""Threads racing against one app: each in its own app context, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from portal.extensions import db

Job = Callable[[threading.Barrier], Any]
# SQLite lets one writer in at a time: racing writers wait for the lock instead of failing.
SQLITE_WAIT = {"pool_pre_ping": True, "connect_args": {"timeout": 30}}


def race_settings(backend: str) -> dict[str, Any]:
    """The app settings racing threads need on this backend."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": SQLITE_WAIT} if backend == "sqlite" else {}


def race(app: Flask, jobs: list[Job], timeout: float = 90) -> list[Any]:
    """Run each job in its own thread and app context; they meet at a barrier before acting.

    Returns each job's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Job) -> None:
        with app.app_context():
            try:
                results[index] = job(barrier)
            except Exception as error:  # the caller asserts on it
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a racing thread hung"
    return results


def all_at_once(app: Flask, count: int, work: Callable[[], Any]) -> list[Any]:
    """``count`` threads doing the same work, released together; each one's result or error."""

    def job(barrier: threading.Barrier) -> Any:
        barrier.wait()
        return work()

    return race(app, [job] * count, timeout=120)
