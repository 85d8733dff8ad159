"""What the desk reads: the target list, one target's links and requests, and the search
that finds cases and targets by case number, link or Telegram @name (keyed hashes only)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_, union
from sqlalchemy.orm import joinedload

from portal.choices import OPEN_LINK_STATES
from portal.extensions import Session
from portal.links import targets
from portal.links.parse import LinkRejected, parse_link
from portal.models import Case, Link, LinkEvent, OutboxMessage, TakedownRequest, Target
from portal.security import crypto
from portal.takedown.requests import Answered

CASE_REF = re.compile(r"[0-9]{8}-[0-9]{6}")
ORDERS = ("open", "cases")
# Links that are a whole channel, bot, invite or account rather than one post in it.
WHOLE_SOURCE_KINDS = frozenset({"channel", "bot", "invite", "profile"})


def target_page(
    session: Session, order: str, after: tuple[int, ...] | None = None, limit: int = 50
) -> tuple[list[Target], tuple[int, ...] | None]:
    """Targets hurting the most victims first: by open links, or by cases."""
    first, second = (
        (Target.open_links, Target.case_count)
        if order == "open"
        else (Target.case_count, Target.open_links)
    )
    query = select(Target)
    if after is not None:
        query = query.where(tuple_(first, second, Target.id) < tuple_(*after))
    rows = list(
        session.scalars(
            query.order_by(first.desc(), second.desc(), Target.id.desc()).limit(limit + 1)
        )
    )
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = page[-1]
        pair = (
            (last.open_links, last.case_count)
            if order == "open"
            else (last.case_count, last.open_links)
        )
        cursor = (*pair, last.id)
    return page, cursor


def state_counts(session: Session, target_id: int) -> Counter[str]:
    """A target's links per state, from the counts kept with every change."""
    return targets.state_counts(session, target_id)


def target_links(
    session: Session, target_id: int, only_open: bool, after: int | None = None, limit: int = 100
) -> tuple[list[Link], int | None]:
    """One page of a target's links with their cases, newest first."""
    query = (
        select(Link)
        .where(Link.target_id == target_id)
        .options(joinedload(Link.case))
        .order_by(Link.id.desc())
    )
    if only_open:
        query = query.where(Link.takedown_status.in_(OPEN_LINK_STATES))
    if after is not None:
        query = query.where(Link.id < after)
    rows = list(session.scalars(query.limit(limit + 1)))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


def open_link_ids(session: Session, target_id: int) -> list[int]:
    """Every open link of a target whose victim agreed to takedown and did not withdraw."""
    return list(
        session.scalars(
            select(Link.id)
            .join(Case, Case.id == Link.case_id)
            .where(
                Link.target_id == target_id,
                Link.takedown_status.in_(OPEN_LINK_STATES),
                Case.status != "withdrawn",
                Case.consent_takedown.is_(True),
            )
            .order_by(Link.id)
        )
    )


def target_requests(
    session: Session,
    target_id: int,
    limit: int = 50,
    before: tuple[datetime, int] | None = None,
) -> list[TakedownRequest]:
    """Requests about a target: made for it, or for one of its links.

    Every request since targets exist names one; only a request made for links filed before
    (``target_id`` NULL) is found through its events. Driving from those few keeps a channel
    with 100,000 links from joining all their events on every page view.
    """
    untargeted = select(TakedownRequest.id).where(TakedownRequest.target_id.is_(None))
    asked = (
        select(LinkEvent.request_id)
        .join(Link, Link.id == LinkEvent.link_id)
        .where(
            LinkEvent.request_id.in_(untargeted),
            LinkEvent.kind == "requested",
            Link.target_id == target_id,
        )
    )
    made = select(TakedownRequest.id).where(TakedownRequest.target_id == target_id)
    query = select(TakedownRequest).where(TakedownRequest.id.in_(union(made, asked)))
    if before is not None:
        query = query.where(tuple_(TakedownRequest.sent_at, TakedownRequest.id) < before)
    return list(
        session.scalars(
            query.order_by(TakedownRequest.sent_at.desc(), TakedownRequest.id.desc()).limit(limit)
        )
    )


