"""The counts each event leaves, against hand-counted data; and that they stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.cases import deadlines, retention
from portal.extensions import db
from portal.models import Link, StatCount, utcnow
from portal.stats import read, rebuild
from tests import factories
from tests.stats.world import (
    all_time,
    answer,
    every_count,
    found_back,
    link_ids,
    reply,
    request_links,
    takedown_case,
)


def _filings(session):
    factories.filed_case(session, harms=["deepfake", "harassment"], filer="self")
    factories.filed_case(session, harms=["deepfake"], filer="guardian", age_band="14to18")
    factories.filed_case(session, harms=["harassment"], filer="friend", minor_in_content="yes")
    session.commit()


def test_filings_count_by_harm_filer_and_minors(app):
    with app.app_context():
        _filings(db.session)
        data = read.overview(db.session, all_time(utcnow()))
        assert data.filed == 3
        assert data.harms == {"deepfake": 2, "harassment": 2}
        assert data.filers == {"self": 1, "guardian": 1, "friend": 1}
        assert data.minors == 2
        assert data.minor_share == 67
        assert sum(sum(weeks) for weeks in data.harm_weeks.values()) == 4


def test_first_reply_counts_once_with_its_deadline(app):
    with app.app_context():
        actor = factories.staff(db.session, "worker@example.org")
        case = factories.filed_case(db.session).case
        db.session.commit()
        reply(db.session, case, actor)
        reply(db.session, case, actor)  # a second message is no first reply
        db.session.commit()
        rows = read.overview(db.session, all_time(utcnow())).deadlines["response"]
        normal = next(row for row in rows if row.priority == case.priority)
        assert (normal.count, normal.median_hours, normal.met, normal.missed) == (1, 0, 1, 0)
        assert normal.met_share == 100


def test_requests_answers_and_reuploads_per_platform(app):
    with app.app_context():
        actor = factories.staff(db.session, "worker@example.org")
        case = takedown_case(
            db.session,
            [f"https://t.me/s/SomeChannel/{n}" for n in range(4)]
            + ["https://x.com/someone/status/1"],
        )
        now = utcnow()
        case.created_at = now - timedelta(days=12)
        deadlines.schedule(case, deadlines.Deadlines())
        db.session.commit()
        telegram, x_link = link_ids(db.session, case)[:4], link_ids(db.session, case)[4]
        asked = now - timedelta(days=10)
        made = request_links(db.session, actor, telegram, asked)
        other = request_links(db.session, actor, [x_link], asked)
        db.session.commit()
        answer(db.session, actor, made, "removed", asked + timedelta(days=3), telegram[:3])
        answer(db.session, actor, made, "refused", asked + timedelta(days=4), telegram[3:])
        answer(db.session, actor, other, "removed", asked + timedelta(days=1))
        db.session.commit()
        # The refused link escalated: a follow-up, not another link requested.
        request_links(db.session, actor, telegram[3:], asked + timedelta(days=5))
        found_back(db.session, actor, telegram[:1], now - timedelta(hours=1))
        db.session.commit()
        rows = {row.platform: row for row in read.overview(db.session, all_time(now)).platforms}
        tg = rows["telegram"]
        assert (tg.requested, tg.removed, tg.refused, tg.reuploads) == (4, 3, 1, 1)
        assert tg.removal_rate == 75 and tg.median_days == 3
        assert (rows["x"].requested, rows["x"].removed, rows["x"].median_days) == (1, 1, 1)
        request = read.overview(db.session, all_time(now)).deadlines["request"]
        first = next(row for row in request if row.priority == case.priority)
        assert (first.count, first.median_hours) == (1, 48)  # one case, one first request
        assert (first.met, first.missed) == (0, 1) if case.priority != "normal" else (1, 0)


def test_a_bulk_request_counts_each_link_once_in_one_row_per_key(app):
    with app.app_context():
        actor = factories.staff(db.session, "worker@example.org")
        cases = [
            takedown_case(db.session, [f"https://t.me/s/BigChannel/{n}{m}" for m in range(30)])
            for n in range(40)
        ]
        db.session.commit()
        ids = [link_id for case in cases for link_id in link_ids(db.session, case)]
        assert len(ids) == 1200
        request_links(db.session, actor, ids, utcnow())
        db.session.commit()
        assert every_count(db.session)[("requested", "telegram")] == 1200
        rows = db.session.scalar(
            select(func.count()).select_from(StatCount).where(StatCount.metric == "requested")
        )
        assert rows == 1  # one upsert for the day and platform, not one per link


def test_counts_stay_after_withdrawal_and_purge(app, tmp_path):
    with app.app_context():
        actor = factories.staff(db.session, "worker@example.org")
        withdrawn = takedown_case(db.session, ["https://t.me/s/GoneChannel/1"])
        purged = takedown_case(db.session, ["https://t.me/s/GoneChannel/2"], filer="friend")
        db.session.commit()
        for case in (withdrawn, purged):
            made = request_links(db.session, actor, link_ids(db.session, case), utcnow())
            answer(db.session, actor, made, "removed", utcnow())
            reply(db.session, case, actor)
        db.session.commit()
        before = every_count(db.session)
        assert before[("removed", "telegram")] == 2 and before[("filed", "all")] == 2
        retention.withdraw(db.session, withdrawn)
        db.session.commit()
        assert every_count(db.session) == before
        purged.status, purged.closed_at = "closed", utcnow() - timedelta(days=400)
        db.session.commit()
        report = retention.purge(db.session, retention_days=30, upload_dir=str(tmp_path))
        db.session.commit()
        assert report.purged == [purged.case_ref]
        assert db.session.scalar(select(func.count()).select_from(Link)) == 0
        assert every_count(db.session) == before
        assert read.overview(db.session, all_time(utcnow())).filers["friend"] == 1


def test_rebuild_gives_the_recorded_counts_and_is_idempotent(app):
    with app.app_context():
        actor = factories.staff(db.session, "worker@example.org")
        _filings(db.session)
        case = takedown_case(db.session, ["https://t.me/s/Chan/1", "https://t.me/s/Chan/2"])
        db.session.commit()
        ids = link_ids(db.session, case)
        made = request_links(db.session, actor, ids, utcnow() - timedelta(days=3))
        answer(db.session, actor, made, "removed", utcnow() - timedelta(days=1), ids[:1])
        answer(db.session, actor, made, "refused", utcnow() - timedelta(days=1), ids[1:])
        found_back(db.session, actor, ids[:1], utcnow())
        reply(db.session, case, actor)
        db.session.commit()
        recorded = every_count(db.session)
        rebuild.rebuild(db.session)
        db.session.commit()
        assert every_count(db.session) == recorded
        rebuild.rebuild(db.session)
        db.session.commit()
        assert every_count(db.session) == recorded
