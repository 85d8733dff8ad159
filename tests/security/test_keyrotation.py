"""Key rotation: after rotating and removing the old key, every case still reads."""

from __future__ import annotations

import io

from sqlalchemy import select, text

from portal.evidence.storage import load
from portal.extensions import db
from portal.models import Case, EvidenceFile, Staff
from portal.security.crypto import generate_data_key
from tests import files
from tests.conftest import TEST_DATA_KEY
from tests.helpers import file_report, open_form, report_data
from tests.staff_helpers import make_staff


def test_rotate_then_drop_the_old_key(make_app, tmp_path):
    old_app = make_app(PORTAL_LIMIT_FILING="100 per hour")
    client = old_app.test_client()
    refs = [
        file_report(client, contact_method="email", contact_email=f"v{n}@example.com")[0]
        for n in range(3)
    ]
    token, key = open_form(client)
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "s.png")]
    assert client.post("/report", data=data, content_type="multipart/form-data").status_code == 303
    make_staff(old_app, "rotate@example.org")

    new_key = generate_data_key()
    new_id = new_key.split(":")[0]
    rotating = make_app(fresh=False, PORTAL_DATA_KEYS=f"{new_key},{TEST_DATA_KEY}")
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "cases.description: 4 re-encrypted" in result.output
    assert "files: 1 re-encrypted" in result.output
    again = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert "total: 0" in again.output

    new_only = make_app(fresh=False, PORTAL_DATA_KEYS=new_key)
    with new_only.app_context():
        raw = db.session.execute(text("SELECT description FROM cases")).scalars().all()
        assert all(value.startswith(f"e2.{new_id}.") for value in raw)
        for ref in refs:
            case = db.session.scalar(select(Case).where(Case.case_ref == ref))
            assert case.description and case.contact_email.endswith("@example.com")
            assert [link.url for link in case.links]
        assert db.session.scalar(select(Staff)).totp_secret
        evidence = db.session.scalar(select(EvidenceFile))
        assert load(new_only.config["PORTAL_UPLOAD_DIR"], evidence.stored_name).startswith(
            b"\x89PNG"
        )


def test_a_planted_value_is_reported_and_the_rest_still_rotates(make_app):
    from sqlalchemy import text as sql

    from tests.helpers import file_report

    old_app = make_app()
    file_report(old_app.test_client(), "en", **{"links-0-note": "a note"})
    file_report(old_app.test_client(), "en")
    with old_app.app_context():
        db.session.execute(sql("UPDATE links SET note = 'e1.kdead.AAAA' WHERE id = 1"))
        db.session.commit()
    new_key = generate_data_key()
    rotating = make_app(fresh=False, PORTAL_DATA_KEYS=f"{new_key},{TEST_DATA_KEY}")
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert "does not open" in result.output and "links.note id 1" in result.output
    assert "cases.description: 2 re-encrypted" in result.output
