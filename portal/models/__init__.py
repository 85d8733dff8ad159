"""SQLAlchemy models."""

from portal.models.audit import AuditEntry, AuditHead
from portal.models.case import Case, Link, Message, Note, StatusCount
from portal.models.drafts import Draft
from portal.models.files import EvidenceFile
from portal.models.fingerprints import Fingerprint, FingerprintMatch
from portal.models.outbox import OUTBOX_STATES, OutboxAttempt, OutboxMessage
from portal.models.staff import LoginThrottle, Staff
from portal.models.stats import StatCount
from portal.models.takedown import LinkEvent, TakedownRequest, Target, TargetState
from portal.models.types import utcnow

__all__ = [
    "OUTBOX_STATES",
    "AuditEntry",
    "AuditHead",
    "Case",
    "Draft",
    "EvidenceFile",
    "Fingerprint",
    "FingerprintMatch",
    "Link",
    "LinkEvent",
    "LoginThrottle",
    "Message",
    "Note",
    "OutboxAttempt",
    "OutboxMessage",
    "Staff",
    "StatCount",
    "StatusCount",
    "TakedownRequest",
    "Target",
    "TargetState",
    "utcnow",
]
