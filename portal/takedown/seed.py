"""Synthetic links, targets and takedown requests for the cases `dev seed` just made.

Each case still holding content (not purged, not withdrawn) gets 1 to 2 x ``links_per_case``
links (``links_per_case`` on average) into targets from portal.takedown.seed_pool, on the
platforms of its ``platform_mask``. A link asked of its platform points at the request made
for its target in the month after the filing (answered or not), with the events a real
request, answer and recheck leave; removed links are due for rechecks, some overdue. Rows
go in with bulk Core inserts (portal.takedown.seed_rows); the targets' counts are added up
here and written once at the end, never recounted.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.cases.seed import Weights
from portal.choices import ESCALATION_CHANNELS, OPEN_LINK_STATES
from portal.extensions import Session, table_of
from portal.links import targets
from portal.links.platforms import PLATFORMS
from portal.models import Case, Link, Staff, TakedownRequest, utcnow
from portal.models.ids import Ids
from portal.models.sealed import row_identity
from portal.security import crypto
from portal.stats import rebuild as stats_rebuild
from portal.takedown import states
from portal.takedown.seed_pool import Pool, PoolTarget, build_pools
from portal.takedown.seed_rows import Counts, Request, insert_batch, write_counts

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
MONTH = timedelta(days=30)
# How likely a link of a case in each status was asked of its platform already.
REQUESTED = {"new": 0.05, "triage": 0.3, "in_progress": 0.75, "waiting": 0.7, "monitoring": 0.97}
CLOSED_REQUESTED = 0.92
OUTCOMES = Weights.of(
    {"removed": 55, "partly_removed": 8, "refused": 17, "unreachable": 8, "no_answer": 12}
)
WEB_CHANNELS = Weights.of(
    {"hosting": 30, "abuse_email": 30, "kcsc": 25, "search_engine": 10, "police": 5}
)
PLATFORM_CHANNELS = Weights.of({"report_form": 60, "abuse_email": 10, "kcsc": 22, "police": 8})
CHECKED, BACK = 0.9, 0.05  # a due recheck done in time; a done one finding the content back


@dataclass
class DeskSeeded:
    """What one run added."""

    links: int = 0
    cases: int = 0
    targets: int = 0
    requests: int = 0
    events: int = 0
    hot_target_id: int | None = None


@dataclass
class _Run:
    session: Session
    rng: random.Random
    now: datetime
    staff: Sequence[int]
    batch: int
    link_ids: Ids
    request_ids: Ids
    requests: dict[tuple[int, int], Request] = field(default_factory=dict)
    pending: list[Request] = field(default_factory=list)
    counts: dict[int, Counts] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    done: DeskSeeded = field(default_factory=DeskSeeded)

    def request(self, target: PoolTarget, created: datetime) -> Request:
        """The request made for this target in the month after the case was filed."""
        asked = created + timedelta(days=self.rng.uniform(0.2, 7))
        month = int((asked - EPOCH) / MONTH)
        made = self.requests.get((target.id, month))
        if made is None:
            sent = min(EPOCH + (month + 1) * MONTH, self.now)
            answered, outcome = None, None
            if self.now - sent > timedelta(days=2) and self.rng.random() < 0.85:
                wait = timedelta(days=self.rng.expovariate(1 / 6))
                answered, outcome = min(sent + wait, self.now), OUTCOMES.pick(self.rng)[0]
            channels = WEB_CHANNELS if target.platform == "web" else PLATFORM_CHANNELS
            made = Request(
                self.request_ids.next(),
                secrets.token_hex(16),
                target.id,
                target.platform,
                channels.pick(self.rng)[0],
                self.rng.choice(self.staff) if self.staff else None,
                sent,
                answered,
                outcome,
            )
            self.requests[(target.id, month)] = made
            self.pending.append(made)
        made.links += 1
        return made

    def event(self, link: dict[str, Any], kind: str, state: str, **values: Any) -> None:
        self.events.append(
            {
                "link_id": link["id"],
                "case_id": link["case_id"],
                "kind": kind,
                "state": state,
                "request_id": None,
                "outcome": None,
                "staff_id": None,
                **values,
            }
        )

    def takedown(
        self, link: dict[str, Any], target: PoolTarget, status: str, created: datetime
    ) -> str:
        """Fill in the link's takedown columns, write its events; returns its state."""
        share = CLOSED_REQUESTED if status == "closed" else REQUESTED.get(status, 0.0)
        if self.rng.random() >= share:
            return "reported"
        made = self.request(target, created)
        state = "kcsc_request" if made.channel in ESCALATION_CHANNELS else "requested"
        by = {"request_id": made.id, "staff_id": made.staff_id}
        self.event(link, "requested", state, at=made.sent_at, **by)
        link.update(last_request_id=made.id, requested_at=made.sent_at)
        link["takedown_updated_at"] = made.sent_at
        if made.outcome is None or made.answered_at is None:
            return state
        state = states.after_answer(state, made.outcome)
        self.event(link, "answered", state, at=made.answered_at, outcome=made.outcome, **by)
        link["takedown_updated_at"] = made.answered_at
        return self.rechecks(link, state, made.answered_at) if states.is_watched(state) else state

    def rechecks(self, link: dict[str, Any], state: str, removed: datetime) -> str:
        due: datetime | None = states.first_recheck(removed)
        passed = 0
        while due is not None and due <= self.now and self.rng.random() < CHECKED:
            staff = self.rng.choice(self.staff) if self.staff else None
            if self.rng.random() < BACK:
                self.event(link, "back", "reappeared", at=due, outcome="back", staff_id=staff)
                link.update(takedown_updated_at=due, recheck_round=passed)
                return "reappeared"
            passed += 1
            self.event(link, "recheck", state, at=due, outcome="gone", staff_id=staff)
            due = states.following_recheck(due, passed)
        link.update(recheck_due_at=due, recheck_round=passed)
        return state

    def add_case(self, pools: dict[str, Pool], case_row: Any, per_case: int) -> None:
        case_id, created, status, mask = case_row
        ring, rng = crypto.ring(), self.rng
        identity = row_identity("case_id", case_id)
        platforms = [code for bit, code in enumerate(PLATFORMS) if mask & (1 << bit)] or ["web"]
        picks = [pools[rng.choice(platforms)].pick(rng) for _ in range(rng.randint(1, 3))]
        seen: set[str] = set()
        touched: set[int] = set()
        for _ in range(max(1, rng.randint(0, 2 * per_case))):
            target = rng.choice(picks)
            shape = rng.choice(target.shapes)
            url = shape.template.format(n=rng.randint(1, 99_999))
            if url in seen:
                continue  # a victim lists each address once
            seen.add(url)
            link: dict[str, Any] = {
                "id": self.link_ids.next(),
                "case_id": case_id,
                "position": len(seen) - 1,
                "sealed_url": ring.encrypt_text(url, "link.url", identity),
                "sealed_note": None,
                "url_hash": shape.url_hash or crypto.lookup_digest("link", url),
                "source_hash": target.source_hash,
                "platform": target.platform,
                "kind": shape.kind,
                "target_id": target.id,
                "takedown_updated_at": None,
                "last_request_id": None,
                "requested_at": None,
                "recheck_due_at": None,
                "recheck_round": 0,
            }
            link["takedown_status"] = state = self.takedown(link, target, status, created)
            self.links.append(link)
            counts = self.counts.setdefault(target.id, Counts())
            counts.links += 1
            counts.open += state in OPEN_LINK_STATES
            touched.add(target.id)
        for target_id in touched:
            counts = self.counts[target_id]
            counts.cases += 1
            counts.last = max(counts.last or created, created)
            counts.first = min(counts.first or created, created)
        self.done.cases += 1
        if len(self.links) >= self.batch:
            self.flush()

    def flush(self) -> None:
        insert_batch(self.session, self.pending, self.links, self.events)
        self.done.links += len(self.links)
        self.done.events += len(self.events)
        self.done.requests += len(self.pending)
        self.pending, self.links, self.events = [], [], []


