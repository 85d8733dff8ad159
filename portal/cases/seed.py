"""Synthetic cases for benchmarks and demos (`flask --app portal dev seed --cases N`).

Rows go in with bulk Core inserts, a batch at a time. Each sealed value is bound to its own
case (portal.models.sealed), so it is encrypted per row, as a real filing's would be.
Case numbers start with ``S`` so they never collide with real ones (``YYYYMMDD-NNNNNN``).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, bindparam, func, insert, select

from portal.cases import counters
from portal.cases.triage import is_minor_involved, team_for
from portal.choices import HARMS, HELP, PRIORITY_RANK
from portal.extensions import Session, table_of
from portal.links.platforms import PLATFORMS
from portal.models import Case, Staff, utcnow
from portal.models.sealed import row_identity
from portal.security import crypto
from portal.stats import rebuild as stats_rebuild
from portal.workspace_config import DEFAULT_HOURS

KOREA = ZoneInfo("Asia/Seoul")
SPAN = timedelta(days=730)
RETENTION = timedelta(days=90)
DESCRIPTION = "합성 데이터 / synthetic case for benchmarks: a bot made images from my photo."
CONTACT_EMAIL = "synthetic@example.invalid"


@dataclass(frozen=True)
class Weights:
    """A weighted choice among code names, with the cumulative weights computed once."""

    codes: tuple[str, ...]
    cumulative: tuple[int, ...]

    @classmethod
    def of(cls, weights: dict[str, int]) -> Weights:
        return cls(tuple(weights), tuple(accumulate(weights.values())))

    def pick(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.codes, cum_weights=self.cumulative, k=k)


STATUSES = Weights.of(
    {
        "closed": 70,
        "withdrawn": 15,
        "new": 3,
        "triage": 2,
        "in_progress": 5,
        "waiting": 2,
        "monitoring": 3,
    }
)
PRIORITIES = Weights.of({"urgent": 15, "high": 35, "normal": 50})
FILERS = Weights.of({"self": 70, "friend": 15, "guardian": 10, "organisation": 5})
AGE_BANDS = Weights.of({"19plus": 68, "14to18": 14, "under14": 3, "undisclosed": 15})
MINOR_IN_CONTENT = Weights.of({"no19": 80, "yes": 8, "unsure": 12})
PLATFORM_CHOICE = Weights.of({code: (40 if code == "telegram" else 4) for code in PLATFORMS})
ASSIGNED_STATUSES = frozenset({"triage", "in_progress", "waiting", "monitoring"})
ENDED_STATUSES = frozenset({"closed", "withdrawn"})
# Every row must carry every column: one executemany statement covers the whole batch.
OPEN_CASE_DATES = {"closed_at": None, "withdrawn_at": None, "purged_at": None}
SEALED_COLUMNS = ("description", "contact_email")

_HARM_BITS = len(HARMS)
_HELP_TAKEDOWN = 1 << list(HELP).index("takedown")
_HELP_CODES = list(HELP)
_PLATFORM_BIT = {code: 1 << bit for bit, code in enumerate(PLATFORMS)}


def _mask(rng: random.Random, bits: int, most: int) -> int:
    mask = 0
    for bit in rng.sample(range(bits), rng.randint(1, most)):
        mask |= 1 << bit
    return mask


def _platform_mask(rng: random.Random) -> int:
    chosen = set(PLATFORM_CHOICE.pick(rng, rng.randint(1, 2)))
    return sum(_PLATFORM_BIT[code] for code in chosen)


def _help_mask(rng: random.Random) -> int:
    mask = _mask(rng, len(HELP), 3)
    return mask | _HELP_TAKEDOWN if rng.random() < 0.75 else mask


def _team(help_mask: int) -> str:
    return team_for([code for bit, code in enumerate(_HELP_CODES) if help_mask & (1 << bit)])


def _lifecycle(rng: random.Random, status: str, created: datetime, now: datetime) -> dict[str, Any]:
    """Dates and erasure that match the status: closed cases past retention are purged."""
    if status not in ENDED_STATUSES:
        touched = min(created + timedelta(hours=rng.uniform(0, 240)), now)
        return {"last_activity_at": touched, "legal_hold": False}
    ended = min(created + timedelta(days=rng.uniform(1, 60)), now)
    hold = rng.random() < 0.002
    purged_at = None
    if status == "withdrawn" and not hold:
        purged_at = ended
    elif status == "closed" and not hold and ended + RETENTION < now:
        purged_at = ended + RETENTION
    return {
        "last_activity_at": ended,
        "closed_at": ended if status == "closed" else None,
        "withdrawn_at": ended if status == "withdrawn" else None,
        "purged_at": purged_at,
        "legal_hold": hold,
    }


def _deadlines(
    rng: random.Random, row: dict[str, Any], now: datetime
) -> dict[str, datetime | None]:
    """Deadlines at the default hours; cases past "new" were answered, some late."""
    hours = timedelta(hours=DEFAULT_HOURS[row["priority"]])
    created, status = row["created_at"], row["status"]
    response_due = created + hours
    request_due = created + hours if row["consent_takedown"] else None
    answered = status != "new" or rng.random() < 0.2
    first_response = min(created + hours * rng.uniform(0.1, 1.6), now) if answered else None
    requested = request_due is not None and status not in {"new", "triage"}
    first_request = min(created + hours * rng.uniform(0.2, 2.0), now) if requested else None
    pending = [
        due
        for due, met in ((response_due, first_response), (request_due, first_request))
        if due is not None and met is None
    ]
    return {
        "response_due_at": response_due,
        "request_due_at": request_due,
        "first_response_at": first_response,
        "first_request_at": first_request,
        "due_at": min(pending) if pending and status not in ENDED_STATUSES else None,
        "alerted_due_at": None,
    }


def _row(
    rng: random.Random,
    serial: int,
    status: str,
    priority: str,
    now: datetime,
    staff_ids: Sequence[int],
) -> dict[str, Any]:
    created = now - SPAN * rng.random()
    age_band = AGE_BANDS.pick(rng)[0]
    minor_in_content = MINOR_IN_CONTENT.pick(rng)[0]
    help_mask = _help_mask(rng)
    row: dict[str, Any] = {
        "case_ref": f"S{created.astimezone(KOREA):%Y%m%d}-{serial:010d}",
        "receipt_hash": secrets.token_hex(32),
        "created_at": created,
        "language": "en" if rng.random() < 0.1 else "ko",
        "status": status,
        "priority": priority,
        "priority_rank": PRIORITY_RANK[priority],
        "team": _team(help_mask),
        "assignee_id": rng.choice(staff_ids) if staff_ids and status in ASSIGNED_STATUSES else None,
        "filer": FILERS.pick(rng)[0],
        "age_band": age_band,
        "minor_in_content": minor_in_content,
        "minor_involved": is_minor_involved(age_band, minor_in_content),
        "harm_mask": _mask(rng, _HARM_BITS, 3),
        "help_mask": help_mask,
        "platform_mask": _platform_mask(rng),
        "threatened_now": rng.random() < 0.1,
        "personal_info_exposed": rng.random() < 0.15,
        "consent_nonconsensual": True,
        "consent_sensitive": True,
        "consent_processing": True,
        "consent_takedown": bool(help_mask & _HELP_TAKEDOWN),
        "preserve_evidence": rng.random() < 0.3,
        "guardian_consent": False,
        "victim_unread": status in ASSIGNED_STATUSES and rng.random() < 0.05,
        **OPEN_CASE_DATES,
        **_lifecycle(rng, status, created, now),
    }
    row.update(_deadlines(rng, row, now))
    erased = row["purged_at"] is not None
    with_contact = not erased and rng.random() < 0.3
    row["contact_method"] = "email" if with_contact else "none"
    row["has_description"] = not erased and rng.random() < 0.8
    row["has_contact"] = with_contact
    return row


def _statement() -> Any:
    # The sealed columns bind as plain text: their values are already encrypted per batch.
    return insert(table_of(Case)).values(
        {name: bindparam(f"sealed_{name}", type_=Text()) for name in SEALED_COLUMNS}
    )


def _batches(
    rng: random.Random, n: int, batch: int, first_serial: int, now: datetime, staff: list[int]
) -> Iterator[list[dict[str, Any]]]:
    done = 0
    while done < n:
        size = min(batch, n - done)
        statuses = STATUSES.pick(rng, size)
        priorities = PRIORITIES.pick(rng, size)
        yield [
            _row(rng, first_serial + done + i, statuses[i], priorities[i], now, staff)
            for i in range(size)
        ]
        done += size


def _seal(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ring = crypto.ring()
    for row in rows:
        identity = row_identity("case_ref", row["case_ref"])
        description = row.pop("has_description")
        contact = row.pop("has_contact")
        row["sealed_description"] = (
            ring.encrypt_text(DESCRIPTION, "case.description", identity) if description else None
        )
        row["sealed_contact_email"] = (
            ring.encrypt_text(CONTACT_EMAIL, "case.contact_email", identity) if contact else None
        )
    return rows


def seed_cases(
    session: Session,
    n: int,
    *,
    batch: int = 5000,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> int:
    """Add ``n`` synthetic cases with bulk inserts, rebuild the status counts, return ``n``.

    Needs an app context (the key ring). The caller commits.
    """
    if n <= 0:
        return 0
    rng = rng or random.Random()  # noqa: S311 (synthetic data, not secrets)
    now = now or utcnow()
    # Serials continue after the highest id, so repeated runs never reuse a case number.
    first_serial = (session.scalar(select(func.max(Case.id))) or 0) + 1
    staff = list(session.scalars(select(Staff.id).where(Staff.enabled.is_(True))))
    statement = _statement()
    for rows in _batches(rng, n, max(batch, 1), first_serial, now, staff):
        session.execute(statement, _seal(rows))
    counters.recount(session)
    # The bulk inserts bypass the recorders: the statistics are counted from the rows.
    stats_rebuild.add_cases(session, first_serial - 1)
    return n
