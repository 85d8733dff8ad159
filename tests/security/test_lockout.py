"""Lockouts per account and client: counted in SQL, doubling, forgotten after a day."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from portal.extensions import db
from portal.models import LoginThrottle, utcnow
from portal.security import lockout
from portal.security.lockout import LoginPolicy
from tests import factories

POLICY = LoginPolicy(max_failures=3, lockout=timedelta(minutes=15))


def _staff_id(app: Flask) -> int:
    with app.app_context():
        member = factories.staff(db.session, "locks@example.org")
        db.session.commit()
        return member.id


def test_each_further_lockout_lasts_twice_as_long(app: Flask) -> None:
    staff_id = _staff_id(app)
    now = utcnow()
    with app.app_context():
        lengths = []
        for _round in range(3):
            started = [
                lockout.record_failure(db.session, staff_id, "net:a", now, POLICY) for _ in range(3)
            ]
            assert started == [False, False, True]
            row = db.session.get(LoginThrottle, (staff_id, "net:a"))
            db.session.refresh(row)
            lengths.append(row.locked_until - now)
        assert lengths == [timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=60)]
        assert lockout.is_locked(db.session, staff_id, "net:a", now)
        assert not lockout.is_locked(db.session, staff_id, "net:b", now)


def test_a_lockout_stops_growing(app: Flask) -> None:
    staff_id = _staff_id(app)
    now = utcnow()
    with app.app_context():
        for _ in range(3 * 12):
            lockout.record_failure(db.session, staff_id, "net:a", now, POLICY)
        row = db.session.get(LoginThrottle, (staff_id, "net:a"))
        assert row.locked_until - now == timedelta(minutes=15) * 2**lockout.MAX_DOUBLINGS


def test_signing_in_clears_only_that_client_and_an_admin_clears_all(app: Flask) -> None:
    staff_id = _staff_id(app)
    now = utcnow()
    with app.app_context():
        for client in ("net:a", "net:b"):
            lockout.record_failure(db.session, staff_id, client, now, POLICY)
        lockout.clear(db.session, staff_id, "net:a")
        assert [r.client for r in db.session.query(LoginThrottle).all()] == ["net:b"]
        lockout.clear(db.session, staff_id)
        assert db.session.query(LoginThrottle).count() == 0


def test_old_counts_are_forgotten_but_running_lockouts_are_kept(app: Flask) -> None:
    staff_id = _staff_id(app)
    long_ago = utcnow() - timedelta(days=2)
    with app.app_context():
        lockout.record_failure(db.session, staff_id, "net:old", long_ago, POLICY)
        db.session.add(
            LoginThrottle(
                staff_id=staff_id,
                client="net:locked",
                failures=0,
                lockouts=6,
                locked_until=utcnow() + timedelta(hours=5),
                last_failure_at=long_ago,
            )
        )
        lockout.record_failure(db.session, staff_id, "net:recent", utcnow(), POLICY)
        db.session.commit()
        assert lockout.forget_old(db.session, utcnow()) == 1
        kept = sorted(r.client for r in db.session.query(LoginThrottle).all())
        assert kept == ["net:locked", "net:recent"]
