"""Creating a case from a submitted report: pure domain code, no request objects."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.cases import alerts, counters, deadlines
from portal.cases.filing import Filed, Filing, LinkInput
from portal.cases.receipts import end_status_sessions, new_receipt, receipt_columns, receipt_hash
from portal.cases.triage import is_minor_involved, route
from portal.choices import HARMS, HELP, PRIORITY_RANK, mask_of
from portal.evidence import fingerprints, records
from portal.evidence.files import CleanFile
from portal.extensions import Session, rows_changed
from portal.links import targets
from portal.links.platforms import PLATFORMS
from portal.models import Case, Link, utcnow
from portal.security import audit, crypto
from portal.stats import record as stats

KOREA = ZoneInfo("Asia/Seoul")
CASE_REF_ATTEMPTS = 8
__all__ = ["DuplicateSubmission", "Filed", "Filing", "IntakeRefused", "LinkInput", "file_case"]


class IntakeRefused(ValueError):
    """A report that breaks a rule the form should already have enforced."""


class DuplicateSubmission(Exception):
    """The same form was sent twice (a double tap, a resend); the first filing stands."""

    def __init__(self, case_ref: str) -> None:
        super().__init__(case_ref)
        self.case_ref = case_ref


def new_case_ref(now: datetime) -> str:
    """The public case number: the filing date in Korea and six random digits."""
    return f"{now.astimezone(KOREA):%Y%m%d}-{secrets.randbelow(10**6):06d}"


def _check(filing: Filing) -> None:
    if not filing.harms or not set(filing.harms) <= set(HARMS):
        raise IntakeRefused("at least one known harm type is required")
    if not filing.help_wanted or not set(filing.help_wanted) <= set(HELP):
        raise IntakeRefused("at least one known kind of help is required")
    if not (
        filing.consent_nonconsensual and filing.consent_processing and filing.consent_sensitive
    ):
        raise IntakeRefused("the three required consents are missing")
    if "takedown" in filing.help_wanted and not filing.consent_takedown:
        raise IntakeRefused("takedown needs the deletion consent")
    if not filing.links and not filing.description:
        raise IntakeRefused("a link or a description is required")
    if filing.files and files_not_allowed(filing.minor_in_content):
        raise IntakeRefused("no files when the person shown may be under 19")
    if (
        filing.contact_method != "none"
        and needs_guardian_consent(filing)
        and not filing.guardian_consent
    ):
        raise IntakeRefused("a victim under 14 filing alone needs a guardian's consent")


def files_not_allowed(minor_in_content: str | None) -> bool:
    """Possessing sexual images of minors is itself a crime: take links only, never files."""
    return minor_in_content in {"yes", "unsure"}


def needs_guardian_consent(filing: Filing) -> bool:
    return filing.filer == "self" and filing.age_band == "under14"


def _build_case(filing: Filing, now: datetime, target_ids: dict[str, int]) -> Case:
    minor = is_minor_involved(filing.age_band, filing.minor_in_content)
    routing = route(
        help_wanted=filing.help_wanted,
        minor_involved=minor,
        threatened_now=filing.threatened_now,
        personal_info_exposed=filing.personal_info_exposed,
        harms=filing.harms,
        has_links=bool(filing.links),
    )
    contact = filing.contact_method
    case = Case(
        created_at=now,
        last_activity_at=now,
        language=filing.language,
        status="new",
        priority=routing.priority,
        priority_rank=PRIORITY_RANK[routing.priority],
        team=routing.team,
        filer=filing.filer,
        age_band=filing.age_band,
        minor_in_content=filing.minor_in_content,
        minor_involved=minor,
        harm_mask=mask_of(filing.harms, HARMS),
        help_mask=mask_of(filing.help_wanted, HELP),
        platform_mask=mask_of({link.parsed.platform for link in filing.links}, PLATFORMS),
        threatened_now=filing.threatened_now,
        personal_info_exposed=filing.personal_info_exposed,
        consent_nonconsensual=filing.consent_nonconsensual,
        consent_sensitive=filing.consent_sensitive,
        consent_processing=filing.consent_processing,
        consent_takedown=filing.consent_takedown,
        preserve_evidence=filing.preserve_evidence,
        share_fingerprints=filing.share_fingerprints and bool(filing.fingerprints),
        guardian_consent=filing.guardian_consent,
        description=filing.description or None,
        contact_method=contact,
        contact_email=(filing.contact_email or None) if contact == "email" else None,
        contact_phone=(filing.contact_phone or None) if contact == "phone" else None,
        phone_call_ok=filing.phone_call_ok if contact == "phone" else False,
        voicemail_ok=filing.voicemail_ok if contact == "phone" else False,
        contact_times=(filing.contact_times or None) if contact == "phone" else None,
    )
    for position, item in enumerate(filing.links):
        parsed = item.parsed
        target_id = target_ids[targets.identify(parsed).key]
        case.links.append(
            Link(
                position=position,
                url=parsed.url,
                url_hash=crypto.lookup_digest("link", parsed.url),
                source_hash=crypto.lookup_digest("source", parsed.source)
                if parsed.source
                else None,
                platform=parsed.platform,
                kind=parsed.kind,
                note=item.note or None,
                target_id=target_id,
            )
        )
    return case


def _store_files(session: Session, case: Case, files: list[CleanFile], upload_dir: str) -> int:
    for position, clean in enumerate(files):
        records.add_file(session, case.id, position, clean, upload_dir)
    return len(files)


def file_case(
    session: Session,
    filing: Filing,
    upload_dir: str | None = None,
    hours: deadlines.Deadlines | None = None,
) -> Filed:
    """Store a new case with its links and files, route it, and return its one-time receipt.
    Files are written (encrypted) before the caller commits and removed if it does not."""
    _check(filing)
    if filing.files and not upload_dir:
        raise ValueError("files need an upload directory")
    submission_hash = (
        crypto.lookup_digest("submission", filing.submission_key) if filing.submission_key else None
    )
    if submission_hash:
        earlier = session.scalar(
            select(Case.case_ref).where(Case.submission_hash == submission_hash)
        )
        if earlier:
            raise DuplicateSubmission(earlier)
    now = utcnow()
    target_ids = targets.ensure_targets(
        session, [targets.identify(item.parsed) for item in filing.links]
    )
    for _attempt in range(CASE_REF_ATTEMPTS):
        receipt = new_receipt()
        case = _build_case(filing, now, target_ids)
        deadlines.schedule(case, hours or deadlines.Deadlines())
        case.case_ref = new_case_ref(now)
        case.receipt_hash = receipt_hash(receipt)
        case.submission_hash = submission_hash
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
                # The check covers the row's id, known only now.
                case.receipt_check = receipt_columns(receipt, case.id, case.case_ref)[
                    "receipt_check"
                ]
                session.flush()
        except IntegrityError:
            # A case number taken a moment ago, or this very form filed in parallel.
            if submission_hash:
                earlier = session.scalar(
                    select(Case.case_ref).where(Case.submission_hash == submission_hash)
                )
                if earlier:
                    raise DuplicateSubmission(earlier) from None
            taken = session.scalar(select(Case.id).where(Case.case_ref == case.case_ref))
            if taken is None:
                raise  # not a number taken: a database fault, which keeps the victim's form
            continue
        stored = _store_files(session, case, filing.files, upload_dir) if upload_dir else 0
        # Compared with other cases after the victim's page is sent (fingerprint_matching).
        fingerprints.store(session, case.id, filing.fingerprints, now)
        counters.adjust(session, None, "new")
        stats.case_filed(session, case)
        # Last, so a hot channel's row stays locked only for the commit that follows.
        targets.count_links(session, [(link.target_id, "reported") for link in case.links])
        audit.record(
            session,
            "case.filed",
            actor="victim",
            case_ref=case.case_ref,
            priority=case.priority,
            team=case.team,
            links=len(case.links),
            language=case.language,
            files=stored,
            fingerprints=len(filing.fingerprints),
        )
        alerts.urgent(session, case)  # queued with the filing: one e-mail, no content
        return Filed(case=case, receipt=receipt)
    raise RuntimeError("could not allocate a unique case number")


def reissue_receipt(
    session: Session, submission_keys: list[str], now: datetime, window_minutes: int
) -> Filed | None:
    """A new receipt for a report whose receipt page never reached the browser that filed it.

    ``submission_keys`` are the form keys the server gave that browser's session (never a key
    a client sends). Only once, only within ``window_minutes`` of filing, and only while the
    first receipt page was never shown; the old receipt stops working. None otherwise.
    """
    hashes = [crypto.lookup_digest("submission", key) for key in submission_keys if key]
    if not hashes:
        return None
    case = session.scalar(
        select(Case).where(
            Case.submission_hash.in_(hashes),
            Case.created_at >= now - timedelta(minutes=window_minutes),
            Case.receipt_shown_at.is_(None),
            Case.receipt_reissued.is_(False),
            Case.status != "withdrawn",
        )
    )
    if case is None:
        return None
    receipt = new_receipt()
    # Compare-and-set: of several requests racing here (a double tap), one wins; the others
    # get nothing rather than a receipt that the winner's makes useless.
    won = session.execute(
        update(Case)
        .where(
            Case.id == case.id,
            Case.receipt_reissued.is_(False),
            Case.receipt_shown_at.is_(None),
        )
        .values(**receipt_columns(receipt, case.id, case.case_ref), receipt_reissued=True)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(won) != 1:
        return None
    session.expire(case, ["receipt_hash", "receipt_check", "receipt_reissued"])
    end_status_sessions(session, case)
    audit.record(session, "case.receipt_reissued", actor="victim", case_ref=case.case_ref)
    return Filed(case=case, receipt=receipt)
