"""What the report form keeps in the victim's session: the form keys the server gave out,
the token of the form in progress, and the receipt waiting to be shown.

A form key is made here and only ever accepted back from the same session, so a key planted
by another site (a page that auto-posts a form to /report) is ignored, and nobody but the
browser that filed can ask for a new receipt.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import session

from portal.security import crypto

KEYS = "report_keys"
DRAFT = "report_draft"
VIEW = "report_view"
RECEIPT_ONCE = "receipt_once"
RECEIPT_SAVE = "receipt_save"
ALREADY = "report_already_filed"
# Forms open in several tabs each keep their own key; older keys drop off.
KEPT_KEYS = 8


def issue_key() -> str:
    """A fresh form key, remembered by this session."""
    key = secrets.token_urlsafe(24)
    keys = [k for k in session.get(KEYS, []) if isinstance(k, str)][-(KEPT_KEYS - 1) :]
    session[KEYS] = [*keys, key]
    return key


def issued_keys() -> list[str]:
    return [key for key in session.get(KEYS, []) if isinstance(key, str)]


def accepted_key(posted: str | None) -> str:
    """The posted key if this session was given it; otherwise a fresh one (never the posted)."""
    if posted and posted in issued_keys():
        return posted
    return issue_key()


def draft_token() -> str | None:
    token = session.get(DRAFT)
    return token if isinstance(token, str) else None


def keep_draft(token: str) -> None:
    session[DRAFT] = token


def show_next(view: dict[str, Any]) -> None:
    """How the next GET of the form shows the draft (errors, notices): once."""
    session[VIEW] = view


def take_view() -> dict[str, Any]:
    view = session.pop(VIEW, None)
    return view if isinstance(view, dict) else {}


def forget_draft() -> str | None:
    token = session.pop(DRAFT, None)
    return token if isinstance(token, str) else None


def hold_receipt(receipt: str, case_ref: str) -> None:
    """The receipt to show once, on the next GET of the receipt page."""
    session[RECEIPT_ONCE] = crypto.ring().encrypt_text(f"{receipt}|{case_ref}", "session.receipt")


def take_receipt() -> tuple[str, str] | None:
    sealed = session.pop(RECEIPT_ONCE, None)
    if not isinstance(sealed, str):
        return None
    receipt, case_ref = crypto.ring().decrypt_text(sealed, "session.receipt").split("|", 1)
    return receipt, case_ref


def allow_saving(receipt: str, case_ref: str) -> str:
    """While the receipt page is open: its download and "I saved it" buttons, by nonce."""
    nonce = secrets.token_urlsafe(16)
    sealed = crypto.ring().encrypt_text(f"{nonce}|{receipt}|{case_ref}", "session.receipt_save")
    session[RECEIPT_SAVE] = sealed
    return nonce


def saving(nonce: str | None) -> tuple[str, str] | None:
    """The receipt the open receipt page shows, if ``nonce`` is that page's."""
    sealed = session.get(RECEIPT_SAVE)
    if not isinstance(sealed, str) or not nonce:
        return None
    expected, receipt, case_ref = (
        crypto.ring().decrypt_text(sealed, "session.receipt_save").split("|", 2)
    )
    if not secrets.compare_digest(expected.encode(), nonce.encode("utf-8", "replace")):
        return None
    return receipt, case_ref


def stop_saving() -> None:
    session.pop(RECEIPT_SAVE, None)


def note_already_filed(case_ref: str) -> None:
    session[ALREADY] = case_ref


def already_filed() -> str | None:
    """The case number of the report this browser sent twice, if it did."""
    case_ref = session.get(ALREADY)
    return case_ref if isinstance(case_ref, str) else None


def forget_already_filed() -> None:
    session.pop(ALREADY, None)
