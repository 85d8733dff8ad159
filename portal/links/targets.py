"""Which target a link points into, and the target rows with their link and case counts.

A link with a ``source`` (a Telegram channel, an account, a blog, an invite) belongs to that
source; any other link to its registrable domain under the public suffix list (private
suffixes included, so two blogs on one hosting suffix are two sites), from the snapshot
tldextract ships: nothing is fetched at run time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import cast
from urllib.parse import urlsplit

import tldextract
from sqlalchemy import Table, bindparam, delete, distinct, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.choices import OPEN_LINK_STATES
from portal.extensions import Session
from portal.links.parse import ParsedLink
from portal.models import Link, Target, TargetState, utcnow
from portal.models.sealed import BoundText, row_identity
from portal.security import crypto

# Source prefix -> (target kind, how its label is written before the name).
_SOURCES: dict[str, tuple[str, str]] = {
    "telegram:c/": ("channel", "t.me/c/"),
    "telegram:+": ("invite", "t.me/+"),
    "telegram:": ("channel", "@"),
    "x:": ("account", "@"),
    "instagram:": ("account", "@"),
    "facebook:": ("account", "facebook.com/"),
    "youtube:": ("account", ""),
    "tiktok:": ("account", ""),
    "kakao:pf/": ("channel", "pf.kakao.com/"),
    "kakao:story/": ("account", "story.kakao.com/"),
    "kakao:o/": ("invite", "open.kakao.com/o/"),
    "naver:blog/": ("blog", "blog.naver.com/"),
    "naver:cafe/": ("cafe", "cafe.naver.com/"),
    "daum:blog/": ("blog", "blog.daum.net/"),
    "daum:cafe/": ("cafe", "cafe.daum.net/"),
    "reddit:r/": ("cafe", "r/"),
    "reddit:u/": ("account", "u/"),
    "discord:invite/": ("server", "discord.gg/"),
    "dcinside:": ("cafe", "gall.dcinside.com/"),
}


_TARGETS = cast(Table, Target.__table__)
_STATES = cast(Table, TargetState.__table__)


@dataclass(frozen=True)
class TargetIdentity:
    key: str
    platform: str
    kind: str
    label: str

    @property
    def key_hash(self) -> str:
        return target_hash(self.key)


def target_hash(key: str) -> str:
    return crypto.lookup_digest("target", key)


@cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """``blog.example.co.kr`` -> ``example.co.kr``; an address or unknown suffix stays whole."""
    parts = _extractor()(host)
    return parts.top_domain_under_public_suffix or host


def identify(parsed: ParsedLink) -> TargetIdentity:
    """The target of a normalised link."""
    source = parsed.source
    if source:
        for prefix, (kind, shown) in _SOURCES.items():
            if source.startswith(prefix):
                name = source[len(prefix) :]
                if prefix == "telegram:" and name.endswith("bot"):
                    kind = "bot"
                if prefix == "telegram:+" and name.isdigit():
                    kind = "account"  # a phone number's profile, not an invite
                return TargetIdentity(source, parsed.platform, kind, shown + name)
    host = urlsplit(parsed.url).hostname or ""
    domain = registrable_domain(host)
    return TargetIdentity("site:" + domain, parsed.platform, "site", domain)


def ensure_targets(session: Session, identities: Iterable[TargetIdentity]) -> dict[str, int]:
    """Target ids by key, creating missing targets; safe when filings race for a new one."""
    wanted = {identity.key_hash: identity for identity in identities}
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "key_hash": key_hash,
            "platform": identity.platform,
            "kind": identity.kind,
            "label": BoundText(identity.label, row_identity("key_hash", key_hash)),
            "created_at": utcnow(),
        }
        for key_hash, identity in sorted(wanted.items())  # one lock order for every filer
    ]
    session.execute(insert(Target).on_conflict_do_nothing(index_elements=["key_hash"]), rows)
    found = session.execute(
        select(Target.key_hash, Target.id).where(Target.key_hash.in_(wanted))
    ).all()
    by_hash = dict(found)
    return {wanted[key_hash].key: by_hash[key_hash] for key_hash in wanted}


def count_links(session: Session, links: Iterable[tuple[int | None, str]], sign: int = 1) -> None:
    """Add (or, with ``sign=-1``, take away) one case's links, as (target id, state) pairs,
    to their targets' counts.

    Increments, never recounts: two filings into one channel at once both count. Rows are
    updated in id order so concurrent filings never deadlock on two targets.
    """
    totals: Counter[int] = Counter()
    still_open: Counter[int] = Counter()
    by_state: Counter[tuple[int, str]] = Counter()
    for target_id, state in links:
        if target_id is not None:
            totals[target_id] += 1
            still_open[target_id] += state in OPEN_LINK_STATES
            by_state[target_id, state] += sign
    if not totals:
        return
    now = utcnow() if sign > 0 else None
    table = _TARGETS.c
    session.execute(
        update(_TARGETS)
        .where(table.id == bindparam("tid"))
        .values(
            link_count=table.link_count + bindparam("links"),
            open_links=table.open_links + bindparam("open"),
            case_count=table.case_count + sign,
            last_link_at=func.coalesce(now, table.last_link_at),
        ),
        [
            {"tid": tid, "links": sign * totals[tid], "open": sign * still_open[tid]}
            for tid in sorted(totals)
        ],
    )
    bump_states(session, by_state)


def bump_states(session: Session, deltas: Counter[tuple[int, str]]) -> None:
    """Add links to (or take them from) each target's count per state, in one row order."""
    rows = [
        {"target_id": tid, "state": state, "links": delta}
        for (tid, state), delta in sorted(deltas.items())
        if delta
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_STATES)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["target_id", "state"],
            set_={"links": _STATES.c.links + statement.excluded.links},
        ),
        rows,
    )


