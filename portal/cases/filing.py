"""What a victim's report carries into intake, and what intake hands back."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.evidence.files import CleanFile
from portal.evidence.pdq import PDQ
from portal.links.parse import ParsedLink
from portal.models import Case


@dataclass(frozen=True)
class LinkInput:
    parsed: ParsedLink
    note: str = ""


@dataclass
class Filing:
    language: str
    filer: str
    harms: list[str]
    help_wanted: list[str]
    consent_nonconsensual: bool
    consent_processing: bool
    consent_sensitive: bool = False
    age_band: str | None = None
    minor_in_content: str | None = None
    threatened_now: bool = False
    personal_info_exposed: bool = False
    links: list[LinkInput] = field(default_factory=list)
    consent_takedown: bool = False
    preserve_evidence: bool = False
    description: str = ""
    contact_method: str = "none"
    contact_email: str = ""
    contact_phone: str = ""
    phone_call_ok: bool = False
    voicemail_ok: bool = False
    contact_times: str = ""
    guardian_consent: bool = False
    submission_key: str | None = None
    files: list[CleanFile] = field(default_factory=list)
    # PDQ fingerprints made in the victim's browser; the images themselves never arrive.
    fingerprints: list[PDQ] = field(default_factory=list)
    share_fingerprints: bool = False


@dataclass(frozen=True)
class Filed:
    case: Case
    receipt: str
