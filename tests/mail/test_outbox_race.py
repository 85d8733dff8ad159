"""Two and three workers at once, each with its own session: every message is sent exactly once.

On PostgreSQL (PORTAL_TEST_DATABASE_URL) the workers skip each other's locked rows; on
SQLite they queue on the database lock and the compare-and-set claim decides.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import outbox
from portal.models import OutboxAttempt, OutboxMessage
from tests.mail.outbox_helpers import parsed, queue, smtp

SQLITE_WAIT = {"pool_pre_ping": True, "connect_args": {"timeout": 30}}


@pytest.fixture
def race_app(make_app: Any, backend: str) -> Flask:
    overrides = {"SQLALCHEMY_ENGINE_OPTIONS": SQLITE_WAIT} if backend == "sqlite" else {}
    return make_app(**overrides)


def workers(app: Flask, url: str, count: int) -> list[Any]:
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[index] = outbox.send_due(db.session, smtp(url), batch=100)
            except Exception as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a worker hung"
    return results


@pytest.mark.parametrize("count", [2, 3])
def test_workers_at_once_never_deliver_a_message_twice(race_app, smtp_server, count):
    queue(race_app, 24)
    reports = workers(race_app, smtp_server.url, count)
    assert all(isinstance(report, outbox.SendReport) for report in reports), reports
    assert sum(report.sent for report in reports) == 24
    ids = Counter(parsed(got.content)["Message-ID"] for got in smtp_server.recorder.received)
    assert len(ids) == 24 and set(ids.values()) == {1}
    with race_app.app_context():
        states = db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
        assert [tuple(state) for state in states] == [("sent", 24)]
        assert db.session.scalar(select(func.count()).select_from(OutboxAttempt)) == 24
