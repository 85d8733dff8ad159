"""A link on another site, followed by a signed-in staff member, changes and records nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Case
from tests import files
from tests.helpers import file_report, page_text
from tests.staff_helpers import make_staff, staff_client


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _unread_case(app, client) -> str:
    ref, _receipt = file_report(client)
    with app.app_context():
        db.session.execute(Case.__table__.update().values(victim_unread=True))
        db.session.commit()
    return ref


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_case_link_from_another_site_opens_nothing_until_confirmed(app, client, site):
    ref = _unread_case(app, client)
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    before = _audit_count(app)
    page = staff.get(f"/staff/cases/{ref}", headers={"Sec-Fetch-Site": site})
    html = page_text(page)
    assert page.status_code == 200
    assert "다른 사이트의 링크를 눌러 들어왔어요" in html
    assert ref not in html.split("<main", 1)[1].split('href="', 1)[0]
    assert f'href="/staff/cases/{ref}"' in html
    assert _audit_count(app) == before
    with app.app_context():
        assert db.session.scalar(select(Case.victim_unread)) is True
    # The staff member confirms: a same-origin request opens, audits and clears the mark.
    opened = staff.get(f"/staff/cases/{ref}", headers={"Sec-Fetch-Site": "same-origin"})
    assert opened.status_code == 200 and ref in page_text(opened)
    assert _audit_count(app) == before + 1
    with app.app_context():
        assert db.session.scalar(select(Case.victim_unread)) is False


def test_a_download_link_from_another_site_is_not_served_or_audited(app, client):
    import io

    from tests.helpers import open_form, report_data, shown_after

    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "shot.png")]
    sent = client.post("/report", data=data, content_type="multipart/form-data")
    assert shown_after(client, sent).status_code == 303
    with app.app_context():
        ref = db.session.scalar(select(Case.case_ref))
        file_id = db.session.scalar(select(Case).where(Case.case_ref == ref)).files[0].id
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    before = _audit_count(app)
    got = staff.get(
        f"/staff/cases/{ref}/files/{file_id}/download", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert got.status_code == 200
    assert "Content-Disposition" not in got.headers
    assert b"\x89PNG" not in got.data
    assert _audit_count(app) == before


def test_bookmarks_and_typed_addresses_still_open(app, client):
    ref = _unread_case(app, client)
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    for fetch_site in ("none", None):
        headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
        page = staff.get(f"/staff/cases/{ref}", headers=headers)
        assert (page.status_code == 200 and 'id="case-ref"' in page_text(page)) or ref in page_text(
            page
        )


def test_the_confirmation_page_offers_only_our_own_addresses(app):
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    page = staff.get("/staff//evil.example/x", headers={"Sec-Fetch-Site": "cross-site"})
    assert "evil.example" not in page_text(page).split("<main", 1)[1]
