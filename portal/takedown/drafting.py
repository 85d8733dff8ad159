"""A notice drafted from the links staff chose: each address once, with the day it was
first reported to us, the harms and whether a minor is involved, and the victim's contact
only for one adult's case and only when staff asked for it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.cases.workflow import WorkflowError
from portal.extensions import Session
from portal.models import Case, Link, Staff
from portal.security import audit
from portal.takedown import notices

KOREA = ZoneInfo("Asia/Seoul")
# A notice lists at most this many links; staff select fewer and send several.
MAX_NOTICE_LINKS = 2000


@dataclass(frozen=True)
class Draft:
    notice: notices.Notice
    link_ids: tuple[int, ...]
    case_count: int
    victim_included: bool


def org_from(config: Mapping[str, object]) -> notices.Org:
    """The organisation that signs notices; production writes none without a name and e-mail."""
    org = notices.Org(
        name=str(config.get("PORTAL_ORG_NAME") or ""),
        email=str(config.get("PORTAL_ORG_EMAIL") or ""),
        phone=str(config.get("PORTAL_ORG_PHONE") or ""),
        address=str(config.get("PORTAL_ORG_ADDRESS") or ""),
    )
    if not (org.name and org.email):
        if config.get("PORTAL_PRODUCTION"):
            raise WorkflowError("org_not_set")
        return notices.Org(
            name=org.name or "(development) 기관 이름 미설정 · organisation not set",
            email=org.email or "portal@localhost",
            phone=org.phone,
            address=org.address,
        )
    return org


def _first_reported(session: Session, links: list[Link]) -> dict[str, datetime.date]:
    """The day each address first reached us, over every case that holds it."""
    rows = session.execute(
        select(Link.url_hash, func.min(Case.created_at))
        .join(Case, Case.id == Link.case_id)
        .where(Link.url_hash.in_({link.url_hash for link in links}))
        .group_by(Link.url_hash)
    ).all()
    return {url_hash: first.astimezone(KOREA).date() for url_hash, first in rows}


def draft_notice(
    session: Session,
    link_ids: Iterable[int],
    *,
    channel: str,
    language: str,
    platform: str,
    org: notices.Org,
    include_victim: bool = False,
    today: datetime.date,
    target_id: int | None = None,
) -> Draft:
    """``target_id``: a target's notice holds only links into that target, whatever ids
    the form carried (another target's links would go to a platform they are not on)."""
    wanted = sorted(set(link_ids))
    if len(wanted) > MAX_NOTICE_LINKS:
        raise WorkflowError("too_many_links")
    query = (
        select(Link)
        .join(Case, Case.id == Link.case_id)
        .where(
            Link.id.in_(wanted),
            Case.status != "withdrawn",
            Case.purged_at.is_(None),
            Case.consent_takedown.is_(True),
        )
        .options(joinedload(Link.case))
        .order_by(Link.id)
    )
    if target_id is not None:
        query = query.where(Link.target_id == target_id)
    links = list(session.scalars(query))
    if not links:
        raise WorkflowError("no_links")
    first = _first_reported(session, links)
    seen: dict[str, notices.NoticeLink] = {}
    for link in links:
        seen.setdefault(link.url, notices.NoticeLink(link.url, first[link.url_hash], link.kind))
    cases = {link.case_id: link.case for link in links}
    minor = any(case.minor_involved for case in cases.values())
    victim = None
    if include_victim:
        (case,) = cases.values() if len(cases) == 1 else (None,)
        if case is None or minor:
            raise WorkflowError("victim_details_refused")
        contact = case.contact_email or case.contact_phone
        if not contact:
            raise WorkflowError("no_victim_contact")
        victim = notices.VictimDetails(contact=contact)
    harms = {harm for case in cases.values() for harm in case.harms}
    notice = notices.render_notice(
        channel,
        platform,
        language,
        list(seen.values()),
        org,
        harms=harms,
        minor_involved=minor,
        victim=victim,
        today=today,
    )
    return Draft(notice, tuple(link.id for link in links), len(cases), victim is not None)


def record_for_cases(
    session: Session, action: str, staff: Staff, link_ids: Iterable[int], **detail: Any
) -> None:
    """One audit entry for each case whose links a notice holds, so every case's custody log
    (the police export reads it) shows that a notice with its links was written or taken."""
    wanted = list(link_ids)
    rows = session.execute(
        select(Case.case_ref, func.count(Link.id))
        .join(Link, Link.case_id == Case.id)
        .where(Link.id.in_(wanted))
        .group_by(Case.case_ref)
        .order_by(Case.case_ref)
    ).all()
    for case_ref, count in rows:
        audit.record(
            session, action, staff=staff, case_ref=case_ref, links=count, cases=len(rows), **detail
        )
