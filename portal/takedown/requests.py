"""Takedown requests as records: made for one link or a target's links across cases, and
the platform's answer, recorded once for all of them."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from portal.cases import deadlines
from portal.cases.workflow import WorkflowError
from portal.choices import REQUEST_CHANNELS, REQUEST_OUTCOMES
from portal.extensions import Session
from portal.models import Link, LinkEvent, Staff, TakedownRequest, Target, utcnow
from portal.stats import record as stats
from portal.takedown import casebook, states

# A date typed a little ahead of the server's clock is a clock, not a mistake.
_CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class Sent:
    """What staff record about a request they made."""

    channel: str
    sent_at: datetime
    reference: str | None = None


@dataclass(frozen=True)
class Answer:
    """What a platform answered, for some or all links of a request."""

    outcome: str
    answered_at: datetime
    reference: str | None = None
    text: str | None = None


def _check_time(at: datetime, now: datetime) -> None:
    if at > now + _CLOCK_SKEW:
        raise WorkflowError("date_in_future")


def record_request(
    session: Session,
    actor: Staff,
    link_ids: Iterable[int],
    sent: Sent,
    *,
    note: Callable[[int], str],
    target: Target | None = None,
) -> TakedownRequest:
    """Record one request covering these links; each case gets a note and an audit entry."""
    if sent.channel not in REQUEST_CHANNELS:
        raise WorkflowError("unknown_channel")
    now = utcnow()
    _check_time(sent.sent_at, now)
    rows = casebook.load_links(
        session, link_ids, target.id if target else None, takedown_consent=True
    )
    casebook.require_links(rows)
    platform = (
        target.platform
        if target
        else session.scalar(select(Link.platform).where(Link.id == rows[0].id))
    )
    request = TakedownRequest(
        token=secrets.token_hex(16),
        target_id=target.id if target else rows[0].target_id,
        platform=platform or "web",
        channel=sent.channel,
        staff_id=actor.id,
        sent_at=sent.sent_at,
        reference=sent.reference or None,
        link_count=len(rows),
    )
    session.add(request)
    session.flush()
    for row in rows:
        row.new_state = states.after_request(row.state, sent.channel)
    casebook.apply_states(
        session,
        rows,
        lambda _state: {
            "last_request_id": request.id,
            "requested_at": sent.sent_at,
            "takedown_updated_at": sent.sent_at,
            "recheck_due_at": None,
        },
    )
    request.link_count = len(rows)  # without links a parallel action moved meanwhile
    casebook.add_events(
        session, rows, kind="requested", at=sent.sent_at, actor=actor, request_id=request.id
    )
    stats.links_requested(session, rows, sent.sent_at)
    deadlines.requested(session, {row.case_id for row in rows}, sent.sent_at)
    casebook.touch_cases(
        session,
        rows,
        actor=actor,
        action="takedown.requested",
        now=now,
        note=note,
        request=request.id,
        channel=sent.channel,
        target=request.target_id,
    )
    return request


def covered_links(session: Session, request: TakedownRequest) -> list[int]:
    """The links a request was made for."""
    return list(
        session.scalars(
            select(LinkEvent.link_id).where(
                LinkEvent.request_id == request.id, LinkEvent.kind == "requested"
            )
        )
    )


def record_answer(
    session: Session,
    actor: Staff,
    request: TakedownRequest,
    answer: Answer,
    *,
    note: Callable[[int], str],
    link_ids: Iterable[int] | None = None,
    recheck_days: tuple[int, ...] = states.DEFAULT_RECHECK_DAYS,
) -> int:
    """Record the platform's answer for the request's links (or the ``link_ids`` among
    them); returns how many cases it touched."""
    if answer.outcome not in REQUEST_OUTCOMES:
        raise WorkflowError("unknown_outcome")
    now = utcnow()
    _check_time(answer.answered_at, now)
    if answer.answered_at < request.sent_at:
        raise WorkflowError("answer_before_request")
    covered = set(covered_links(session, request))
    chosen = covered if link_ids is None else covered & set(link_ids)
    rows = casebook.load_links(session, chosen)
    casebook.require_links(rows)
    latest = dict(
        session.execute(select(Link.id, Link.last_request_id).where(Link.id.in_(chosen))).all()
    )
    for row in rows:
        # An answer to an older request is history; a newer request decides the state.
        current = latest.get(row.id) == request.id
        row.new_state = states.after_answer(row.state, answer.outcome) if current else row.state
    watched = states.is_watched(states.after_answer("", answer.outcome))
    due = states.first_recheck(answer.answered_at, recheck_days) if watched else None

    def values(state: str) -> dict[str, object]:
        changes: dict[str, object] = {"takedown_updated_at": answer.answered_at}
        if states.is_watched(state) and watched:
            changes.update(recheck_due_at=due, recheck_round=0)
        return changes

    casebook.apply_states(session, rows, values)
    stats.links_answered(session, rows, request.sent_at, answer.answered_at)
    casebook.add_events(
        session,
        rows,
        kind="answered",
        at=answer.answered_at,
        actor=actor,
        request_id=request.id,
        outcome=answer.outcome,
    )
    # "No answer" closes the request without an answer time, so response times stay true.
    answered = answer.outcome != "no_answer"
    if answered and (request.answered_at is None or answer.answered_at < request.answered_at):
        request.answered_at = answer.answered_at
    if answer.reference:
        request.reference = answer.reference
    if answer.text:
        request.answer = answer.text
    outcomes = session.scalars(
        select(LinkEvent.outcome)
        .where(LinkEvent.request_id == request.id, LinkEvent.kind == "answered")
        .order_by(LinkEvent.id)
    ).all()
    request.outcome = states.summarise([outcome for outcome in outcomes if outcome])
    return casebook.touch_cases(
        session,
        rows,
        actor=actor,
        action="takedown.answered",
        now=now,
        note=note,
        request=request.id,
        outcome=answer.outcome,
    )


class Answered(Protocol):
    """What the response counts read of a request (a row or just those columns)."""

    outcome: str | None
    sent_at: datetime
    answered_at: datetime | None


def response_counts(requests: Iterable[Answered]) -> tuple[Counter[str], timedelta | None]:
    """Outcomes of these requests, and their median time to an answer."""
    outcomes: Counter[str] = Counter()
    waits = []
    for request in requests:
        outcomes[request.outcome or "waiting"] += 1
        if request.answered_at is not None:
            waits.append(request.answered_at - request.sent_at)
    waits.sort()
    return outcomes, (waits[len(waits) // 2] if waits else None)


def removal_rate(outcomes: Counter[str]) -> int | None:
    """Percent of answered requests whose links were all removed."""
    answered = sum(count for outcome, count in outcomes.items() if outcome != "waiting")
    return round(100 * outcomes["removed"] / answered) if answered else None
