"""SQLAlchemy models."""

from portal.models.audit import AuditEntry, AuditHead
from portal.models.case import Case, Link, Message, Note, StatusCount
from portal.models.files import EvidenceFile
from portal.models.staff import Staff
from portal.models.types import utcnow

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Case",
    "EvidenceFile",
    "Link",
    "Message",
    "Note",
    "Staff",
    "StatusCount",
    "utcnow",
]
