"""Synthetic targets for `dev seed`: per platform a heavy-tailed pool of channels, bots,
accounts, blogs and websites, with one hot Telegram channel on top.

Names are fixed per platform and rank (``seed_ch000042``, ``seed-site000007.example``), so
a second run finds the same targets and adds to their counts. Every address shape is parsed
once per target with portal.links.parse, so each seeded link reads back as itself and
belongs to its target. Websites use the reserved ``.example`` suffix: nothing real is named.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import Session, table_of
from portal.links import targets
from portal.links.parse import parse_link
from portal.models import Target
from portal.models.sealed import row_identity
from portal.security import crypto

HOT_CHANNEL = "seed_hot_channel"
# The hot channel's share of all links: enough for 12,000 links, within these bounds.
HOT_LINKS = 12_000
HOT_SHARE = (0.04, 0.25)
LINKS_PER_TARGET = 30  # on average: the pool grows with the links expected
MAX_POOL = 200_000
# Zipf-Mandelbrot weights (rank + q) ** -s: a flat head, then a long tail of small targets.
ZIPF_OFFSET = 8.0
ZIPF_EXPONENT = 1.1
_CHUNK = 1000


@dataclass(frozen=True)
class Shape:
    """One way a link into the target is written; ``{n}`` is a post number."""

    template: str
    kind: str
    url_hash: str | None  # the same for every link when there is no number


@dataclass(frozen=True)
class PoolTarget:
    id: int
    platform: str
    source_hash: str | None
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Pool:
    targets: tuple[PoolTarget, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random) -> PoolTarget:
        return rng.choices(self.targets, cum_weights=self.cumulative)[0]


def _telegram(rank: int, tag: str) -> tuple[str, ...]:
    if rank == 0:
        return (f"https://t.me/{HOT_CHANNEL}/{{n}}",) * 9 + (f"https://t.me/{HOT_CHANNEL}",)
    variant = rank % 20
    if variant < 12:
        return (f"https://t.me/seed_ch{tag}/{{n}}",) * 4 + (f"https://t.me/seed_ch{tag}",)
    if variant < 17:
        return (f"https://t.me/seed{tag}_bot",)
    if variant < 19:
        return (f"https://t.me/+Seed{tag}x",)
    return (f"https://t.me/c/{1_700_000_000 + rank}/{{n}}",)


def templates(platform: str, rank: int) -> tuple[str, ...]:
    """The address shapes of the target at ``rank`` in the platform's pool."""
    tag = f"{rank:06d}"
    by_platform = {
        "telegram": lambda: _telegram(rank, tag),
        "x": lambda: (
            (f"https://x.com/seedx{tag}/status/{{n}}",) * 3 + (f"https://x.com/seedx{tag}",)
        ),
        "instagram": lambda: (
            ("https://instagram.com/p/Seed{n}",)
            if rank == 0
            else (f"https://instagram.com/seed_ig{tag}",)
        ),
        "facebook": lambda: (f"https://facebook.com/seedfb{tag}/posts/{{n}}",),
        "youtube": lambda: (
            ("https://youtube.com/watch?v=seed{n}",)
            if rank == 0
            else (f"https://youtube.com/@seedyt{tag}",)
        ),
        "tiktok": lambda: (f"https://tiktok.com/@seedtt{tag}/video/{{n}}",),
        "kakao": lambda: (
            (f"https://open.kakao.com/o/gseed{tag}",)
            if rank % 2
            else (f"https://pf.kakao.com/_seed{tag}",)
        ),
        "naver": lambda: (
            (f"https://cafe.naver.com/seedcafe{tag}/{{n}}",)
            if rank % 3 == 0
            else (f"https://blog.naver.com/seedblog{tag}/{{n}}",)
        ),
        "daum": lambda: (
            (f"https://cafe.daum.net/seedcafe{tag}/x/{{n}}",)
            if rank % 2
            else (f"https://blog.daum.net/seedblog{tag}/{{n}}",)
        ),
        "discord": lambda: (f"https://discord.gg/seed{tag}",),
        "reddit": lambda: (f"https://reddit.com/r/seed{tag}/comments/{{n}}/x",),
        "google_drive": lambda: ("https://drive.google.com/file/d/seed{n}/view",),
        "dcinside": lambda: (f"https://gall.dcinside.com/board/view?id=seed{tag}&no={{n}}",),
    }
    make = by_platform.get(platform)
    return make() if make else (f"https://seed-site{tag}.example/v/{{n}}",)


