"""The report form: every answer checked and cleaned, links parsed, files checked."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from portal import choices
from portal.cases.intake import LinkInput
from portal.config import MAX_LINK_ROWS
from portal.evidence.files import CleanFile
from portal.evidence.pdf_render import PdfLimits
from portal.evidence.pdq import PDQ
from portal.links.parse import LinkRejected, parse_link
from portal.mail.compose import MailError, parse_address
from portal.public.file_checks import check_files
from portal.public.fingerprint_fields import check_fingerprints
from portal.public.forms import csrf_failed
from portal.public.link_rows import BoundedFieldList, LinkEntry
from portal.public.messages import link_message, missing_consent_message, refusal_message
from portal.security.accounts import EMAIL_PATTERN
from portal.security.sanitize import TextRefused, clean_field

DEFAULT_LINK_ROWS = 3
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-()]{6,24}$")


def _mailable(email: str) -> bool:
    """An address the victim's notice can really be sent to: the rules that build the mail
    decide, so no address is taken here that silently gets no notice later."""
    if not EMAIL_PATTERN.match(email):
        return False
    try:
        parse_address(email)
    except MailError:
        return False
    return True


class ReportForm(FlaskForm):
    filer = RadioField(choices=list(choices.FILERS), validate_choice=False)
    age_band = RadioField(choices=list(choices.AGE_BANDS_ASKED), validate_choice=False)
    minor_in_content = RadioField(
        choices=list(choices.MINOR_IN_CONTENT_ASKED), validate_choice=False
    )
    harms = SelectMultipleField(choices=list(choices.HARMS), validate_choice=False)
    threatened_now = BooleanField()
    personal_info_exposed = BooleanField()
    links = BoundedFieldList(
        FormField(LinkEntry), min_entries=DEFAULT_LINK_ROWS, max_entries=MAX_LINK_ROWS
    )
    help_wanted = SelectMultipleField(choices=list(choices.HELP), validate_choice=False)
    description = TextAreaField()
    contact_method = RadioField(
        choices=list(choices.CONTACT_METHODS), default="none", validate_choice=False
    )
    contact_email = StringField()
    contact_phone = StringField()
    phone_call_ok = BooleanField()
    voicemail_ok = BooleanField()
    contact_times = StringField()
    guardian_consent = BooleanField()
    consent_nonconsensual = BooleanField()
    consent_processing = BooleanField()
    consent_sensitive = BooleanField()
    consent_takedown = BooleanField()
    preserve_evidence = BooleanField()
    # Made in the browser by static/js/fingerprints.js; only these numbers are ever posted.
    fingerprint = SelectMultipleField(validate_choice=False)
    share_fingerprints = BooleanField()
    submission_key = HiddenField()
    # Honeypot: hidden from people (and screen readers); bots fill it in.
    website = StringField()

    def __init__(self, *args: object, max_links: int = 20, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.max_links = max_links
        self.summary: list[tuple[str, str]] = []
        self.parsed_links: list[LinkInput] = []
        self.cleaned: dict[str, str] = {}
        self.clean_files: list[CleanFile] = []
        self.file_errors: list[str] = []
        self.parsed_fingerprints: list[PDQ] = []

    # -- helpers ---------------------------------------------------------------------
    def _fail(self, field_id: str, errors: list[str], message: str) -> None:
        errors.append(message)
        self.summary.append((field_id, message))

    def _one_of(self, field: RadioField, vocabulary: dict, message: str | None) -> None:
        if field.data in vocabulary:
            return
        field.data = None
        if message:
            self._fail(field.id, field.errors, message)

    def _text(self, field: StringField | TextAreaField, kind: str) -> str:
        try:
            value = clean_field(kind, field.data)
        except TextRefused as error:
            self._fail(field.id, field.errors, refusal_message(error))
            return ""
        self.cleaned[field.name] = value
        return value

    def add_link_row(self) -> bool:
        if len(self.links.entries) >= self.max_links:
            return False
        self.links.append_entry()
        return True

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    # -- validation ------------------------------------------------------------------
    def validate(self, extra_validators: object = None) -> bool:
        super().validate(extra_validators)
        self.summary = []
        if csrf_failed(self):
            self.summary.append(
                (
                    "report-form",
                    _(
                        "For your safety the form expired. "
                        "Please check your answers and send again."
                    ),
                )
            )

        self._one_of(self.filer, choices.FILERS, _("Please tell us who is filing this report."))
        self._one_of(self.age_band, choices.AGE_BANDS_ASKED, None)
        self._one_of(self.minor_in_content, choices.MINOR_IN_CONTENT_ASKED, None)

        self.harms.data = [h for h in (self.harms.data or []) if h in choices.HARMS]
        if not self.harms.data:
            self._fail(
                "harms", self.harms.errors, _("Please choose at least one thing that happened.")
            )

        self._validate_links()
        description = self._text(self.description, "description")
        if (
            not self.parsed_links
            and not description
            and not self.summary_has("links", "description")
        ):
            self._fail(
                "links-0-url",
                self.links.entries[0].form.url.errors,
                _("Please give at least one link, or describe what happened in your own words."),
            )

        self.help_wanted.data = [h for h in (self.help_wanted.data or []) if h in choices.HELP]
        if not self.help_wanted.data:
            self._fail(
                "help_wanted",
                self.help_wanted.errors,
                _("Please choose at least one kind of help."),
            )

        self._validate_contact()
        self._validate_fingerprints()

        for consent in (
            self.consent_nonconsensual,
            self.consent_sensitive,
            self.consent_processing,
        ):
            if not consent.data:
                self._fail(consent.id, consent.errors, missing_consent_message(consent.name))
        if "takedown" in self.help_wanted.data and not self.consent_takedown.data:
            self._fail(
                self.consent_takedown.id,
                self.consent_takedown.errors,
                _("To ask platforms to remove it, we need your agreement to act for you."),
            )
        return not self.summary

    def validate_files(
        self,
        uploads: list,
        max_files: int,
        max_bytes: int,
        pixel_budget: int,
        pdf_limits: PdfLimits | None = None,
    ) -> bool:
        """Check the chosen evidence files; errors go to the summary and the file field."""
        self.clean_files, errors = check_files(
            uploads, self.minor_in_content.data, max_files, max_bytes, pixel_budget, pdf_limits
        )
        for message in errors:
            self._fail("evidence", self.file_errors, message)
        return not errors

    def add_file_error(self, message: str) -> None:
        """A file refused when the form was sent, shown again with the kept answers."""
        self._fail("evidence", self.file_errors, message)

    def summary_has(self, *prefixes: str) -> bool:
        return any(field_id.startswith(prefixes) for field_id, _msg in self.summary)

    def _validate_links(self) -> None:
        self.parsed_links = []
        seen: set[str] = set()
        for entry in self.links.entries:
            row = entry.form
            note = self._text(row.note, "link_note")
            raw = (row.url.data or "").strip()
            if not raw:
                if note:
                    self._fail(
                        row.url.id, row.url.errors, _("Please add the link this note is about.")
                    )
                continue
            try:
                parsed = parse_link(raw)
            except LinkRejected as error:
                self._fail(row.url.id, row.url.errors, link_message(error))
                continue
            if parsed.url not in seen:
                seen.add(parsed.url)
                self.parsed_links.append(LinkInput(parsed=parsed, note=note))
        if len(self.parsed_links) > self.max_links:
            self._fail(
                "links",
                [],
                _("You can add up to %(max)d links.", max=self.max_links),
            )

    def _validate_fingerprints(self) -> None:
        config = current_app.config
        self.parsed_fingerprints, problems = check_fingerprints(
            list(self.fingerprint.data or []),
            config["PORTAL_FINGERPRINT_MAX"],
            config["PORTAL_FINGERPRINT_MIN_QUALITY"],
        )
        self.fingerprint.data = [pdq.field for pdq in self.parsed_fingerprints]
        for message in problems:
            self._fail("fingerprints", self.fingerprint.errors, message)

    def _validate_contact(self) -> None:
        self._one_of(self.contact_method, choices.CONTACT_METHODS, None)
        method = self.contact_method.data or "none"
        self.contact_method.data = method
        if method == "email":
            email = self._text(self.contact_email, "email")
            if not self.contact_email.errors and not _mailable(email):
                self._fail(
                    self.contact_email.id,
                    self.contact_email.errors,
                    _("Please enter an email address like name@example.com."),
                )
        elif method == "phone":
            phone = self._text(self.contact_phone, "phone")
            self._text(self.contact_times, "contact_times")
            if not self.contact_phone.errors and not PHONE_PATTERN.match(phone):
                self._fail(
                    self.contact_phone.id,
                    self.contact_phone.errors,
                    _("Please enter a phone number with digits only, like 010-1234-5678."),
                )
        if (
            method != "none"
            and self.filer.data == "self"
            and self.age_band.data == "under14"
            and not self.guardian_consent.data
        ):
            self._fail(
                self.guardian_consent.id,
                self.guardian_consent.errors,
                _(
                    "If you are under 14, we can contact you only with a parent's or guardian's "
                    "agreement. You can also choose not to be contacted and use your receipt code."
                ),
            )
