"""Automatic rechecks (`flask --app portal rechecks run`, off unless PORTAL_AUTO_RECHECK):
each due link on an ordinary website is asked, through the guarded probe, whether its page
still exists.

Only a clear "gone" (404, 410, 451) is recorded as a passed recheck. A page that answers
again is not marked re-uploaded by a machine, since many sites answer 200 with a "not found"
page: its case gets a note and the link stays on the rechecks-due list for a person.
Anything else leaves the link due, untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import exists, select

from portal.extensions import Session
from portal.models import Case, Link, LinkEvent
from portal.takedown import casebook, probe, rechecks, states

Checker = Callable[[str], probe.ProbeResult]
# Platforms' pages answer 200 for deleted posts; only other websites can be asked.
CHECKED_PLATFORMS = ("web",)


def run(
    session: Session,
    now: datetime,
    check: Checker,
    *,
    note_gone: Callable[[int], str],
    note_present: Callable[[int], str],
    recheck_days: tuple[int, ...] = states.DEFAULT_RECHECK_DAYS,
    limit: int = 200,
) -> Counter[str]:
    """Check up to ``limit`` due links; returns how many were gone, present or unknown."""
    due = session.execute(
        select(Link.id, Link.url_hash)
        .join(Case, Case.id == Link.case_id)
        .where(
            Link.recheck_due_at.is_not(None),
            Link.recheck_due_at <= now,
            Link.platform.in_(CHECKED_PLATFORMS),
            Case.status != "withdrawn",
            # Flagged for a person since it fell due: asked once, not again every run.
            ~exists().where(
                LinkEvent.link_id == Link.id,
                LinkEvent.kind == "flagged",
                LinkEvent.at >= Link.recheck_due_at,
            ),
        )
        .order_by(Link.recheck_due_at, Link.id)
        .limit(limit)
    ).all()
    answers: Counter[str] = Counter()
    gone, present = [], []
    for link_id, _url_hash in due:
        link = session.get(Link, link_id)
        if link is None:
            continue
        result = check(link.url)
        answer = result.answer
        answers[answer] += 1
        if answer == "unknown":
            answers[f"unknown:{result.reason}"] += 1
        if answer == "gone":
            gone.append(link_id)
        elif answer == "present":
            present.append(link_id)
    if gone:
        rechecks.record_recheck(
            session,
            None,
            gone,
            rechecks.Recheck(back=False, at=now),
            note=note_gone,
            recheck_days=recheck_days,
        )
    if present:
        rows = casebook.load_links(session, present)
        for row in rows:
            row.new_state = row.state
        casebook.add_events(session, rows, kind="flagged", at=now, actor=None, outcome="present")
        casebook.touch_cases(
            session, rows, actor=None, action="takedown.recheck_flagged", now=now, note=note_present
        )
    return answers
