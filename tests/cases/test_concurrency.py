"""Races between people acting at the same moment, each in a thread with its own session.

On PostgreSQL (PORTAL_TEST_DATABASE_URL) these are real races on row locks; on SQLite the
writers queue on the database lock, so they check the same outcomes under a busy timeout.
"""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from portal.cases import counters, retention, workflow
from portal.cases.intake import Filing, file_case
from portal.cases.receipts import receipt_hash
from portal.extensions import db
from portal.models import AuditEntry, Case, Message, Staff, utcnow
from portal.security import audit, sequencer
from tests import factories
from tests.races import race


def filing(number: int = 0) -> Filing:
    return factories.filing(
        language="ko",
        harms=["deepfake"],
        help_wanted=["takedown", "counseling"],
        consent_takedown=True,
        description=f"동시 접수 시험 {number}",
        links=[f"https://t.me/badchannel/{number}"],
        submission_key=f"race-{number}",
    )


def make_member(app: Flask, email: str, role: str = "staff") -> int:
    with app.app_context():
        member = factories.staff(db.session, email, role=role)
        db.session.commit()
        return member.id


def make_case(app: Flask, number: int = 0) -> tuple[int, str]:
    with app.app_context():
        filed = file_case(db.session, filing(number))
        db.session.commit()
        return filed.case.id, filed.receipt


def load(case_id: int, staff_id: int | None = None) -> tuple[Case, Staff | None]:
    case = db.session.get(Case, case_id)
    assert case is not None
    return case, db.session.get(Staff, staff_id) if staff_id else None


def test_two_staff_claiming_one_case_exactly_one_wins(race_app: Flask) -> None:
    first = make_member(race_app, "first@example.org")
    second = make_member(race_app, "second@example.org")
    for round_number in range(5):
        case_id, _ = make_case(race_app, round_number)

        def claim(barrier: threading.Barrier, member: int, case_id: int = case_id) -> int:
            case, staff = load(case_id, member)
            barrier.wait()
            workflow.claim(db.session, case, staff)
            db.session.commit()
            return member

        outcomes = race(race_app, [lambda b: claim(b, first), lambda b: claim(b, second)])
        winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
        losers = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(winners) == 1, outcomes
        assert len(losers) == 1 and isinstance(losers[0], workflow.WorkflowError), outcomes
        assert losers[0].reason == "already_assigned"
        with race_app.app_context():
            assert db.session.get(Case, case_id).assignee_id == winners[0]


def test_parallel_filings_get_unique_case_numbers_and_receipts(race_app: Flask) -> None:
    count = 40

    def file_one(barrier: threading.Barrier, number: int) -> tuple[str, str]:
        barrier.wait()
        filed = file_case(db.session, filing(number))
        db.session.commit()
        return filed.case.case_ref, filed.receipt

    outcomes = race(race_app, [lambda b, n=n: file_one(b, n) for n in range(count)])
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert not errors, errors[:3]
    refs = {ref for ref, _ in outcomes}
    receipts = {receipt for _, receipt in outcomes}
    assert len(refs) == len(receipts) == count
    with race_app.app_context():
        stored = dict(db.session.execute(select(Case.case_ref, Case.receipt_hash)).all())
        assert set(stored) == refs
        assert {receipt_hash(receipt) for receipt in receipts} == set(stored.values())
        assert counters.counts(db.session)["new"] == count
        assert audit.verify(db.session).ok


def _victim_writes(barrier: threading.Barrier, case_id: int) -> str:
    """What POST /status/case/reply does."""
    case, _ = load(case_id)
    barrier.wait()
    now = utcnow()
    db.session.add(Message(case_id=case.id, sender="victim", body="답장입니다", created_at=now))
    case.victim_unread = True
    case.last_activity_at = now
    audit.record(db.session, "victim.message", actor="victim", case_ref=case.case_ref)
    db.session.commit()
    return "message"


def _staff_moves(barrier: threading.Barrier, case_id: int, staff_id: int, status: str) -> str:
    case, staff = load(case_id, staff_id)
    barrier.wait()
    workflow.change_status(db.session, case, staff, status)
    db.session.commit()
    return status


def test_victim_message_and_status_change_both_survive(race_app: Flask) -> None:
    admin = make_member(race_app, "admin@example.org", role="admin")
    for round_number in range(5):
        case_id, _ = make_case(race_app, round_number)
        outcomes = race(
            race_app,
            [
                lambda b, c=case_id: _victim_writes(b, c),
                lambda b, c=case_id: _staff_moves(b, c, admin, "triage"),
            ],
        )
        assert outcomes == ["message", "triage"], outcomes
        with race_app.app_context():
            case = db.session.get(Case, case_id)
            assert case.status == "triage"
            assert case.victim_unread is True
            messages = db.session.scalars(select(Message).where(Message.case_id == case_id))
            assert [message.body for message in messages] == ["답장입니다"]
    with race_app.app_context():
        assert counters.counts(db.session)["triage"] == 5
        assert audit.verify(db.session).ok


def _victim_withdraws(barrier: threading.Barrier, case_id: int) -> str:
    case, _ = load(case_id)
    barrier.wait()
    retention.withdraw(db.session, case)
    db.session.commit()
    return "withdrawn"


def test_withdrawal_racing_a_status_change_stays_withdrawn(race_app: Flask) -> None:
    admin = make_member(race_app, "admin@example.org", role="admin")
    for round_number in range(5):
        case_id, _ = make_case(race_app, round_number)
        race(
            race_app,
            [
                lambda b, c=case_id: _victim_withdraws(b, c),
                lambda b, c=case_id: _staff_moves(b, c, admin, "triage"),
            ],
        )
        with race_app.app_context():
            assert db.session.get(Case, case_id).status == "withdrawn"
    with race_app.app_context():
        actual = db.session.scalar(
            select(func.count()).select_from(Case).where(Case.status == "withdrawn")
        )
        assert counters.counts(db.session)["withdrawn"] == actual == 5
        assert counters.counts(db.session)["new"] == 0
        assert counters.counts(db.session)["triage"] == 0


def _write_and_seal(barrier: threading.Barrier, writer: int) -> int:
    barrier.wait()
    for n in range(30):
        audit.record(db.session, "case.viewed", actor=f"writer-{writer}", n=n)
        db.session.commit()
        if n % 5 == 4:
            sequencer.seal(db.session)
            db.session.commit()
    return writer


def test_parallel_writers_and_sealers_build_one_unbroken_chain(race_app: Flask) -> None:
    outcomes = race(race_app, [lambda b, w=w: _write_and_seal(b, w) for w in range(4)])
    assert outcomes == [0, 1, 2, 3], outcomes
    with race_app.app_context():
        sequencer.seal_all(db.session)
        numbers = db.session.scalars(select(AuditEntry.seq)).all()
        assert sorted(numbers) == list(range(1, 121))
        report = audit.verify(db.session)
        assert report.ok and report.checked == 120 and report.pending == 0
