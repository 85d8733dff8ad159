"""Attacks on the deadlines that once worked: a takedown request dated before its case came,
and a priority change racing a request bringing back a deadline that was met."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from portal.cases import casework, workflow
from portal.extensions import db
from portal.models import Case, Link, Staff
from portal.takedown import requests
from portal.takedown.requests import Sent
from tests import factories
from tests.staff_helpers import make_staff


def _open_case(app: Flask, email: str) -> tuple[int, int]:
    with app.app_context():
        worker = db.session.scalars(select(Staff).where(Staff.email == email)).one()
        case = factories.filed_case(
            db.session, links=["https://t.me/bad_channel/77"], consent_takedown=True
        ).case
        case.assignee_id = worker.id
        db.session.commit()
        link_id = db.session.scalar(select(Link.id).where(Link.case_id == case.id))
        return case.id, link_id


def test_a_request_dated_before_the_case_came_never_meets_its_deadline_before_it(
    app: Flask,
) -> None:
    """A request typed as sent a month before the victim reported is kept as typed (staff may
    have asked about the same channel for someone else), but it meets this case's deadline no
    earlier than the case came."""
    member = make_staff(app, "late@example.org")
    case_id, link_id = _open_case(app, member.email)
    with app.app_context():
        worker = db.session.scalars(select(Staff).where(Staff.email == member.email)).one()
        case = db.session.get(Case, case_id)
        assert case is not None and case.due_at is not None
        before = case.created_at - timedelta(days=30)
        requests.record_request(
            db.session, worker, [link_id], Sent("report_form", before), note=lambda n: "x"
        )
        db.session.commit()
        db.session.expire_all()
        fresh = db.session.get(Case, case_id)
        assert fresh is not None and fresh.first_request_at == fresh.created_at


def test_a_priority_change_racing_a_request_keeps_a_met_request_deadline_met(app: Flask) -> None:
    """Finding 7: schedule()/refresh() compute due_at in Python from the columns loaded at
    the start of the request; a takedown request a colleague records concurrently
    (first_request_at set in SQL) is overwritten by the stale due_at, so a case whose
    deadlines are both met shows a deadline again and goes overdue (and alerts)."""
    member = make_staff(app, "prio@example.org")
    case_id, link_id = _open_case(app, member.email)
    with app.app_context():
        worker = db.session.scalars(select(Staff).where(Staff.email == member.email)).one()
        case = db.session.get(Case, case_id)
        assert case is not None
        casework.send_message(db.session, case, worker, "확인했어요.")  # response met
        db.session.commit()
        case = db.session.get(Case, case_id)
        assert case is not None and case.first_request_at is None  # the page as loaded
        with OrmSession(db.engine) as colleague:  # another request, committed meanwhile
            other = colleague.get(Staff, worker.id)
            assert other is not None
            requests.record_request(
                colleague,
                other,
                [link_id],
                Sent("report_form", case.created_at),
                note=lambda n: "x",
            )
            colleague.commit()
        other_priority = "urgent" if case.priority != "urgent" else "normal"
        workflow.override_priority(db.session, case, worker, other_priority, "피해 확산 중")
        db.session.commit()
        db.session.expire_all()
        fresh = db.session.get(Case, case_id)
        assert fresh is not None
        assert fresh.first_response_at is not None and fresh.first_request_at is not None
        assert fresh.due_at is None, "both deadlines are met, yet the case is due again"
