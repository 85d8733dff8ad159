"""Hand-counted statistics data, made through the domain layer as staff and victims would."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.cases import casework
from portal.extensions import Session
from portal.models import Case, Link, Staff, StatCount, TakedownRequest
from portal.stats import read
from portal.takedown import rechecks, requests
from tests import factories


def takedown_case(session: Session, links: Iterable[str], **changes: object) -> Case:
    """A filed case asking for takedown of these links (not committed)."""
    values: dict[str, object] = {
        "help_wanted": ["takedown"],
        "consent_takedown": True,
        "harms": ["deepfake"],
    }
    values.update(changes)
    return factories.filed_case(session, links=links, **values).case


def link_ids(session: Session, case: Case) -> list[int]:
    return list(session.scalars(select(Link.id).where(Link.case_id == case.id).order_by(Link.id)))


def request_links(session: Session, actor: Staff, ids: list[int], at: datetime) -> TakedownRequest:
    sent = requests.Sent(channel="report_form", sent_at=at)
    return requests.record_request(session, actor, ids, sent, note=lambda _n: "requested")


def answer(
    session: Session,
    actor: Staff,
    request: TakedownRequest,
    outcome: str,
    at: datetime,
    ids: list[int] | None = None,
) -> None:
    requests.record_answer(
        session,
        actor,
        request,
        requests.Answer(outcome=outcome, answered_at=at),
        note=lambda _n: "answered",
        link_ids=ids,
    )


def found_back(session: Session, actor: Staff, ids: list[int], at: datetime) -> None:
    rechecks.record_recheck(
        session, actor, ids, rechecks.Recheck(back=True, at=at), note=lambda _n: "back"
    )


def reply(session: Session, case: Case, actor: Staff) -> None:
    casework.send_message(session, case, actor, "We are looking at your report.")


def every_count(session: Session) -> dict[tuple[str, str], int]:
    """All counts, summed over days and shards: what a period covering everything shows."""
    found: dict[tuple[str, str], int] = {}
    for metric, key, value in session.execute(
        select(StatCount.metric, StatCount.key, StatCount.count)
    ):
        found[(metric, key)] = found.get((metric, key), 0) + value
    return found


def all_time(today: datetime) -> read.Period:
    day = today.date()
    return read.Period(day - timedelta(days=400), day + timedelta(days=1))
