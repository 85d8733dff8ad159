"""The small victim-facing forms: receipt entry, replies, confirmations (the report form:
report_form.py)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from portal.public.messages import refusal_message
from portal.security.sanitize import TextRefused, clean_field


def csrf_failed(form: FlaskForm) -> bool:
    """Whether the form's own CSRF check failed (the forms that check it themselves)."""
    token = getattr(form, "csrf_token", None)
    return bool(token is not None and token.errors)


class ReceiptForm(FlaskForm):
    receipt = StringField()


class ReplyForm(FlaskForm):
    body = TextAreaField()

    def validate(self, extra_validators: object = None) -> bool:
        super().validate(extra_validators)
        self.cleaned_body = ""
        if csrf_failed(self):
            self.body.errors = [
                _("For your safety the form expired. Please send your message again.")
            ]
            return False
        try:
            self.cleaned_body = clean_field("message", self.body.data)
        except TextRefused as error:
            self.body.errors = [refusal_message(error)]
            return False
        if not self.cleaned_body:
            self.body.errors = [_("Please write a message before sending.")]
            return False
        return True


class ConfirmForm(FlaskForm):
    """A button that needs only the CSRF token: leave, withdraw."""

    confirm = BooleanField()


class SavedForm(FlaskForm):
    """The receipt page's form: confirm it was saved, or download it as a text file.

    It names the receipt page by a one-use nonce, never by the receipt or the case number.
    """

    nonce = HiddenField()
    saved = BooleanField()


class FingerprintForm(FlaskForm):
    """Fingerprints added on /status (made in the browser), and the choice about sharing them."""

    fingerprint = SelectMultipleField(validate_choice=False)
    share_fingerprints = BooleanField()