def platform_requests(session: Session, platform: str, limit: int = 1000) -> list[Answered]:
    """The platform's latest requests, for its removal rate and response time: only the
    three columns that needs, not a thousand whole rows."""
    return list(
        session.execute(
            select(TakedownRequest.outcome, TakedownRequest.sent_at, TakedownRequest.answered_at)
            .where(TakedownRequest.platform == platform)
            .order_by(TakedownRequest.sent_at.desc())
            .limit(limit)
        ).all()
    )


def link_history(session: Session, case_id: int) -> dict[int, list[LinkEvent]]:
    """Each link's events in one case, oldest first: the timeline on the case page."""
    history: dict[int, list[LinkEvent]] = {}
    for event in session.scalars(
        select(LinkEvent).where(LinkEvent.case_id == case_id).order_by(LinkEvent.id)
    ):
        history.setdefault(event.link_id, []).append(event)
    return history


@dataclass
class Found:
    case_ref: str | None = None
    cases: list[Case] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    understood: bool = True


def search(session: Session, text: str, limit: int = 50) -> Found:
    """A case number opens that case; a link or @name finds every case and target holding
    it, by exact keyed hash, without opening anything sealed."""
    text = unicodedata.normalize("NFKC", text).strip()
    if CASE_REF.fullmatch(text):
        found = session.scalar(select(Case.case_ref).where(Case.case_ref == text))
        return Found(case_ref=found)
    try:
        parsed = parse_link(text)
    except LinkRejected:
        return Found(understood=False)
    identity = targets.identify(parsed)
    wanted = [Link.url_hash == crypto.lookup_digest("link", parsed.url)]
    if parsed.source and parsed.kind in WHOLE_SOURCE_KINDS:
        # The link names the channel or account itself: every case pointing into it.
        wanted.append(Link.source_hash == crypto.lookup_digest("source", parsed.source))
    # Each condition walks its own index backwards (newest case first) and stops at the limit.
    case_ids: set[int] = set()
    for condition in wanted:
        case_ids.update(
            session.scalars(
                select(Link.case_id)
                .where(condition)
                .distinct()
                .order_by(Link.case_id.desc())
                .limit(limit)
            )
        )
    newest = sorted(case_ids, reverse=True)[:limit]
    cases = (
        list(session.scalars(select(Case).where(Case.id.in_(newest)).order_by(Case.id.desc())))
        if newest
        else []
    )
    found_targets = list(
        session.scalars(select(Target).where(Target.key_hash == identity.key_hash))
    )
    return Found(cases=cases, targets=found_targets)


@dataclass
class CaseDesk:
    """The desk's view of one case: each link's target, timeline, and requests."""

    targets: dict[int, Target]
    history: dict[int, list[LinkEvent]]
    requests: dict[int, TakedownRequest]


def case_desk(session: Session, case: Case) -> CaseDesk:
    history = link_history(session, case.id)
    request_ids = {e.request_id for events in history.values() for e in events if e.request_id}
    request_ids |= {link.last_request_id for link in case.links if link.last_request_id}
    target_ids = {link.target_id for link in case.links if link.target_id}
    found_targets: list[Target] = []
    if target_ids:
        found_targets = list(session.scalars(select(Target).where(Target.id.in_(target_ids))))
    found_requests: list[TakedownRequest] = []
    if request_ids:
        found_requests = list(
            session.scalars(select(TakedownRequest).where(TakedownRequest.id.in_(request_ids)))
        )
    return CaseDesk(
        targets={target.id: target for target in found_targets},
        history=history,
        requests={made.id: made for made in found_requests},
    )


def mail_states(session: Session, requests: list[TakedownRequest]) -> dict[int, str]:
    """Where each request's e-mailed notice stands in the outbox, if it went that way."""
    refs = {f"request-{made.id}": made.id for made in requests}
    if not refs:
        return {}
    rows = session.execute(
        select(OutboxMessage.ref, OutboxMessage.state).where(OutboxMessage.ref.in_(refs))
    ).all()
    return {refs[ref]: state for ref, state in rows}
