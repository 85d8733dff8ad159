"""Synthetic links, targets and requests from `dev seed`: complete, readable, counted."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from flask import Flask
from sqlalchemy import distinct, func, select

from portal.cases.seed import seed_cases
from portal.choices import OPEN_LINK_STATES, REQUEST_CHANNELS, TAKEDOWN_STATUSES
from portal.extensions import db
from portal.links import targets
from portal.links.parse import parse_link
from portal.links.platforms import PLATFORMS
from portal.models import Case, Link, LinkEvent, TakedownRequest, Target, utcnow
from portal.takedown import desk, rechecks
from portal.takedown.seed import DeskSeeded, seed_desk
from portal.takedown.seed_pool import HOT_CHANNEL, pool_size, templates
from tests.takedown.desk_helpers import assert_states_match_the_links

N = 400


def _seed(app: Flask, n: int = N, seed: int = 3, per_case: int = 10) -> DeskSeeded:
    with app.app_context():
        after = db.session.scalar(select(func.max(Case.id))) or 0
        seed_cases(db.session, n, batch=97, rng=random.Random(seed))
        done = seed_desk(
            db.session, after, links_per_case=per_case, batch=500, rng=random.Random(seed)
        )
        db.session.commit()
    return done


def _recount() -> dict[int, tuple[int, int, int]]:
    """Each target's links, open links and cases, counted from the links."""
    rows = db.session.execute(
        select(Link.target_id, func.count(), func.count(distinct(Link.case_id))).group_by(
            Link.target_id
        )
    ).all()
    still_open = dict(
        db.session.execute(
            select(Link.target_id, func.count())
            .where(Link.takedown_status.in_(OPEN_LINK_STATES))
            .group_by(Link.target_id)
        ).all()
    )
    return {tid: (links, still_open.get(tid, 0), cases) for tid, links, cases in rows}


def test_links_only_where_content_is_kept(app: Flask) -> None:
    done = _seed(app)
    with app.app_context():
        with_links = set(db.session.scalars(select(Link.case_id).distinct()))
        kept = set(
            db.session.scalars(
                select(Case.id).where(Case.purged_at.is_(None), Case.status != "withdrawn")
            )
        )
        per_case = Counter(db.session.scalars(select(Link.case_id)))
        total = db.session.scalar(select(func.count()).select_from(Link))
    assert with_links == kept
    assert done.links == total and done.cases == len(kept)
    assert all(1 <= count <= 20 for count in per_case.values())
    assert 5 <= total / len(kept) <= 11


