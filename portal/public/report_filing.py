"""A validated report form as the domain's Filing: only what intake needs, nothing more."""

from __future__ import annotations

from portal.cases.filing import Filing
from portal.public.report_form import ReportForm


def filing_from(form: ReportForm, language: str) -> Filing:
    """The validated answers as a domain object (call only after ``form.validate()``)."""
    method = form.contact_method.data
    return Filing(
        language=language,
        filer=form.filer.data,
        age_band=form.age_band.data or None,
        minor_in_content=form.minor_in_content.data or None,
        harms=list(form.harms.data),
        threatened_now=bool(form.threatened_now.data),
        personal_info_exposed=bool(form.personal_info_exposed.data),
        links=list(form.parsed_links),
        help_wanted=list(form.help_wanted.data),
        consent_nonconsensual=True,
        consent_processing=True,
        consent_sensitive=True,
        consent_takedown=bool(form.consent_takedown.data),
        preserve_evidence=bool(form.preserve_evidence.data),
        description=form.cleaned.get("description", ""),
        contact_method=method,
        contact_email=form.cleaned.get("contact_email", "") if method == "email" else "",
        contact_phone=form.cleaned.get("contact_phone", "") if method == "phone" else "",
        phone_call_ok=bool(form.phone_call_ok.data) and method == "phone",
        voicemail_ok=bool(form.voicemail_ok.data) and method == "phone",
        contact_times=form.cleaned.get("contact_times", "") if method == "phone" else "",
        guardian_consent=bool(form.guardian_consent.data),
        submission_key=(form.submission_key.data or "")[:64] or None,
        files=list(form.clean_files),
        fingerprints=list(form.parsed_fingerprints),
        share_fingerprints=bool(form.share_fingerprints.data),
    )
