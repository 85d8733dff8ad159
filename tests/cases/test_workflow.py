"""The case status machine, as tables: every move allowed or refused, for staff and admins."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases import casework, counters, retention, workflow
from portal.cases.workflow import ADMIN_ONLY, TRANSITIONS, WorkflowError
from portal.choices import STATUSES
from portal.extensions import db
from portal.models import AuditEntry, Case, Staff
from tests import factories

ALL = list(STATUSES)

# The rules written out by hand, so a change to the code's table is a visible decision.
STAFF_MAY = {
    ("new", "triage"),
    ("new", "in_progress"),
    ("new", "closed"),
    ("triage", "in_progress"),
    ("triage", "waiting"),
    ("triage", "closed"),
    ("in_progress", "waiting"),
    ("in_progress", "monitoring"),
    ("in_progress", "closed"),
    ("waiting", "triage"),
    ("waiting", "in_progress"),
    ("waiting", "closed"),
    ("monitoring", "in_progress"),
    ("monitoring", "closed"),
}
ONLY_ADMIN_MAY = {("closed", "in_progress")}


@dataclass
class Desk:
    assignee: int
    admin: int
    outsider: int


@pytest.fixture
def desk(app: Flask) -> Desk:
    with app.app_context():
        made = [
            factories.staff(db.session, email, role=role)
            for email, role in (
                ("assignee@example.org", "staff"),
                ("admin@example.org", "admin"),
                ("outsider@example.org", "staff"),
            )
        ]
        db.session.commit()
        return Desk(*(member.id for member in made))


def case_in(session: Session, status: str, assignee_id: int | None) -> Case:
    """A filed case put straight into a status (counters kept right), assigned as asked."""
    return factories.case_in(session, status, assignee_id, description="A workflow test case.")


def counts_match_cases(session: Session) -> bool:
    actual = Counter(session.scalars(select(Case.status)).all())
    return counters.counts(session) == {status: actual.get(status, 0) for status in ALL}


def expected_outcome(actor: str, old: str, new: str) -> str:
    if old == "withdrawn":
        return "withdrawn"
    if new not in ALL:
        return "unknown_status"
    if (old, new) in STAFF_MAY:
        return "ok"
    if (old, new) in ONLY_ADMIN_MAY:
        return "ok" if actor == "admin" else "admin_only"
    return "invalid_transition"


def test_the_code_table_is_the_written_table():
    assert set(TRANSITIONS) == set(ALL)
    assert {(old, new) for old, targets in TRANSITIONS.items() for new in targets} == (
        STAFF_MAY | ONLY_ADMIN_MAY
    )
    assert ADMIN_ONLY == ONLY_ADMIN_MAY
    assert TRANSITIONS["withdrawn"] == frozenset()
    assert not any("withdrawn" in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("old", ALL)
@pytest.mark.parametrize("actor", ["assignee", "admin"])
def test_every_move_from_a_status(app, desk, actor, old):
    problems = []
    with app.app_context():
        session = db.session
        me = session.get(Staff, getattr(desk, actor))
        offered = workflow.allowed_next(case_in(session, old, desk.assignee), me)
        wanted = [new for new in ALL if expected_outcome(actor, old, new) == "ok"]
        if offered != wanted:
            problems.append(("allowed_next", offered, wanted))
        for new in [*ALL, "no_such_status"]:
            case = case_in(session, old, desk.assignee)
            expected = expected_outcome(actor, old, new)
            try:
                workflow.change_status(session, case, me, new)
                session.commit()
                outcome = "ok"
            except WorkflowError as refused:
                session.rollback()
                outcome = refused.reason
            stored = session.get(Case, case.id)
            session.refresh(stored)
            entries = session.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.case_ref == stored.case_ref, AuditEntry.action == "case.status"
                )
            ).all()
            if outcome != expected:
                problems.append((old, new, outcome, expected))
            if expected == "ok":
                closed_right = (stored.closed_at is not None) == (new == "closed")
                audited = [json.loads(d) for d in entries] == [{"old": old, "new": new}]
                if stored.status != new or not closed_right or not audited:
                    problems.append((old, new, "not applied", stored.status, entries))
            elif stored.status != old or entries:
                problems.append((old, new, "refused but changed", stored.status, entries))
            if not counts_match_cases(session):
                problems.append((old, new, "counters differ from the cases table"))
    assert not problems, problems


@pytest.mark.parametrize("old", ALL)
def test_staff_who_are_not_the_assignee_can_move_nothing(app, desk, old):
    with app.app_context():
        outsider = db.session.get(Staff, desk.outsider)
        for assignee in (desk.assignee, None):
            case = case_in(db.session, old, assignee)
            assert workflow.allowed_next(case, outsider) == []
            for new in ALL:
                with pytest.raises(WorkflowError) as refused:
                    workflow.change_status(db.session, case, outsider, new)
                db.session.rollback()
                assert refused.value.reason == (
                    "withdrawn" if old == "withdrawn" else "not_assignee"
                )
                assert db.session.get(Case, case.id).status == old
        assert counts_match_cases(db.session)


def test_withdrawn_is_terminal_for_every_action_and_everyone(app, desk):
    with app.app_context():
        session = db.session
        admin = session.get(Staff, desk.admin)
        assignee = session.get(Staff, desk.assignee)
        case = case_in(session, "withdrawn", None)
        attempts = {
            "claim": lambda: workflow.claim(session, case, admin),
            "assign": lambda: workflow.assign(session, case, admin, assignee),
            "release": lambda: workflow.release(session, case, admin),
            "priority": lambda: workflow.override_priority(session, case, admin, "urgent", "x"),
            "message": lambda: casework.send_message(session, case, admin, "hello"),
            "reopen": lambda: workflow.change_status(session, case, admin, "in_progress"),
        }
        for name, attempt in attempts.items():
            with pytest.raises(WorkflowError) as refused:
                attempt()
            session.rollback()
            assert refused.value.reason == "withdrawn", name
        stored = session.get(Case, case.id)
        assert (stored.status, stored.assignee_id, stored.priority) == ("withdrawn", None, "normal")
        assert workflow.allowed_next(stored, admin) == []
        assert counts_match_cases(session)


def test_counters_follow_a_long_life_of_cases(app, desk):
    with app.app_context():
        session = db.session
        admin = session.get(Staff, desk.admin)
        assignee = session.get(Staff, desk.assignee)
        cases = [case_in(session, "new", None) for _ in range(4)]
        steps = [
            (0, assignee, None),
            (0, assignee, "triage"),
            (0, assignee, "waiting"),
            (0, assignee, "in_progress"),
            (0, assignee, "monitoring"),
            (0, assignee, "closed"),
            (0, admin, "in_progress"),
            (1, admin, "closed"),
            (2, admin, "in_progress"),
            (2, admin, "closed"),
        ]
        for index, actor, status in steps:
            if status is None:
                workflow.claim(session, cases[index], actor)
            else:
                workflow.change_status(session, cases[index], actor, status)
            session.commit()
            assert counts_match_cases(session), (index, status)
        retention.withdraw(session, cases[3])
        session.commit()
        assert counts_match_cases(session)
        assert counters.counts(session) == {
            "new": 0,
            "triage": 0,
            "in_progress": 1,
            "waiting": 0,
            "monitoring": 0,
            "closed": 2,
            "withdrawn": 1,
        }
        assert counters.recount(session) == counters.counts(session)
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "case.status")
        )
        assert audited == 9


def test_the_second_claim_loses_and_the_first_assignee_stays(app, desk):
    with app.app_context():
        session = db.session
        first = session.get(Staff, desk.assignee)
        second = session.get(Staff, desk.outsider)
        case = case_in(session, "new", None)
        workflow.claim(session, case, first)
        session.commit()
        with pytest.raises(WorkflowError) as refused:
            workflow.claim(session, case, second)
        session.rollback()
        assert refused.value.reason == "already_assigned"
        assert session.get(Case, case.id).assignee_id == first.id
        # Staff may hand their own case on, but not take someone else's.
        with pytest.raises(WorkflowError) as taken:
            workflow.assign(session, case, second, second)
        session.rollback()
        assert taken.value.reason == "not_assignee"
        workflow.release(session, case, first)
        session.commit()
        workflow.claim(session, case, second)
        session.commit()
        assert session.get(Case, case.id).assignee_id == second.id
