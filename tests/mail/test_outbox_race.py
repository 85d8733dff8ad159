"""Two and three workers at once, each with its own session: every message is sent exactly once.

On PostgreSQL (PORTAL_TEST_DATABASE_URL) the workers skip each other's locked rows; on
SQLite they queue on the database lock and the compare-and-set claim decides.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import outbox
from portal.models import OutboxAttempt, OutboxMessage
from tests.mail.outbox_helpers import parsed, queue, smtp
from tests.races import all_at_once


@pytest.mark.parametrize("count", [2, 3])
def test_workers_at_once_never_deliver_a_message_twice(race_app, smtp_server, count):
    queue(race_app, 24)
    reports = all_at_once(
        race_app, count, lambda: outbox.send_due(db.session, smtp(smtp_server.url), batch=100)
    )
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
