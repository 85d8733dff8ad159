"""Staff forms. Every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from portal import choices


class LoginForm(FlaskForm):
    email = StringField()
    password = PasswordField()
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField()


class ActionForm(FlaskForm):
    """A button that needs only the CSRF token (logout, claim, release, reveal)."""


class StatusForm(FlaskForm):
    status = SelectField(choices=list(choices.STATUSES), validate_choice=False)


class AssignForm(FlaskForm):
    assignee = SelectField(validate_choice=False)


class PriorityForm(FlaskForm):
    priority = RadioField(choices=list(choices.PRIORITIES), validate_choice=False)
    reason = StringField()


class TextForm(FlaskForm):
    """An internal note or a message to the victim."""

    body = TextAreaField()


class ExportForm(FlaskForm):
    """The police export: whether the internal notes go into the package."""

    include_notes = BooleanField()


class HoldForm(FlaskForm):
    hold = BooleanField()
    reason = StringField()


class AccountForm(FlaskForm):
    language = RadioField(choices=list(choices.LANGUAGE_CODES), validate_choice=False)


class AlertsForm(FlaskForm):
    """My alert e-mails: "on" or "off"."""

    alerts = RadioField(choices=["on", "off"], validate_choice=False)


class PasswordChangeForm(FlaskForm):
    current = PasswordField()
    new = PasswordField()
    confirm = PasswordField()


class NewStaffForm(FlaskForm):
    email = StringField()
    role = RadioField(choices=["staff", "admin"], validate_choice=False)
    language = RadioField(choices=list(choices.LANGUAGE_CODES), validate_choice=False)
