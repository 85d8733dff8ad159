"""The case status machine and who may move a case: claim, assign, release, status, priority.

Every action is checked here, on the server, whoever calls it; every one is audited.
Claims are a single conditional UPDATE, so of two staff claiming at once exactly one wins.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from portal.cases import alerts, counters, deadlines
from portal.cases.deadlines import Deadlines
from portal.choices import PRIORITIES, PRIORITY_RANK
from portal.extensions import Session, rows_changed
from portal.models import Case, Note, Staff, utcnow
from portal.security import audit

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triage", "in_progress", "closed"}),
    "triage": frozenset({"in_progress", "waiting", "closed"}),
    "in_progress": frozenset({"waiting", "monitoring", "closed"}),
    "waiting": frozenset({"triage", "in_progress", "closed"}),
    "monitoring": frozenset({"in_progress", "closed"}),
    "closed": frozenset({"in_progress"}),
    "withdrawn": frozenset(),  # only the victim withdraws, and that is final
}
ADMIN_ONLY = frozenset({("closed", "in_progress")})


class WorkflowError(Exception):
    """An action that is not allowed; ``reason`` names why for the message shown to staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def allowed_next(case: Case, actor: Staff) -> list[str]:
    """Statuses this actor may move this case to now, in a stable order."""
    if case.status == "withdrawn" or not _may_work(case, actor):
        return []
    options = TRANSITIONS.get(case.status, frozenset())
    return [
        status
        for status in TRANSITIONS
        if status in options and ((case.status, status) not in ADMIN_ONLY or actor.is_admin)
    ]


def _may_work(case: Case, actor: Staff) -> bool:
    return actor.is_admin or case.assignee_id == actor.id


def _touch(case: Case) -> None:
    case.last_activity_at = utcnow()


def _require_open(case: Case) -> None:
    if case.status == "withdrawn":
        raise WorkflowError("withdrawn")


def change_status(session: Session, case: Case, actor: Staff, new_status: str) -> None:
    _require_open(case)
    if new_status not in TRANSITIONS:
        raise WorkflowError("unknown_status")
    if not _may_work(case, actor):
        raise WorkflowError("not_assignee")
    if new_status not in TRANSITIONS[case.status]:
        raise WorkflowError("invalid_transition")
    if (case.status, new_status) in ADMIN_ONLY and not actor.is_admin:
        raise WorkflowError("admin_only")
    old_status = case.status
    now = utcnow()
    # Compare-and-set: if the victim withdrew (or a colleague moved the case) since we read
    # it, nothing changes and the staff member is told, instead of overwriting it.
    changed = rows_changed(
        session.execute(
            update(Case)
            .where(Case.id == case.id, Case.status == old_status)
            .values(
                status=new_status,
                closed_at=now if new_status == "closed" else None,
                last_activity_at=now,
                # A reopened case takes new content, which must be erased again in its turn.
                purged_at=Case.purged_at if new_status == "closed" else None,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(case, ["status", "closed_at", "last_activity_at", "purged_at"])
    if changed != 1:
        raise WorkflowError("changed_meanwhile")
    counters.adjust(session, old_status, new_status)
    deadlines.refresh_many(session, [case.id])
    session.refresh(case, ["due_at"])
    audit.record(
        session, "case.status", staff=actor, case_ref=case.case_ref, old=old_status, new=new_status
    )


def claim(session: Session, case: Case, actor: Staff) -> None:
    """Take an unassigned case. Raises WorkflowError("already_assigned") if someone was faster."""
    _require_open(case)
    won = rows_changed(
        session.execute(
            update(Case)
            .where(Case.id == case.id, Case.assignee_id.is_(None))
            .values(assignee_id=actor.id, last_activity_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(case, ["assignee_id", "last_activity_at"])
    if won != 1:
        raise WorkflowError("already_assigned")
    audit.record(session, "case.claimed", staff=actor, case_ref=case.case_ref)


def assign(session: Session, case: Case, actor: Staff, assignee: Staff) -> None:
    """Hand a case to someone: admins always; staff only a case that is theirs."""
    _require_open(case)
    if not (actor.is_admin or case.assignee_id == actor.id):
        raise WorkflowError("not_assignee")
    if not assignee.enabled:
        raise WorkflowError("assignee_disabled")
    previous = case.assignee_id
    case.assignee_id = assignee.id
    _touch(case)
    audit.record(
        session,
        "case.assigned",
        staff=actor,
        case_ref=case.case_ref,
        previous=previous,
        assignee=assignee.id,
    )


def release(session: Session, case: Case, actor: Staff) -> None:
    _require_open(case)
    if case.assignee_id is None:
        raise WorkflowError("not_assigned")
    if not (actor.is_admin or case.assignee_id == actor.id):
        raise WorkflowError("not_assignee")
    previous = case.assignee_id
    case.assignee_id = None
    _touch(case)
    audit.record(session, "case.released", staff=actor, case_ref=case.case_ref, previous=previous)


def override_priority(
    session: Session,
    case: Case,
    actor: Staff,
    priority: str,
    reason: str,
    hours: Deadlines | None = None,
) -> None:
    """Any staff member may re-prioritise an open case, always with a written reason."""
    _require_open(case)
    if priority not in PRIORITIES:
        raise WorkflowError("unknown_priority")
    if not reason.strip():
        raise WorkflowError("reason_required")
    old = case.priority
    case.priority = priority
    case.priority_rank = PRIORITY_RANK[priority]
    deadlines.schedule(case, hours or Deadlines())
    _touch(case)
    deadlines.settle(session, case)
    # The reason may mention the victim, so it is kept as an encrypted note, not in the audit.
    session.add(Note(case_id=case.id, staff_id=actor.id, kind="priority", body=reason.strip()))
    audit.record(
        session, "case.priority", staff=actor, case_ref=case.case_ref, old=old, new=priority
    )
    alerts.urgent(session, case)  # raised to urgent: the same alert, once per case


def return_to_work(session: Session, case_ids: Iterable[int], actor: Staff | None) -> list[str]:
    """Content that came back reopens its closed or monitoring cases.

    It is a consequence of a recheck, not a choice, so whoever records the recheck may do
    it. Returns the case numbers reopened.
    """
    reopened = []
    candidates = session.execute(
        select(Case.id, Case.case_ref, Case.status).where(
            Case.id.in_(sorted(set(case_ids))),
            Case.status.in_(("closed", "monitoring")),
            Case.purged_at.is_(None),
        )
    ).all()
    for case_id, case_ref, old_status in candidates:
        changed = session.execute(
            update(Case)
            .where(Case.id == case_id, Case.status == old_status)
            .values(status="in_progress", closed_at=None, last_activity_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if rows_changed(changed) == 1:
            counters.adjust(session, old_status, "in_progress")
            deadlines.refresh_many(session, [case_id])
            audit.record(
                session,
                "case.status",
                staff=actor,
                actor=None if actor else "recheck",
                case_ref=case_ref,
                old=old_status,
                new="in_progress",
                reason="reupload",
            )
            reopened.append(case_ref)
    return reopened
