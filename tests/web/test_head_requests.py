"""HEAD changes nothing: not the one-time receipt, not the audit trail, not a session."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Case
from scripts.pages import RECEIPT, csrf_token
from tests.helpers import file_report, page_text, post_report
from tests.staff_helpers import make_staff, staff_client


def _audit_entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_head_request_does_not_use_up_the_receipt(app, client):
    assert post_report(client, "en").status_code == 303
    head = client.head("/report/receipt")
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in head.headers["Content-Security-Policy"]
    shown = client.get("/report/receipt")
    assert RECEIPT.search(page_text(shown))
    with app.app_context():
        assert db.session.scalar(select(Case.receipt_shown_at)) is not None


def test_a_head_request_on_staff_pages_leaves_no_audit_entry(app):
    ref, _receipt = file_report(app.test_client(), "en")
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    before = _audit_entries(app)
    for path in (f"/staff/cases/{ref}", "/staff/", "/staff/targets/", "/staff/account"):
        assert staff.head(path).status_code == 200, path
    assert _audit_entries(app) == before
    staff.get(f"/staff/cases/{ref}")
    assert _audit_entries(app) == before + 1  # a real view is recorded


def test_a_head_request_keeps_a_one_time_notice_for_the_page_itself(client):
    token = csrf_token(page_text(client.get("/status?lang=en")))
    wrong = client.post(
        "/status", data={"receipt": "0000-0000-0000-0000-0000", "csrf_token": token}
    )
    assert wrong.status_code == 303
    assert client.head("/status").status_code == 200
    assert "We could not open a report with this code." in page_text(client.get("/status"))


def test_unknown_addresses_and_the_health_checks_answer_head_as_before(client):
    assert client.head("/nowhere").status_code == 404
    assert client.head("/healthz").status_code == 200


def test_options_lists_the_methods_without_touching_the_staff_session(app):
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    with staff.session_transaction() as session:
        session["staff_seen"] = 1_000
        seen = dict(session)
    answer = staff.options("/staff/account")
    assert answer.status_code == 200
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    with staff.session_transaction() as session:
        assert session.get("staff_seen") == seen["staff_seen"]
    assert staff.options("/nowhere").status_code == 404
