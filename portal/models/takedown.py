"""The takedown desk's rows: targets links point into, requests to platforms, link events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow


class Target(Model):
    """A Telegram channel or bot, a platform account, a blog or café, or a website by its
    registrable domain: the place many victims' links point into.

    Found by a keyed hash of its key (``telegram:name``, ``site:example.com``); its label is
    sealed, since an account name can be the victim's own.
    """

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(EncryptedText("target.label", row="key_hash"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept in step with the links in every change (portal/links/targets.py), so the list of
    # targets sorts a million links without counting them.
    link_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    open_links: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    case_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_link_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_targets_by_open_links", "open_links", "case_count", "id"),
        Index("ix_targets_by_cases", "case_count", "open_links", "id"),
    )


class TargetState(Model):
    """How many of a target's links are in each state, kept with every change, so a
    channel with a hundred thousand links shows its breakdown without counting them."""

    __tablename__ = "target_states"

    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    links: Mapped[int] = mapped_column(Integer, default=0)


class TakedownRequest(Model):
    """One request to remove content: to a platform, the commission, a host or the police.

    It covers one link or many (a target's links across cases); each covered link has a
    ``requested`` LinkEvent pointing here, and each answer an ``answered`` one.
    """

    __tablename__ = "takedown_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The sealed answer's row identity, known before the INSERT.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(100))
    link_count: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # removed, partly_removed, refused, unreachable or no_answer, over every answer so far.
    outcome: Mapped[str | None] = mapped_column(String(20))
    answer: Mapped[str | None] = mapped_column(EncryptedText("request.answer", row="token"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_takedown_requests_platform", "platform", "sent_at"),)


class LinkEvent(Model):
    """One step in a link's takedown: requested, answered, rechecked, back again.

    The link's state is the state after its last event; response times come from these
    dates, never typed.
    """

    __tablename__ = "link_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("takedown_requests.id"))
    kind: Mapped[str] = mapped_column(String(20))  # requested, answered, recheck, back
    state: Mapped[str] = mapped_column(String(20))  # the link's state after this event
    outcome: Mapped[str | None] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_link_events_link", "link_id", "id"),
        Index("ix_link_events_request", "request_id", "kind"),
    )
