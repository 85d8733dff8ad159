"""Targets for links filed before targets existed, and rechecks for links already removed.

A migration cannot do this: it would have to open every sealed address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update

from portal.choices import WATCHED_LINK_STATES
from portal.extensions import Session
from portal.links import targets
from portal.links.parse import LinkRejected, parse_link
from portal.models import Link, utcnow
from portal.takedown import states


@dataclass
class Backfilled:
    links: int = 0
    unreadable: int = 0
    rechecks: int = 0
    target_ids: set[int] = field(default_factory=set)


def backfill(
    session: Session,
    batch: int = 500,
    recheck_days: tuple[int, ...] = states.DEFAULT_RECHECK_DAYS,
) -> Backfilled:
    """Give every link without one its target, then count those targets again.

    Works in batches, each committed, so it can be stopped and run again.
    """
    report = Backfilled()
    after = 0
    while True:
        links = list(
            session.scalars(
                select(Link)
                .where(Link.target_id.is_(None), Link.id > after)
                .order_by(Link.id)
                .limit(batch)
            )
        )
        if not links:
            break
        after = links[-1].id
        identities = {}
        for link in links:
            try:
                identities[link.id] = targets.identify(parse_link(link.url))
            except LinkRejected:
                report.unreadable += 1
        ids = targets.ensure_targets(session, identities.values())
        for link_id, identity in identities.items():
            session.execute(
                update(Link)
                .where(Link.id == link_id)
                .values(target_id=ids[identity.key])
                .execution_options(synchronize_session=False)
            )
            report.target_ids.add(ids[identity.key])
        report.links += len(identities)
        session.commit()
        session.expunge_all()
    targets.recount(session, report.target_ids)
    now = utcnow()
    for link in session.scalars(
        select(Link).where(
            Link.takedown_status.in_(WATCHED_LINK_STATES),
            Link.recheck_due_at.is_(None),
            Link.recheck_round == 0,  # a link whose watch has ended stays ended
        )
    ):
        since = link.takedown_updated_at or now
        link.recheck_due_at = max(since + timedelta(days=recheck_days[0]), now)
        report.rechecks += 1
    session.commit()
    return report
