"""Synthetic cases for benchmarks: bulk-inserted, counted, readable, and usable by the queue."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.cases import counters
from portal.cases.inbox import QueueFilter, fetch_page
from portal.cases.seed import DESCRIPTION, seed_cases
from portal.choices import OPEN_STATUSES, STATUSES
from portal.extensions import db
from portal.links.platforms import PLATFORMS
from portal.models import Case, utcnow

N = 300


def _seed(app: Flask, n: int = N, seed: int = 7) -> None:
    with app.app_context():
        assert seed_cases(db.session, n, batch=64, rng=random.Random(seed)) == n
        db.session.commit()


def test_seeded_cases_are_counted(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        query = select(Case.status, func.count()).group_by(Case.status)
        actual: dict[str, int] = {status: count for status, count in db.session.execute(query)}
        stored = counters.counts(db.session)
    assert sum(actual.values()) == N
    assert stored == {status: actual.get(status, 0) for status in STATUSES}


def test_distribution_looks_like_a_real_service(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        cases = db.session.scalars(select(Case)).all()
        now = utcnow()
    ended = sum(case.status in {"closed", "withdrawn"} for case in cases)
    assert 0.75 * N < ended < 0.95 * N
    assert {case.priority for case in cases} == {"urgent", "high", "normal"}
    assert all(case.harm_mask and case.help_mask and case.platform_mask for case in cases)
    assert all(case.platform_mask < 1 << len(PLATFORMS) for case in cases)
    assert all(now - timedelta(days=731) < case.created_at <= now for case in cases)
    assert all(
        case.purged_at for case in cases if case.status == "withdrawn" and not case.legal_hold
    )
    assert all(case.description is None for case in cases if case.purged_at)


def test_case_numbers_and_receipts_are_unique_across_runs(app: Flask) -> None:
    _seed(app, seed=1)
    _seed(app, seed=1)  # the same random stream twice must not collide
    with app.app_context():
        refs = db.session.scalars(select(Case.case_ref)).all()
        receipts = db.session.scalars(select(Case.receipt_hash)).all()
    assert len(refs) == len(set(refs)) == 2 * N
    assert len(set(receipts)) == 2 * N
    assert all(ref.startswith("S") and len(ref) <= 20 for ref in refs)


def test_sealed_text_opens_with_the_key_ring(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.description.is_not(None))).first()
        assert case is not None
        assert case.description == DESCRIPTION
        raw = db.session.execute(
            select(func.substr(Case.__table__.c.description, 1, 3)).where(Case.id == case.id)
        ).scalar_one()
    assert raw == "e2."


def test_queue_pages_through_seeded_cases(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        open_cases = db.session.scalar(
            select(func.count()).select_from(Case).where(Case.status.in_(OPEN_STATUSES))
        )
        seen: list[str] = []
        cursor = None
        while True:
            rows, cursor = fetch_page(db.session, QueueFilter(), me=0, after=cursor, limit=10)
            seen.extend(row.case_ref for row in rows)
            assert all(row.status in OPEN_STATUSES for row in rows)
            if cursor is None:
                break
        urgent, _ = fetch_page(db.session, QueueFilter(status="closed", priority="urgent"), me=0)
    assert len(seen) == len(set(seen)) == open_cases
    assert urgent and all(row.priority == "urgent" and row.status == "closed" for row in urgent)


def test_nothing_to_seed(app: Flask) -> None:
    with app.app_context():
        assert seed_cases(db.session, 0) == 0
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_dev_seed_command_adds_cases(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["dev", "seed", "--cases", "25"])
    assert result.exit_code == 0, result.output
    assert "25" in result.output
    with app.app_context():
        assert sum(counters.counts(db.session).values()) == 25


def test_dev_seed_refuses_a_production_database(make_app: Any) -> None:
    app = make_app(PORTAL_PRODUCTION=True)
    result = app.test_cli_runner().invoke(args=["dev", "seed", "--cases", "5"])
    assert result.exit_code != 0
    assert "production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