def pool_size(platform: str, expected_links: float) -> int:
    if platform == "google_drive":
        return 1  # every Drive file is one site target
    return max(3, min(MAX_POOL, round(expected_links / LINKS_PER_TARGET)))


def _weights(size: int, hot_share: float | None) -> list[float]:
    weights = [(rank + ZIPF_OFFSET) ** -ZIPF_EXPONENT for rank in range(size)]
    if hot_share is not None and size > 1:
        rest = sum(weights[1:])
        weights[0] = rest * hot_share / (1 - hot_share)
    return weights


def _identity(platform: str, rank: int) -> tuple[targets.TargetIdentity, str | None, list[Shape]]:
    shapes = []
    for template in dict.fromkeys(templates(platform, rank)):
        sample = template.format(n=1)
        parsed = parse_link(sample)
        if parsed.url != sample or parsed.platform != platform:
            raise ValueError(f"seed shape {template!r} does not read back as itself")
        fixed = "{n}" not in template
        digest = crypto.lookup_digest("link", sample) if fixed else None
        shapes.append(Shape(template, parsed.kind, digest))
    # Every shape of a target has the same source, so the last one parsed names it.
    source = crypto.lookup_digest("source", parsed.source) if parsed.source else None
    weighted = [next(s for s in shapes if s.template == t) for t in templates(platform, rank)]
    return targets.identify(parsed), source, weighted


def _ensure(
    session: Session, identities: list[targets.TargetIdentity], now: datetime
) -> tuple[dict[str, int], set[int]]:
    """Ids by key hash, inserting the targets not there yet; and the ids inserted now."""
    wanted = {identity.key_hash: identity for identity in identities}
    hashes = sorted(wanted)
    found: dict[str, int] = {}
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        found.update(
            session.execute(
                select(Target.key_hash, Target.id).where(Target.key_hash.in_(chunk))
            ).all()
        )
    missing = [key_hash for key_hash in hashes if key_hash not in found]
    if not missing:
        return found, set()
    ring = crypto.ring()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table_of(Target))
        .values(label=bindparam("sealed_label", type_=Text()))
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        rows = [
            {
                "key_hash": key_hash,
                "platform": wanted[key_hash].platform,
                "kind": wanted[key_hash].kind,
                "sealed_label": ring.encrypt_text(
                    wanted[key_hash].label, "target.label", row_identity("key_hash", key_hash)
                ),
                "created_at": now,
                "link_count": 0,
                "open_links": 0,
                "case_count": 0,
                "last_link_at": None,
            }
            for key_hash in chunk
        ]
        session.execute(statement, rows)
    before = set(found.values())
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        found.update(
            session.execute(
                select(Target.key_hash, Target.id).where(Target.key_hash.in_(chunk))
            ).all()
        )
    return found, set(found.values()) - before


def build_pools(
    session: Session, expected: dict[str, float], now: datetime
) -> tuple[dict[str, Pool], set[int]]:
    """A pool per platform sized for the links expected there; the hot channel is the
    Telegram pool's rank 0. Returns the pools and the ids of the targets created now."""
    total = sum(expected.values()) or 1.0
    low, high = HOT_SHARE
    hot = min(max(HOT_LINKS / total, low), high)
    telegram_share = min(hot * total / max(expected.get("telegram", 0.0), 1.0), 0.6)
    plan: dict[str, list[tuple[targets.TargetIdentity, str | None, list[Shape]]]] = {}
    for platform, links in expected.items():
        if links > 0:
            plan[platform] = [
                _identity(platform, rank) for rank in range(pool_size(platform, links))
            ]
    ids, created = _ensure(
        session, [identity for members in plan.values() for identity, _, _ in members], now
    )
    pools = {}
    for platform, members in plan.items():
        weights = _weights(len(members), telegram_share if platform == "telegram" else None)
        cumulative, running = [], 0.0
        for weight in weights:
            running += weight
            cumulative.append(running)
        pools[platform] = Pool(
            tuple(
                PoolTarget(ids[identity.key_hash], platform, source, tuple(shapes))
                for identity, source, shapes in members
            ),
            tuple(cumulative),
        )
    return pools, created
