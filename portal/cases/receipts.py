"""Making and checking victim receipts (확인 코드).

A receipt is 20 random digits shown in groups of four: about 66 bits of randomness, easy
to read aloud and to type on a phone keypad. Only HMACs of it are stored: ``receipt_hash``
to find the case, and ``receipt_check`` over the receipt, the row's id and the case number.
A case's own sealed values are bound to its number and what hangs off it to its id
(portal.models.sealed), so someone who can write the database cannot move one case's
receipt hash onto another row, or swap numbers between rows, and read it with their own
receipt: the check needs the receipt key.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import select, update

from portal.extensions import Session
from portal.models import Case
from portal.security import crypto

RECEIPT_DIGITS = 20
GROUP = 4
# The dashes phones and word processors put between digit groups are separators too.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_.]+")  # noqa: RUF001


def new_receipt() -> str:
    """A fresh receipt as shown to the victim, e.g. ``0381-5520-9174-6603-2288``."""
    digits = f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"
    return format_receipt(digits)


def format_receipt(digits: str) -> str:
    return "-".join(digits[i : i + GROUP] for i in range(0, len(digits), GROUP))


def normalise_receipt(entered: str | None) -> str | None:
    """The 20 digits of what was typed (full-width digits and separators allowed), or None."""
    if not entered or len(entered) > 200:
        return None
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", entered))
    if len(text) != RECEIPT_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return text


def receipt_hash(receipt: str) -> str:
    """The stored form of a receipt; raises ValueError for something that is not one."""
    digits = normalise_receipt(receipt)
    if digits is None:
        raise ValueError("not a receipt")
    return crypto.receipt_digest(digits)


def receipt_columns(receipt: str, case_id: int, case_ref: str) -> dict[str, str]:
    """Both stored HMACs of a receipt for the case in this row."""
    digits = normalise_receipt(receipt)
    if digits is None:
        raise ValueError("not a receipt")
    return {
        "receipt_hash": crypto.receipt_digest(digits),
        "receipt_check": crypto.receipt_binding(digits, case_id, case_ref),
    }


def _bound_here(session: Session, case: Case, digits: str) -> bool:
    expected = crypto.receipt_binding(digits, case.id, case.case_ref)
    if case.receipt_check is not None:
        return crypto.digests_equal(case.receipt_check, expected)
    if not crypto.ring().accept_unbound:
        return False
    # Filed before receipts were tied to their case: tie it now, while the victim holds it.
    session.execute(
        update(Case)
        .where(Case.id == case.id, Case.receipt_check.is_(None))
        .values(receipt_check=expected)
        .execution_options(synchronize_session=False)
    )
    session.expire(case, ["receipt_check"])
    return True


def find_case(session: Session, entered: str | None) -> Case | None:
    """The case a typed receipt opens, or None (a wrong or malformed code)."""
    digits = normalise_receipt(entered)
    if digits is None:
        return None
    digest = crypto.receipt_digest(digits)
    case = session.scalar(select(Case).where(Case.receipt_hash == digest))
    if case is None or not crypto.digests_equal(case.receipt_hash or "", digest):
        return None
    return case if _bound_here(session, case, digits) else None


def belongs_to(session: Session, receipt: str, case_ref: str) -> bool:
    """Whether a receipt is the current one of the case with this number."""
    digits = normalise_receipt(receipt)
    if digits is None:
        return False
    stored = session.execute(
        select(Case.id, Case.receipt_hash, Case.receipt_check).where(Case.case_ref == case_ref)
    ).one_or_none()
    if stored is None or not stored.receipt_hash:
        return False
    if not crypto.digests_equal(stored.receipt_hash, crypto.receipt_digest(digits)):
        return False
    if stored.receipt_check is None:
        return crypto.ring().accept_unbound
    expected = crypto.receipt_binding(digits, stored.id, case_ref)
    return crypto.digests_equal(stored.receipt_check, expected)


def end_status_sessions(session: Session, case: Case) -> None:
    """Every status session opened for this case stops working, copied cookies included."""
    session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(status_generation=Case.status_generation + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(case, ["status_generation"])


def mark_shown(session: Session, case_ref: str, now: datetime) -> None:
    """The receipt page reached the victim: from now on no new receipt can be asked for."""
    session.execute(
        update(Case)
        .where(Case.case_ref == case_ref, Case.receipt_shown_at.is_(None))
        .values(receipt_shown_at=now)
        .execution_options(synchronize_session=False)
    )
