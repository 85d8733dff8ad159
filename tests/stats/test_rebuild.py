"""Seeded data comes with its statistics, and `stats rebuild` recounts them the same."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from portal.cases.seed import seed_cases
from portal.extensions import db
from portal.models import Case, Link, LinkEvent, utcnow
from portal.stats import read
from portal.takedown.seed import seed_desk
from tests.stats.world import all_time, every_count


def test_seeds_count_their_statistics_and_rebuild_agrees(app):
    with app.app_context():
        seed_cases(db.session, 300, batch=97, rng=random.Random(5))
        seed_desk(db.session, 0, links_per_case=4, batch=500, rng=random.Random(5))
        seed_cases(db.session, 100, batch=97, rng=random.Random(6))  # a second growth step
        seed_desk(db.session, 300, links_per_case=4, batch=500, rng=random.Random(6))
        db.session.commit()
        seeded = every_count(db.session)
        assert seeded[("filed", "all")] == db.session.scalar(select(func.count(Case.id)))
        back = db.session.scalar(
            select(func.count()).select_from(LinkEvent).where(LinkEvent.kind == "back")
        )
        assert sum(v for (metric, _k), v in seeded.items() if metric == "reupload") == back
        everything = read.Period(date(2019, 1, 1), all_time(utcnow()).end)
        data = read.overview(db.session, everything)
        assert data.filed == 400 and data.platforms and data.filers
        assert any(row.median_days is not None for row in data.platforms)
        assert any(row.median_hours is not None for row in data.deadlines["response"])
        assert db.session.scalar(select(func.count(Link.id))) > 0

    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "statistics rebuilt" in result.output
    with app.app_context():
        assert every_count(db.session) == seeded
    again = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert again.exit_code == 0
    with app.app_context():
        assert every_count(db.session) == seeded
