"""What a desk action leaves in every case it touches: an internal note, an audit entry,
the case's last activity, and the target counts of links that left or re-entered work."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from portal.cases.workflow import WorkflowError
from portal.extensions import Session
from portal.links import targets
from portal.models import Case, Link, LinkEvent, Note, Staff
from portal.models.sealed import BoundText, row_identity
from portal.security import audit


@dataclass
class LinkRow:
    """A link as the desk acts on it: no address, nothing to decrypt."""

    id: int
    case_id: int
    case_ref: str
    target_id: int | None
    state: str
    new_state: str = ""


def load_links(
    session: Session,
    link_ids: Iterable[int],
    target_id: int | None = None,
    *,
    takedown_consent: bool = False,
) -> list[LinkRow]:
    """The links among ``link_ids`` staff may still act on: their case is neither withdrawn
    nor erased (and, for a target's action, they point into that target; for a new request,
    the victim agreed to takedown)."""
    wanted = sorted(set(link_ids))
    if not wanted:
        return []
    # Locked in id order (PostgreSQL; SQLite has one writer): a parallel action on the same
    # links waits, then reads the state this one left, so every action counts once.
    query = (
        select(Link.id, Link.case_id, Case.case_ref, Link.target_id, Link.takedown_status)
        .join(Case, Case.id == Link.case_id)
        .where(Link.id.in_(wanted), Case.status != "withdrawn", Case.purged_at.is_(None))
        .order_by(Link.id)
        .with_for_update(of=Link)
    )
    if target_id is not None:
        query = query.where(Link.target_id == target_id)
    if takedown_consent:
        query = query.where(Case.consent_takedown.is_(True))
    return [LinkRow(*row) for row in session.execute(query)]


def require_links(rows: list[LinkRow]) -> None:
    if not rows:
        raise WorkflowError("no_links")


def apply_states(
    session: Session, rows: list[LinkRow], values: Callable[[str], dict[str, object]]
) -> None:
    """Write each link's new state (one UPDATE per change) with the columns ``values`` gives.

    Each UPDATE changes a link only while it is still in the state it was read in, so a
    parallel action that got there first is never counted again: the links it moved are
    dropped from ``rows`` (and from the notes and events that follow), and when none is
    left the action is refused as changed meanwhile.
    """
    by_change: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        by_change.setdefault((row.new_state, row.state), []).append(row.id)
    changed: set[int] = set()
    for (state, was), ids in sorted(by_change.items()):
        changed.update(
            session.scalars(
                update(Link)
                .where(Link.id.in_(ids), Link.takedown_status == was)
                .values(takedown_status=state, **values(state))
                .returning(Link.id)
                .execution_options(synchronize_session=False)
            )
        )
    rows[:] = [row for row in rows if row.id in changed]
    if not rows:
        raise WorkflowError("changed_meanwhile")
    targets.move_links(session, [(row.target_id, row.state, row.new_state) for row in rows])


def add_events(
    session: Session,
    rows: list[LinkRow],
    *,
    kind: str,
    at: datetime,
    actor: Staff | None,
    request_id: int | None = None,
    outcome: str | None = None,
) -> None:
    session.execute(
        insert(LinkEvent),
        [
            {
                "link_id": row.id,
                "case_id": row.case_id,
                "request_id": request_id,
                "kind": kind,
                "state": row.new_state,
                "outcome": outcome,
                "staff_id": actor.id if actor else None,
                "at": at,
            }
            for row in rows
        ],
    )


def touch_cases(
    session: Session,
    rows: list[LinkRow],
    *,
    actor: Staff | None,
    action: str,
    now: datetime,
    note: Callable[[int], str],
    **detail: Any,
) -> int:
    """One note and one audit entry per case touched; ``note`` words it for its link count."""
    per_case: Counter[int] = Counter(row.case_id for row in rows)
    refs = {row.case_id: row.case_ref for row in rows}
    session.execute(
        insert(Note),
        [
            {
                "case_id": case_id,
                "staff_id": actor.id if actor else None,
                "kind": "takedown",
                "body": BoundText(note(count), row_identity("case_id", case_id)),
                "created_at": now,
            }
            for case_id, count in sorted(per_case.items())
        ],
    )
    session.execute(
        update(Case)
        .where(Case.id.in_(sorted(per_case)))
        .values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    for case_id, count in sorted(per_case.items()):
        audit.record(
            session,
            action,
            staff=actor,
            actor=None if actor else "recheck",
            case_ref=refs[case_id],
            links=count,
            **detail,
        )
    return len(per_case)
