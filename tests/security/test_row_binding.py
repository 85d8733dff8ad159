"""Sealed values are bound to their row: someone who can write the database but holds no
key cannot move victim A's words into case B and read them with B's receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import Case, Message, Staff
from portal.security import crypto
from portal.security.crypto import DecryptionError
from scripts.pages import csrf_token
from tests.helpers import file_report, open_status, page_text
from tests.staff_helpers import make_staff

SECRET = "ZQX-A-only-words"


def _two_cases(app):
    """Victim A (with a message and a description only A wrote) and victim B."""
    victim_a, victim_b = app.test_client(), app.test_client()
    ref_a, receipt_a = file_report(victim_a, "en", description=f"{SECRET} description")
    page = open_status(victim_a, receipt_a)
    token = csrf_token(page_text(victim_a.get(page.headers["Location"])))
    sent = victim_a.post(
        "/status/case/reply", data={"body": f"{SECRET} message", "csrf_token": token}
    )
    assert sent.status_code == 303
    ref_b, receipt_b = file_report(victim_b, "en", description="B's own words")
    page = open_status(victim_b, receipt_b)
    token = csrf_token(page_text(victim_b.get(page.headers["Location"])))
    victim_b.post("/status/case/reply", data={"body": "B's message", "csrf_token": token})
    return ref_a, ref_b, app.test_client(), receipt_b


def _ids(app, ref_a, ref_b):
    with app.app_context():
        ids = dict(db.session.execute(select(Case.case_ref, Case.id)).all())
    return ids[ref_a], ids[ref_b]


def _b_sees(app, victim_b, receipt_b) -> tuple[int, str]:
    page = open_status(victim_b, receipt_b)
    if page.status_code != 303:
        return page.status_code, page_text(page)
    shown = victim_b.get(page.headers["Location"])
    return shown.status_code, page_text(shown)


def _raw(app, sql, **params):
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def test_a_message_copied_into_another_case_does_not_open(app):
    ref_a, ref_b, victim_b, receipt_b = _two_cases(app)
    case_a, case_b = _ids(app, ref_a, ref_b)
    _raw(
        app,
        "UPDATE messages SET body = (SELECT body FROM messages WHERE case_id = :a) "
        "WHERE case_id = :b",
        a=case_a,
        b=case_b,
    )
    status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html
    assert status == 500


def test_a_message_row_moved_to_another_case_does_not_open(app):
    ref_a, ref_b, victim_b, receipt_b = _two_cases(app)
    case_a, case_b = _ids(app, ref_a, ref_b)
    _raw(app, "UPDATE messages SET case_id = :b WHERE case_id = :a", a=case_a, b=case_b)
    status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html and status == 500


def test_a_description_copied_into_another_case_does_not_open(app):
    ref_a, ref_b, victim_b, receipt_b = _two_cases(app)
    _raw(
        app,
        "UPDATE cases SET description = (SELECT description FROM cases WHERE case_ref = :a) "
        "WHERE case_ref = :b",
        a=ref_a,
        b=ref_b,
    )
    status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html and status == 500
    member = make_staff(app, "worker@example.org")
    with app.app_context():
        db.session.expire_all()
        with pytest.raises(DecryptionError):
            db.session.scalars(select(Case).where(Case.case_ref == ref_b)).one()
    assert member.email  # staff pages load the same rows the same way


def test_a_value_copied_into_another_column_of_the_same_row_does_not_open(app):
    ref_a, _ref_b, _victim_b, _receipt_b = _two_cases(app)
    _raw(app, "UPDATE cases SET contact_times = description WHERE case_ref = :a", a=ref_a)
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.scalars(select(Case).where(Case.case_ref == ref_a)).one()


def test_untouched_cases_still_open(app):
    ref_a, _ref_b, victim_b, receipt_b = _two_cases(app)
    status, html = _b_sees(app, victim_b, receipt_b)
    assert status == 200
    assert "B&#39;s message" in html or "B's message" in html
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref_a)).one()
        assert case.description == f"{SECRET} description"
        assert [m.body for m in case.messages] == [f"{SECRET} message"]
        raw = db.session.execute(
            text("SELECT description FROM cases WHERE case_ref = :a"), {"a": ref_a}
        ).scalar_one()
    assert raw.startswith("e2.")


def test_a_totp_secret_moved_to_another_account_does_not_open(app):
    make_staff(app, "first@example.org")
    make_staff(app, "second@example.org")
    _raw(
        app,
        "UPDATE staff SET totp_secret = (SELECT totp_secret FROM staff WHERE email = :a) "
        "WHERE email = :b",
        a="first@example.org",
        b="second@example.org",
    )
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.scalars(select(Staff).where(Staff.email == "second@example.org")).one()


def _make_unbound(app, ref):
    """Rewrite a case's description as the code before row binding sealed it (``e1``)."""
    with app.app_context():
        sealed = crypto.ring().encrypt_text("older words", "case.description")
        db.session.execute(
            text("UPDATE cases SET description = :v WHERE case_ref = :r"), {"v": sealed, "r": ref}
        )
        db.session.commit()