def test_every_link_opens_parses_and_belongs_to_its_target(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        by_hash = {t.id: t.key_hash for t in db.session.scalars(select(Target))}
        labels = {t.id: t.label for t in db.session.scalars(select(Target))}
        links = db.session.scalars(select(Link)).all()
        for link in links:
            parsed = parse_link(link.url)
            assert parsed.url == link.url
            assert (parsed.platform, parsed.kind) == (link.platform, link.kind)
            identity = targets.identify(parsed)
            assert identity.key_hash == by_hash[link.target_id]
            assert identity.label == labels[link.target_id]
            assert link.takedown_status in TAKEDOWN_STATUSES
        masks = db.session.execute(
            select(Case.platform_mask, Link.platform).join(Link, Link.case_id == Case.id)
        ).all()
    assert all(mask & (1 << PLATFORMS.index(platform)) for mask, platform in masks)


def test_takedown_columns_tell_one_story(app: Flask) -> None:
    _seed(app)
    with app.app_context():
        now = utcnow()
        links = db.session.scalars(select(Link)).all()
        requests = {r.id: r for r in db.session.scalars(select(TakedownRequest))}
        events: dict[int, list[LinkEvent]] = defaultdict(list)
        for event in db.session.scalars(select(LinkEvent).order_by(LinkEvent.id)):
            events[event.link_id].append(event)
        created = dict(db.session.execute(select(Case.id, Case.created_at)).all())
    states = Counter(link.takedown_status for link in links)
    assert {"reported", "requested", "removed", "refused"} <= set(states)
    for link in links:
        if link.takedown_status == "reported":
            assert link.last_request_id is None and link.requested_at is None
            assert link.id not in events
            continue
        made = requests[link.last_request_id]
        assert made.target_id == link.target_id and made.channel in REQUEST_CHANNELS
        assert link.requested_at == made.sent_at >= created[link.case_id]
        assert made.sent_at <= now
        assert events[link.id][-1].state == link.takedown_status
        assert events[link.id][0].kind == "requested"
        if link.takedown_status in ("removed", "unreachable") and link.recheck_round < 3:
            assert link.recheck_due_at is not None
        if link.recheck_due_at is not None:
            assert link.takedown_status in ("removed", "unreachable")
    for made in requests.values():
        assert len(made.token) == 32
        assert made.answered_at is None or made.answered_at >= made.sent_at
        assert (made.outcome is None) == (made.answered_at is None)
    covered = Counter(link.last_request_id for link in links if link.last_request_id)
    assert all(made.link_count == covered[made.id] for made in requests.values())
    with app.app_context():
        due, _ = rechecks.due_page(db.session, utcnow(), rechecks.DueFilter())
    assert due, "some rechecks are overdue"


def test_counts_equal_a_recount_and_the_hot_channel_leads(app: Flask) -> None:
    done = _seed(app, per_case=12)
    assert_states_match_the_links(app)
    with app.app_context():
        counted = _recount()
        stored = {
            t.id: (t.link_count, t.open_links, t.case_count)
            for t in db.session.scalars(select(Target))
        }
        hot = db.session.get(Target, done.hot_target_id)
        assert hot is not None
        assert hot.label == "@" + HOT_CHANNEL and hot.kind == "channel"
        last = db.session.scalar(
            select(func.max(Case.created_at))
            .join(Link, Link.case_id == Case.id)
            .where(Link.target_id == hot.id)
        )
        assert hot.last_link_at == last
        hot_id = hot.id
        top = desk.target_page(db.session, "open")[0][0].id
        assert targets.recount(db.session) == len(stored)
        again = {
            t.id: (t.link_count, t.open_links, t.case_count)
            for t in db.session.scalars(select(Target))
        }
        db.session.rollback()
    assert stored == {tid: counted.get(tid, (0, 0, 0)) for tid in stored}
    assert again == stored
    assert max(stored.values())[0] == stored[hot_id][0]
    assert top == hot_id


def test_a_second_run_adds_to_the_same_targets(app: Flask) -> None:
    first = _seed(app, seed=5)
    second = _seed(app, seed=5)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Link))
        tokens = db.session.scalars(select(TakedownRequest.token)).all()
        hashes = db.session.scalars(select(Target.key_hash)).all()
        stored = {
            t.id: (t.link_count, t.open_links, t.case_count)
            for t in db.session.scalars(select(Target))
        }
        counted = _recount()
        telegram = db.session.scalar(
            select(func.count()).select_from(Link).where(Link.platform == "telegram")
        )
    assert second.links and total == first.links + second.links
    assert second.targets < first.targets
    assert second.hot_target_id == first.hot_target_id
    assert len(tokens) == len(set(tokens)) and len(hashes) == len(set(hashes))
    assert stored == {tid: counted.get(tid, (0, 0, 0)) for tid in stored}
    assert telegram and telegram > total / 3


def test_pools_grow_with_the_links() -> None:
    assert pool_size("telegram", 30) == 3
    assert pool_size("telegram", 300_000) == 10_000
    assert pool_size("google_drive", 10**6) == 1
    assert templates("telegram", 0)[0].startswith(f"https://t.me/{HOT_CHANNEL}/")


def test_nothing_to_add(app: Flask) -> None:
    with app.app_context():
        assert seed_desk(db.session, 0) == DeskSeeded()
        seed_cases(db.session, 20, rng=random.Random(1))
        assert seed_desk(db.session, 0, links_per_case=0) == DeskSeeded()


def test_dev_seed_command_adds_links_targets_and_requests(app: Flask) -> None:
    args = ["dev", "seed", "--cases", "120", "--links-per-case", "3"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "links" in result.output and "takedown requests" in result.output
    with app.app_context():
        links = db.session.scalar(select(func.count()).select_from(Link)) or 0
        cases = db.session.scalar(select(func.count(distinct(Link.case_id)))) or 1
    assert links and links / cases <= 6
