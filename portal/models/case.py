"""A victim's report and what hangs off it: links, messages, internal notes; and the
queue's sharded status counters (StatusCount)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.choices import HARMS, HELP, OPEN_STATUSES, codes_of
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.models.files import EvidenceFile
    from portal.models.staff import Staff
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow

OPEN_CASES_SQL = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"


# Closed cases still holding content: the ones the purge (and the queue banner) looks at.
PURGE_PENDING_SQL = "status = 'closed' AND purged_at IS NULL AND NOT legal_hold"


class Case(Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(20), unique=True)
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # HMAC of the receipt with this case's number (portal.cases.receipts); NULL before 0009.
    receipt_check: Mapped[str | None] = mapped_column(String(64))
    submission_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str] = mapped_column(String(5))

    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    priority_rank: Mapped[int] = mapped_column(SmallInteger, default=2)
    team: Mapped[str] = mapped_column(String(20), default="takedown")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    filer: Mapped[str] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    minor_in_content: Mapped[str | None] = mapped_column(String(10))
    minor_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    harm_mask: Mapped[int] = mapped_column(Integer, default=0)
    help_mask: Mapped[int] = mapped_column(Integer, default=0)
    platform_mask: Mapped[int] = mapped_column(Integer, default=0)
    threatened_now: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_info_exposed: Mapped[bool] = mapped_column(Boolean, default=False)

    consent_nonconsensual: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_processing: Mapped[bool] = mapped_column(Boolean, default=False)
    # Separate consent for sensitive information (개인정보 보호법 제23조); from December 2026.
    consent_sensitive: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    consent_takedown: Mapped[bool] = mapped_column(Boolean, default=False)
    preserve_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    # Separate consent: staff may give the image fingerprints (never case data) to platforms
    # and hash-sharing programmes so they can block re-uploads. The victim can change it.
    share_fingerprints: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    guardian_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    description: Mapped[str | None] = mapped_column(
        EncryptedText("case.description", row="case_ref")
    )
    contact_method: Mapped[str] = mapped_column(String(10), default="none")
    contact_email: Mapped[str | None] = mapped_column(
        EncryptedText("case.contact_email", row="case_ref")
    )
    contact_phone: Mapped[str | None] = mapped_column(
        EncryptedText("case.contact_phone", row="case_ref")
    )
    contact_times: Mapped[str | None] = mapped_column(
        EncryptedText("case.contact_times", row="case_ref")
    )
    phone_call_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_ok: Mapped[bool] = mapped_column(Boolean, default=False)

    victim_unread: Mapped[bool] = mapped_column(Boolean, default=False)
    # The receipt page was shown (then no new receipt can be asked for), or a new one was.
    receipt_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_reissued: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # Carried in the victim's status cookie; raising it ends every copy of that cookie.
    status_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadlines (portal/cases/deadlines.py): when each is due, when it was met, the earliest
    # one still pending while the case is open, and the one an overdue alert went out for.
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_request_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignee: Mapped[Staff | None] = relationship("Staff", lazy="joined")
    links: Mapped[list[Link]] = relationship(
        back_populates="case", order_by="Link.position", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="case", order_by="Message.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="case", order_by="Note.id", cascade="all, delete-orphan"
    )
    files: Mapped[list[EvidenceFile]] = relationship(
        "EvidenceFile", order_by="EvidenceFile.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # The queue: open cases, most urgent first, then oldest (keyset pagination).
        Index("ix_cases_queue", "status", "priority_rank", "created_at", "id"),
        # The default "all open cases" view, across the open statuses.
        Index(
            "ix_cases_open_queue",
            "priority_rank",
            "created_at",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        # The other orders of the open queue (portal/cases/queue_sort.py), each a range.
        Index(
            "ix_cases_open_created",
            "created_at",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        Index(
            "ix_cases_open_activity",
            "last_activity_at",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        # By deadline: the dated open cases in order, then the undated open ones by id.
        Index(
            "ix_cases_open_due",
            "due_at",
            "id",
            postgresql_where=text(OPEN_CASES_SQL + " AND due_at IS NOT NULL"),
            sqlite_where=text(OPEN_CASES_SQL + " AND due_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_open_undated",
            "id",
            postgresql_where=text(OPEN_CASES_SQL + " AND due_at IS NULL"),
            sqlite_where=text(OPEN_CASES_SQL + " AND due_at IS NULL"),
        ),
        Index("ix_cases_assignee", "assignee_id", "status"),
        # Overdue and "sort by deadline": only cases with a deadline pending are in it.
        Index(
            "ix_cases_due",
            "due_at",
            "id",
            postgresql_where=text("due_at IS NOT NULL"),
            sqlite_where=text("due_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_purge_pending",
            "closed_at",
            postgresql_where=text(PURGE_PENDING_SQL),
            sqlite_where=text(PURGE_PENDING_SQL),
        ),
    )

    @property
    def harms(self) -> list[str]:
        return codes_of(self.harm_mask, HARMS)

    @property
    def help_wanted(self) -> list[str]:
        return codes_of(self.help_mask, HELP)


class Link(Model):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    url: Mapped[str] = mapped_column(EncryptedText("link.url", row="case_id"))
    url_hash: Mapped[str] = mapped_column(String(64))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(EncryptedText("link.note", row="case_id"))
    takedown_status: Mapped[str] = mapped_column(String(20), default="reported")
    takedown_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # NULL only for links filed before targets existed, until `targets backfill` runs.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    last_request_id: Mapped[int | None] = mapped_column(ForeignKey("takedown_requests.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a removed link is next checked for a re-upload, and how many checks it passed.
    recheck_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recheck_round: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))

    case: Mapped[Case] = relationship(back_populates="links")

    __table_args__ = (
        # Search and related cases: the newest cases holding a link or a source, read from
        # the index alone, however many thousand links a channel has.
        Index("ix_links_url_case", "url_hash", "case_id"),
        Index("ix_links_source_case", "source_hash", "case_id"),
        Index("ix_links_target", "target_id", "id"),
        Index("ix_links_target_state", "target_id", "takedown_status", "id"),
        Index(
            "ix_links_recheck_due",
            "recheck_due_at",
            "id",
            postgresql_where=text("recheck_due_at IS NOT NULL"),
            sqlite_where=text("recheck_due_at IS NOT NULL"),
        ),
    )


class Message(Model):
    """A message between the victim and staff; shown on /status."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # "victim" or "staff"
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(EncryptedText("message.body", row="case_id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class Note(Model):
    """An internal note: staff only, never shown to the victim."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(10), default="note")  # note, priority, hold
    body: Mapped[str] = mapped_column(EncryptedText("note.body", row="case_id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="notes")


class StatusCount(Model):
    """Cases per status, kept up to date in the same transaction as every status change,
    so the queue's tabs never count a million rows.

    Each status has several rows (``shard``); a change bumps one picked at random and
    readers add them up, so concurrent filings do not queue behind one locked row.
    """

    __tablename__ = "status_counts"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer, default=0)