def _expected(cases: Sequence[Any], per_case: int) -> dict[str, float]:
    """Links expected per platform: each case's spread evenly over its platforms."""
    expected = dict.fromkeys(PLATFORMS, 0.0)
    for *_, mask in cases:
        chosen = [code for bit, code in enumerate(PLATFORMS) if mask & (1 << bit)] or ["web"]
        for code in chosen:
            expected[code] += per_case / len(chosen)
    return expected


def seed_desk(
    session: Session,
    after_case_id: int,
    *,
    links_per_case: int = 10,
    batch: int = 5000,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> DeskSeeded:
    """Links, targets and requests for the cases with an id above ``after_case_id``.

    Needs an app context (the key ring). The caller commits.
    """
    cases = session.execute(
        select(Case.id, Case.created_at, Case.status, Case.platform_mask)
        .where(Case.id > after_case_id, Case.purged_at.is_(None), Case.status != "withdrawn")
        .order_by(Case.id)
    ).all()
    if links_per_case <= 0 or not cases:
        return DeskSeeded()
    now = now or utcnow()
    pools, created = build_pools(session, _expected(cases, links_per_case), now)
    staff = list(session.scalars(select(Staff.id).where(Staff.enabled.is_(True))))
    run = _Run(
        session,
        rng or random.Random(),  # noqa: S311 (synthetic data, not secrets)
        now,
        staff,
        max(batch, 1),
        Ids(session, table_of(Link)),
        Ids(session, table_of(TakedownRequest)),
    )
    for case_row in cases:
        run.add_case(pools, case_row, links_per_case)
    run.flush()
    write_counts(session, run.counts, created, list(run.requests.values()))
    targets.recount_states(session, sorted(run.counts))
    # The bulk inserts bypass the recorders: the statistics are counted from the rows.
    stats_rebuild.add_links(session, after_case_id)
    run.done.targets = len(created)
    run.done.hot_target_id = pools["telegram"].targets[0].id if "telegram" in pools else None
    return run.done
