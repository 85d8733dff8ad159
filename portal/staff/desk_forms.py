"""The takedown desk's forms (requests, answers, rechecks, notices), and reading what they
carry: days, link ids, references."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from portal import choices
from portal.cases.workflow import WorkflowError
from portal.security.sanitize import clean_field

KOREA = ZoneInfo("Asia/Seoul")
# More ids than any target page shows at once; a bigger list is a forged form.
MAX_LINK_IDS = 2000
# A row id in a desk address: the ids are 32-bit columns, so a bigger number is no row
# (404), never a database error.
ROW_ID = "int(max=2147483647)"


class NoticeForm(FlaskForm):
    subject = StringField()
    body = TextAreaField()
    to = StringField()
    channel = HiddenField()
    target_id = HiddenField()
    sent_on = StringField()


class TakedownRequestForm(FlaskForm):
    channel = SelectField(choices=list(choices.REQUEST_CHANNELS), validate_choice=False)
    sent_on = StringField()
    reference = StringField()
    scope = RadioField(choices=["open", "selected"], validate_choice=False, default="open")


class AnswerForm(FlaskForm):
    outcome = SelectField(choices=list(choices.REQUEST_OUTCOMES), validate_choice=False)
    answered_on = StringField()
    reference = StringField()
    answer = TextAreaField()
    scope = RadioField(choices=["all", "selected"], validate_choice=False, default="all")


class RecheckForm(FlaskForm):
    result = RadioField(choices=["gone", "back"], validate_choice=False)
    checked_on = StringField()


def moment_of(raw: str | None, now: datetime) -> datetime:
    """A day staff typed (YYYY-MM-DD, Korean calendar) as a moment: today is now, another
    day is its midday, so the day shown back is the day typed."""
    raw = (raw or "").strip()
    if not raw:
        return now
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise WorkflowError("bad_date") from None
    if day == now.astimezone(KOREA).date():
        return now
    return datetime.combine(day, time(12), tzinfo=KOREA)


def link_ids(values: list[str]) -> list[int]:
    if len(values) > MAX_LINK_IDS:
        raise WorkflowError("no_links")
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


def reference_of(raw: str | None) -> str | None:
    """The platform's reference number: one short line."""
    return clean_field("reference", raw) or None
