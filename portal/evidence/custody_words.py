"""How the police report names what its custody log holds: actions, actors, details, problems.

Labels only; they are read in the case's language when the report is made
(portal.staff.export_views), so they are lazy.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# How the custody log names what happened; an action not listed shows its code.
CUSTODY_ACTIONS = {
    "case.filed": _l("Report filed"),
    "case.viewed": _l("Case opened by staff"),
    "case.claimed": _l("Case taken on"),
    "case.assigned": _l("Case assigned"),
    "case.released": _l("Case released"),
    "case.status": _l("Status changed"),
    "case.priority": _l("Priority changed"),
    "case.note": _l("Internal note written"),
    "case.message": _l("Message sent to the victim"),
    "victim.message": _l("Message from the victim"),
    "victim.fingerprints": _l("Image fingerprints added or sharing choice changed by the victim"),
    "case.fingerprints_exported": _l("Image fingerprints exported for blocking re-uploads"),
    "case.hold": _l("Legal hold changed"),
    "case.exported": _l("Evidence package exported"),
    "case.export_failed": _l("Evidence package download cut off"),
    "case.receipt_reissued": _l("Receipt issued again"),
    "file.revealed": _l("Evidence file shown unblurred"),
    "file.downloaded": _l("Evidence file downloaded"),
    "file.converted": _l("PDF pages made into images"),
    "notice.generated": _l("Takedown notice written"),
    "notice.downloaded": _l("Takedown notice downloaded"),
    "takedown.requested": _l("Takedown requested"),
    "takedown.answered": _l("Platform's answer recorded"),
    "takedown.rechecked": _l("Link checked again"),
}
# What each detail kept from the audit entry means (portal.evidence.export_content).
CUSTODY_DETAILS = {
    "file": _l("File"),
    "position": _l("Position"),
    "old": _l("Before"),
    "new": _l("After"),
    "status": _l("Outcome"),
    "channel": _l("Channel"),
    "links": _l("Links"),
    "hold": _l("Legal hold"),
    "notes": _l("Internal notes included"),
    "files": _l("Files in the package"),
    "manifest_sha256": _l("SHA-256 of manifest.json"),
}
# What a failed check of the case's audit trail means (portal.security.case_trail).
TRAIL_PROBLEMS = {
    "changed": _l("an entry of this case was changed"),
    "link_changed": _l("a link of the chain between entries was changed"),
    "missing": _l("entries are missing from the trail since this case was filed"),
    "head_changed": _l("the end of the trail was changed"),
    "unsealed": _l("an entry of this case was taken out of the chain"),
}
CUSTODY_ACTORS = {
    "victim": _l("The victim"),
    "system": _l("The portal"),
    "recheck": _l("The portal (automatic recheck)"),
}