def test_values_from_before_row_binding_open_until_rotated_then_are_bound(make_app):
    app = make_app()
    ref, _receipt = file_report(app.test_client(), "en")
    _make_unbound(app, ref)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        assert case.description == "older words"
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "cases.description: 1 re-encrypted" in result.output
    refusing = make_app(fresh=False, PORTAL_UNBOUND_VALUES="refuse")
    with refusing.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        assert case.description == "older words"
        raw = db.session.execute(
            text("SELECT description FROM cases WHERE case_ref = :r"), {"r": ref}
        ).scalar_one()
    assert raw.startswith("e2.")


def test_refusing_unbound_values_stops_an_old_value_planted_in_a_row(make_app):
    app = make_app(PORTAL_UNBOUND_VALUES="refuse")
    ref, _receipt = file_report(app.test_client(), "en")
    _make_unbound(app, ref)
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.scalars(select(Case).where(Case.case_ref == ref)).one()


def test_a_value_written_without_its_row_is_a_programming_error(app):
    with app.app_context():
        message = Message(case_id=1, sender="staff", body="x")
        db.session.add(message)
        message.case_id = None
        with pytest.raises(ValueError, match="no case_id"):
            db.session.flush()
        db.session.rollback()


def test_a_changed_row_identity_reseals_the_rows_values(app):
    member = make_staff(app, "old-name@example.org")
    with app.app_context():
        staff = db.session.get(Staff, member.id)
        secret = staff.totp_secret
        staff.email = "new-name@example.org"
        db.session.commit()
    with app.app_context():
        staff = db.session.scalars(select(Staff).where(Staff.email == "new-name@example.org")).one()
        assert staff.totp_secret == secret


def test_a_receipt_hash_moved_onto_another_case_opens_nothing(app):
    """Attacker's own case B; they move B's receipt hash onto victim A's row."""
    ref_a, ref_b, victim_b, receipt_b = _two_cases(app)
    with app.app_context():
        hashes = dict(db.session.execute(select(Case.case_ref, Case.receipt_hash)).all())
    _raw(app, "UPDATE cases SET receipt_hash = NULL WHERE case_ref = :b", b=ref_b)
    _raw(app, "UPDATE cases SET receipt_hash = :h WHERE case_ref = :a", h=hashes[ref_b], a=ref_a)
    status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html
    assert status == 200  # the receipt entry page again: the code opens nothing
    assert 'id="receipt"' in html
    _raw(
        app,
        "UPDATE cases SET receipt_check = (SELECT receipt_check FROM cases WHERE case_ref = :b)"
        " WHERE case_ref = :a",
        a=ref_a,
        b=ref_b,
    )
    status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html and 'id="receipt"' in html


def test_a_receipt_from_before_the_binding_is_tied_on_first_use(make_app):
    app = make_app()
    victim = app.test_client()
    ref, receipt = file_report(victim, "en")
    _raw(app, "UPDATE cases SET receipt_check = NULL WHERE case_ref = :r", r=ref)
    assert open_status(app.test_client(), receipt).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Case).where(Case.case_ref == ref)).one().receipt_check
    _raw(app, "UPDATE cases SET receipt_check = NULL WHERE case_ref = :r", r=ref)
    refusing = make_app(fresh=False, PORTAL_UNBOUND_VALUES="refuse")
    assert open_status(refusing.test_client(), receipt).status_code != 303


def test_swapping_a_cases_identity_onto_another_row_opens_nothing(app):
    """Attacker's case B: move B's number, receipt HMACs and own fields onto victim A's row,
    hoping B's receipt then shows A's messages (bound to A's row id)."""
    ref_a, ref_b, victim_b, receipt_b = _two_cases(app)
    columns = "case_ref, receipt_hash, receipt_check, submission_hash, description"
    with app.app_context():
        row_b = dict(
            db.session.execute(
                text(f"SELECT {columns} FROM cases WHERE case_ref = :b"),  # noqa: S608
                {"b": ref_b},
            )
            .mappings()
            .one()
        )
        db.session.execute(
            text(
                "UPDATE cases SET case_ref = 'GONE', receipt_hash = NULL, receipt_check = NULL,"
                " submission_hash = NULL WHERE case_ref = :b"
            ),
            {"b": ref_b},
        )
        db.session.execute(
            text(
                "UPDATE cases SET case_ref = :case_ref, receipt_hash = :receipt_hash,"
                " receipt_check = :receipt_check, submission_hash = :submission_hash,"
                " description = :description WHERE case_ref = :a"
            ),
            {**row_b, "a": ref_a},
        )
        db.session.commit()
    _status, html = _b_sees(app, victim_b, receipt_b)
    assert SECRET not in html
    assert 'id="receipt"' in html  # the code opens nothing
