"""SQLAlchemy models."""

from .audit import AuditEntry, AuditHead
from .case import Case, Link, Message, Note, StatusCount
from .files import EvidenceFile
from .staff import Staff
from .types import utcnow

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