def move_links(session: Session, moves: Iterable[tuple[int | None, str, str]]) -> None:
    """Links of targets moved from one state to another: (target id, old, new) each."""
    deltas: Counter[int] = Counter()
    by_state: Counter[tuple[int, str]] = Counter()
    for tid, old, new in moves:
        if tid is None or old == new:
            continue
        deltas[tid] += (new in OPEN_LINK_STATES) - (old in OPEN_LINK_STATES)
        by_state[tid, old] -= 1
        by_state[tid, new] += 1
    bump_states(session, by_state)
    changes = [{"tid": tid, "delta": delta} for tid, delta in sorted(deltas.items()) if delta]
    if changes:
        table = _TARGETS.c
        session.execute(
            update(_TARGETS)
            .where(table.id == bindparam("tid"))
            .values(open_links=table.open_links + bindparam("delta")),
            changes,
        )


def recount(session: Session, target_ids: Iterable[int] | None = None) -> int:
    """Count the targets' links and cases again from the links; the repair for counts."""
    query = select(Target.id)
    if target_ids is not None:
        query = query.where(Target.id.in_(list(target_ids)))
    ids = list(session.scalars(query.order_by(Target.id)))
    for tid in ids:
        links, cases = session.execute(
            select(func.count(Link.id), func.count(distinct(Link.case_id))).where(
                Link.target_id == tid
            )
        ).one()
        still_open = session.scalar(
            select(func.count(Link.id)).where(
                Link.target_id == tid, Link.takedown_status.in_(OPEN_LINK_STATES)
            )
        )
        session.execute(
            update(Target)
            .where(Target.id == tid)
            .values(link_count=links, open_links=still_open, case_count=cases)
            .execution_options(synchronize_session=False)
        )
    recount_states(session, ids)
    return len(ids)


def recount_states(session: Session, target_ids: list[int]) -> None:
    """Count each target's links per state again from the links (set-based, in batches)."""
    for start in range(0, len(target_ids), 1000):
        chunk = target_ids[start : start + 1000]
        session.execute(delete(_STATES).where(_STATES.c.target_id.in_(chunk)))
        session.execute(
            insert(_STATES).from_select(
                ["target_id", "state", "links"],
                select(Link.target_id, Link.takedown_status, func.count())
                .where(Link.target_id.in_(chunk))
                .group_by(Link.target_id, Link.takedown_status),
            )
        )


def state_counts(session: Session, target_id: int) -> Counter[str]:
    rows = session.execute(
        select(TargetState.state, TargetState.links).where(
            TargetState.target_id == target_id, TargetState.links > 0
        )
    ).all()
    return Counter({state: links for state, links in rows})
