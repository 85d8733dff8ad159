"""Test data through the domain layer: filings, filed cases, links and staff accounts.

Each factory makes a complete, valid object and takes keyword overrides for what a test
cares about, so a test says only what is special about its data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal.cases import counters, intake, retention
from portal.cases.intake import Filed, Filing, LinkInput
from portal.extensions import Session
from portal.links.parse import parse_link
from portal.models import Case, Staff
from portal.security import accounts

PASSWORD = "a long enough passphrase 42"


def link(text: str, note: str = "") -> LinkInput:
    """A link row as a victim would type it (parsed like the form does)."""
    return LinkInput(parse_link(text), note)


def filing(*, links: Iterable[str] = (), **changes: Any) -> Filing:
    """A complete, valid filing: an adult asking for counseling after online harassment."""
    values: dict[str, Any] = {
        "language": "en",
        "filer": "self",
        "harms": ["harassment"],
        "help_wanted": ["counseling"],
        "consent_nonconsensual": True,
        "consent_processing": True,
        "consent_sensitive": True,
        "description": "A test case.",
        "links": [link(text) for text in links],
    }
    values.update(changes)
    for listed in ("harms", "help_wanted"):
        values[listed] = list(values[listed])
    return Filing(**values)


def filed_case(
    session: Session, upload_dir: str | None = None, *, links: Iterable[str] = (), **changes: Any
) -> Filed:
    """File a case as intake does (not committed); returns its case and one-time receipt."""
    return intake.file_case(session, filing(links=links, **changes), upload_dir)


def case_in(session: Session, status: str, assignee_id: int | None = None, **changes: Any) -> Case:
    """A filed, committed case put straight into a status (counters kept right)."""
    case = filed_case(session, **changes).case
    if status == "withdrawn":
        retention.withdraw(session, case)
    elif status != "new":
        counters.adjust(session, "new", status)
        case.status = status
    case.assignee_id = assignee_id
    session.commit()
    return case


def staff(
    session: Session,
    email: str,
    role: str = "staff",
    language: str = "en",
    password: str = PASSWORD,
) -> Staff:
    """A staff account with a fresh TOTP secret (not committed)."""
    return accounts.create_staff(session, email, password, role=role, language=language)
