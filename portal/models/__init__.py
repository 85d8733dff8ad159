"""SQLAlchemy models."""

from .audit import AuditEntry, AuditHead
from .case import Case, Link, Message, Note, StatusCount
from .staff import Staff
from .types import utcnow

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Case",
    "Link",
    "Message",
    "Note",
    "Staff",
    "StatusCount",
    "utcnow",
]
