"""Who may export a case, or its image fingerprints, now: a reason in words, or None.

Staff see the reason on the case page instead of a button that would fail.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.models import Case, Staff


def case_export_refusal(case: Case, staff: Staff) -> str | None:
    """Why this person may not export this case now, in words for them; None if they may."""
    if case.status == "withdrawn" or case.purged_at is not None:
        return _("This case was withdrawn or its content erased, so there is nothing to export.")
    if not (staff.is_admin or case.assignee_id == staff.id):
        return _("Only the person assigned to this case or an administrator can export it.")
    if not (case.legal_hold or case.preserve_evidence):
        return _(
            "Export needs a legal hold or the victim's consent to keep evidence. "
            "Ask the victim, or place a legal hold with a reason."
        )
    return None


def fingerprint_export_refusal(case: Case, staff: Staff, held: int) -> str | None:
    """Why this person may not export this case's fingerprints now; None if they may."""
    if case.status == "withdrawn" or case.purged_at is not None or not held:
        return _("This case has no fingerprints to export.")
    if not case.share_fingerprints:
        return _(
            "The victim has not agreed to share the fingerprints, so they stay with our staff."
        )
    if not (staff.is_admin or case.assignee_id == staff.id):
        return _("Only the person assigned to this case or an administrator can export them.")
    return None
