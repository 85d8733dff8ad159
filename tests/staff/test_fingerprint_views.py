"""Fingerprints as staff meet them: related cases with their distance, the desk, the CSV."""

from __future__ import annotations

import random

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Case, Link
from tests.helpers import file_report, page_text
from tests.staff_helpers import make_staff, staff_client, token_of

RNG = random.Random(77)
IMAGE = RNG.getrandbits(256)


def near_copy(value: int, bits: list[int]) -> str:
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


def _case(app, case_ref):
    with app.app_context():
        return db.session.scalar(select(Case).where(Case.case_ref == case_ref))


def _two_matching_reports(app):
    first, _ = file_report(app.test_client(), "en", fingerprint=[f"{IMAGE:064x}:90"])
    # A resized copy: a few bits differ.
    second, _ = file_report(
        app.test_client(),
        "en",
        fingerprint=[near_copy(IMAGE, [3, 99, 140, 250]) + ":72"],
        share_fingerprints="y",
    )
    return first, second


def test_both_case_pages_show_the_other_case_and_the_distance(app):
    first, second = _two_matching_reports(app)
    client = staff_client(app, make_staff(app, "worker@example.org"))
    page = page_text(client.get(f"/staff/cases/{first}"))
    matches = page.split('id="image-matches"', 1)[1].split("</ul>", 1)[0]
    assert second in matches and "distance 4 bits" in matches
    assert f"{IMAGE:064x}" in page
    other = page_text(client.get(f"/staff/cases/{second}"))
    assert first in other.split('id="image-matches"', 1)[1].split("</ul>", 1)[0]


def test_a_case_without_matches_says_so(app):
    case_ref, _ = file_report(app.test_client(), "en", fingerprint=[f"{IMAGE:064x}:90"])
    client = staff_client(app, make_staff(app, "worker@example.org"))
    page = page_text(client.get(f"/staff/cases/{case_ref}"))
    assert "No other case has a matching fingerprint yet." in page


def test_the_target_page_shows_the_matching_case_and_distance(app):
    first, second = _two_matching_reports(app)
    client = staff_client(app, make_staff(app, "worker@example.org"))
    with app.app_context():
        target_id = db.session.scalar(
            select(Link.target_id).join(Case).where(Case.case_ref == first)
        )
    page = page_text(client.get(f"/staff/targets/{target_id}?show=all"))
    cells = page.split('class="image-matches"')
    assert any(second in cell.split("</td>", 1)[0] and "(4 bits)" in cell for cell in cells)


def test_the_csv_needs_consent_and_the_assignee_and_is_audited(app):
    first, second = _two_matching_reports(app)
    worker = make_staff(app, "worker@example.org")
    other = make_staff(app, "other@example.org")
    client = staff_client(app, worker)
    token = token_of(client, f"/staff/cases/{second}")
    # Not assigned yet: refused with the reason, no file.
    refused = client.post(f"/staff/cases/{second}/fingerprints.csv", data={"csrf_token": token})
    assert refused.status_code == 303
    assert "Only the person assigned" in page_text(client.get(refused.headers["Location"]))
    client.post(f"/staff/cases/{second}/claim", data={"csrf_token": token})
    done = client.post(f"/staff/cases/{second}/fingerprints.csv", data={"csrf_token": token})
    assert done.status_code == 200
    assert done.mimetype == "text/csv"
    assert "pdq-fingerprints.csv" in done.headers["Content-Disposition"]
    assert second not in done.headers["Content-Disposition"]
    lines = done.get_data(as_text=True).splitlines()
    assert lines[0] == "pdq_hex,quality,first_seen"
    assert lines[1].startswith(near_copy(IMAGE, [3, 99, 140, 250]) + ",72,")
    assert len(lines) == 2
    body = done.get_data(as_text=True)
    assert second not in body and first not in body
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "case.fingerprints_exported")
        )
        assert entry is not None and entry.case_ref == second
    # Without the victim's consent there is no CSV, even for the assignee.
    client.post(f"/staff/cases/{first}/claim", data={"csrf_token": token})
    no_consent = client.post(f"/staff/cases/{first}/fingerprints.csv", data={"csrf_token": token})
    assert no_consent.status_code == 303
    assert "has not agreed to share" in page_text(client.get(no_consent.headers["Location"]))
    # Someone else, not assigned, is refused too.
    stranger = staff_client(app, other)
    stranger_token = token_of(stranger, f"/staff/cases/{second}")
    assert (
        stranger.post(
            f"/staff/cases/{second}/fingerprints.csv", data={"csrf_token": stranger_token}
        ).status_code
        == 303
    )


def test_the_csv_needs_a_valid_form_and_a_real_case(app):
    _first, second = _two_matching_reports(app)
    client = staff_client(app, make_staff(app, "admin@example.org", role="admin"))
    no_token = client.post(f"/staff/cases/{second}/fingerprints.csv")
    assert no_token.status_code in (303, 400)
    assert no_token.mimetype != "text/csv"
    token = token_of(client)
    missing = client.post(
        "/staff/cases/20260101-000000/fingerprints.csv", data={"csrf_token": token}
    )
    assert missing.status_code == 404
