"""Deadlines: set at filing by priority, met by the first reply and the first takedown request,
moved by a priority change, paused by closing, and one indexed column for "overdue"."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.cases import casework, deadlines, workflow
from portal.cases.deadlines import Deadlines
from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.models import Case, Link, utcnow
from portal.takedown import requests
from portal.takedown.requests import Sent
from tests import factories

HOUR = timedelta(hours=1)
KOREA = ZoneInfo("Asia/Seoul")
LINK = "https://t.me/some_channel/12"


def _reload(case_id: int) -> Case:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return case


def test_a_filing_is_due_by_its_priority_and_owes_a_request_only_with_links(app: Flask):
    with app.app_context():
        urgent = factories.filed_case(db.session, threatened_now=True).case
        normal = factories.filed_case(db.session).case
        takedown = factories.filed_case(
            db.session, links=[LINK], help_wanted=["takedown"], consent_takedown=True
        ).case
        db.session.commit()
        assert urgent.priority == "urgent"
        assert urgent.response_due_at == urgent.created_at + 4 * HOUR
        assert urgent.request_due_at is None  # nothing to take down
        assert urgent.due_at == urgent.response_due_at
        assert normal.response_due_at == normal.created_at + 72 * HOUR
        assert takedown.priority == "high"
        assert takedown.response_due_at == takedown.created_at + 24 * HOUR
        assert takedown.request_due_at == takedown.created_at + 24 * HOUR


def test_the_first_reply_and_the_first_request_each_meet_their_deadline(app: Flask):
    with app.app_context():
        worker = factories.staff(db.session, "w@example.org")
        case = factories.filed_case(
            db.session, links=[LINK], help_wanted=["takedown"], consent_takedown=True
        ).case
        db.session.commit()
        casework.send_message(db.session, case, worker, "We are on it.")
        db.session.commit()
        case = _reload(case.id)
        assert case.first_response_at is not None
        assert case.due_at == case.request_due_at  # the reply is done, the request is not
        replied = case.first_response_at
        casework.send_message(db.session, case, worker, "A second message changes nothing.")
        db.session.commit()
        assert _reload(case.id).first_response_at == replied

        link_id = db.session.scalar(select(Link.id).where(Link.case_id == case.id))
        sent_at = utcnow()
        requests.record_request(
            db.session, worker, [link_id], Sent("report_form", sent_at), note=lambda n: "sent"
        )
        db.session.commit()
        case = _reload(case.id)
        assert case.first_request_at == sent_at  # the time staff say they sent it
        assert case.due_at is None


def test_a_request_cannot_meet_a_deadline_before_the_case_came(app: Flask):
    """A day typed for a request means its midday (or now, for today), which may be before
    the filing: the deadline then counts as met when the case came, never earlier."""
    with app.app_context():
        worker = factories.staff(db.session, "w@example.org")
        case = factories.filed_case(
            db.session, links=[LINK], help_wanted=["takedown"], consent_takedown=True
        ).case
        db.session.commit()
        link_id = db.session.scalar(select(Link.id).where(Link.case_id == case.id))
        # Filed yesterday at noon (Korean time); the request is dated that morning.
        yesterday = (utcnow().astimezone(KOREA) - timedelta(days=1)).date()
        filed = datetime.combine(yesterday, time(12), tzinfo=KOREA)
        case = _reload(case.id)
        case.created_at = filed
        db.session.commit()
        requests.record_request(
            db.session,
            worker,
            [link_id],
            Sent("report_form", filed - HOUR),
            note=lambda n: "sent",
        )
        db.session.commit()
        assert _reload(case.id).first_request_at == filed


def test_closing_pauses_a_deadline_and_reopening_brings_it_back(app: Flask):
    with app.app_context():
        admin = factories.staff(db.session, "a@example.org", role="admin")
        case = factories.filed_case(db.session).case
        db.session.commit()
        due = case.due_at
        workflow.change_status(db.session, case, admin, "closed")
        db.session.commit()
        assert _reload(case.id).due_at is None
        case = _reload(case.id)
        workflow.change_status(db.session, case, admin, "in_progress")
        db.session.commit()
        assert _reload(case.id).due_at == due


def test_a_new_priority_counts_its_hours_from_the_filing(app: Flask):
    with app.app_context():
        worker = factories.staff(db.session, "w@example.org")
        case = factories.filed_case(db.session).case
        db.session.commit()
        hours = Deadlines(response_hours={"urgent": 2, "high": 24, "normal": 72})
        workflow.override_priority(db.session, case, worker, "urgent", "A threat came.", hours)
        db.session.commit()
        case = _reload(case.id)
        assert case.response_due_at == case.created_at + 2 * HOUR
        assert case.due_at == case.response_due_at


def test_a_withdrawn_case_is_never_overdue(app: Flask):
    from portal.cases import retention

    with app.app_context():
        case = factories.filed_case(db.session).case
        db.session.commit()
        retention.withdraw(db.session, case)
        db.session.commit()
        assert _reload(case.id).due_at is None


def test_the_settings_change_the_hours_and_bad_ones_stop_the_start(make_app):
    app = make_app(PORTAL_DEADLINE_RESPONSE_HOURS_NORMAL=6)
    hours = Deadlines.from_config(app.config)
    assert hours.response_hours == {"urgent": 4, "high": 24, "normal": 6}
    assert hours.request_hours == {"urgent": 4, "high": 24, "normal": 72}
    with pytest.raises(ConfigError, match="PORTAL_DEADLINE_REQUEST_HOURS_HIGH must be at least 1"):
        load_config({"PORTAL_ENV": "development", "PORTAL_DEADLINE_REQUEST_HOURS_HIGH": "0"})
    with pytest.raises(ConfigError, match="whole number"):
        load_config({"PORTAL_ENV": "development", "PORTAL_DEADLINE_RESPONSE_HOURS_URGENT": "4h"})


def test_a_filing_through_the_form_uses_the_configured_hours(make_app):
    from tests.helpers import file_report

    app = make_app(PORTAL_DEADLINE_RESPONSE_HOURS_URGENT=1)
    file_report(app.test_client(), age_band="under14")
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.priority == "urgent"
        assert case.due_at == case.created_at + HOUR


def test_the_sql_rule_and_the_python_rule_agree_on_every_combination(app: Flask):
    """``due_at`` is computed in Python for a loaded case and in SQL for bulk actions."""
    now = utcnow()
    rng = random.Random(7)
    with app.app_context():
        cases = []
        for status, reply, request, owes in itertools.product(
            ("new", "in_progress", "closed", "withdrawn"),
            (None, now),
            (None, now),
            (True, False),
        ):
            case = factories.filed_case(db.session).case
            case.status = status
            case.response_due_at = now + timedelta(hours=rng.randint(-50, 50))
            case.request_due_at = now + timedelta(hours=rng.randint(-50, 50)) if owes else None
            case.first_response_at, case.first_request_at = reply, request
            deadlines.refresh(case)
            cases.append((case.id, case.due_at))
        db.session.commit()
        deadlines.refresh_many(db.session, [case_id for case_id, _ in cases])
        db.session.commit()
        db.session.expire_all()
        assert [(case_id, db.session.get(Case, case_id).due_at) for case_id, _ in cases] == cases


def test_overdue_is_a_range_over_due_at(app: Flask):
    now = utcnow()
    with app.app_context():
        late = factories.filed_case(db.session).case
        late.due_at = now - HOUR
        soon = factories.filed_case(db.session).case
        soon.due_at = now + HOUR
        db.session.commit()
        overdue = db.session.scalars(select(Case.id).where(deadlines.overdue_condition(now)))
        assert list(overdue) == [late.id]
        late.alerted_due_at = late.due_at
        db.session.commit()
        assert not list(db.session.scalars(select(Case.id).where(deadlines.unalerted_overdue(now))))
