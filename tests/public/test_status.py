"""Coming back with the receipt: status, messages, reply, idle timeout, leaving, withdrawal."""

from __future__ import annotations

import time

from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, Message
from scripts.pages import csrf_token
from tests.helpers import file_report, h1, open_status, page_text


def _open(client, receipt):
    response = open_status(client, receipt)
    assert response.status_code == 303
    return client.get(response.headers["Location"])


def test_wrong_receipt_gets_one_neutral_message(client):
    file_report(client)
    for wrong in ("0000-0000-0000-0000-0000", "12345", "not a code", ""):
        response = open_status(client, wrong)
        assert response.status_code == 200
        assert "이 코드로는 신고를 열 수 없었어요" in page_text(response)


def test_receipt_entry_tolerates_spaces_dashes_and_full_width_digits(client):
    _ref, receipt = file_report(client)
    digits = receipt.replace("-", "")
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in digits)
    for variant in (
        digits,
        receipt.replace("-", " "),
        f"  {receipt}  ",
        full_width,
        "-".join(digits[i : i + 5] for i in range(0, 20, 5)),
    ):
        client.post(
            "/status/leave", data={"csrf_token": csrf_token(page_text(client.get("/status")))}
        )
        assert open_status(client, variant).status_code == 303, variant


def test_status_page_shows_staff_messages_and_takes_a_reply(app, client):
    ref, receipt = file_report(client)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        db.session.add(
            Message(case_id=case.id, sender="staff", body="We asked Telegram to remove it.")
        )
        db.session.commit()
    page = _open(client, receipt)
    html = page_text(page)
    assert "We asked Telegram to remove it." in html
    token = csrf_token(html)
    sent = client.post(
        "/status/case/reply", data={"body": "Thank you <b>so much</b>", "csrf_token": token}
    )
    assert sent.status_code == 303
    after = page_text(client.get("/status/case"))
    assert "메시지를 보냈어요" in after
    assert "Thank you so much" in after
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        assert case.victim_unread is True
        bodies = [m.body for m in db.session.scalars(select(Message).order_by(Message.id))]
        assert bodies == ["We asked Telegram to remove it.", "Thank you so much"]


def test_switching_language_keeps_the_reply_being_written_and_sends_nothing(make_app):
    app = make_app(PORTAL_LIMIT_MESSAGE="1 per hour")
    client = app.test_client()
    _ref, receipt = file_report(client, "ko")
    page = page_text(_open(client, receipt))
    assert 'form="reply-form" formaction="/status/case/language" name="switch_lang"' in page
    token = csrf_token(page)
    for language in ("en", "ko", "en"):  # more switches than the message limit allows
        switched = client.post(
            "/status/case/language",
            data={"body": "아직 채널에 남아 있어요", "csrf_token": token, "switch_lang": language},
        )
        assert switched.status_code == 303
    after = page_text(client.get(switched.headers["Location"]))
    assert '<html lang="en">' in after
    assert "아직 채널에 남아 있어요</textarea>" in after
    with app.app_context():
        assert db.session.scalars(select(Message).where(Message.sender == "victim")).all() == []
    sent = client.post(
        "/status/case/reply", data={"body": "아직 채널에 남아 있어요", "csrf_token": token}
    )
    assert sent.status_code == 303
    assert "아직 채널에 남아 있어요</textarea>" not in page_text(client.get("/status/case"))


def _switch_with(client, body: str) -> None:
    token = csrf_token(page_text(client.get("/status/case")))
    data = {"body": body, "csrf_token": token, "switch_lang": "en"}
    assert client.post("/status/case/language", data=data).status_code == 303


def test_a_language_switch_draft_is_neither_shown_elsewhere_nor_brought_back_once_cleared(client):
    _ref, receipt = file_report(client, "en")
    _open(client, receipt)
    _switch_with(client, "words typed before switching")
    assert "words typed before switching</textarea>" in page_text(client.get("/status/case"))
    _switch_with(client, "")  # the victim cleared the box, then switched again
    assert "words typed before switching" not in page_text(client.get("/status/case"))
    _switch_with(client, "typed again")
    assert "typed again" not in page_text(client.get("/status"))  # not on the entry page


def test_a_reply_being_written_goes_with_a_withdrawn_report(app, client):
    _ref, receipt = file_report(client, "ko")
    _open(client, receipt)
    _switch_with(client, "PRIVATE-WORDS uncle")
    token = csrf_token(page_text(client.get("/status/case/withdraw")))
    done = client.post("/status/case/withdraw", data={"csrf_token": token, "confirm": "y"})
    assert done.status_code == 200
    assert "PRIVATE-WORDS" not in page_text(client.get("/status"))
    _other, second = file_report(client, "ko")
    assert "PRIVATE-WORDS" not in page_text(_open(client, second))


def test_a_reply_written_in_one_case_never_fills_another_cases_box(app, client):
    _ref, first = file_report(client, "ko")
    _other, second = file_report(client, "ko")
    _open(client, first)
    _switch_with(client, "written for the first case")
    assert "written for the first case</textarea>" in page_text(client.get("/status/case"))
    assert "written for the first case" not in page_text(_open(client, second))
    assert "written for the first case" not in page_text(_open(client, first))  # discarded


def test_empty_or_hostile_reply_is_refused_and_kept(client):
    _ref, receipt = file_report(client)
    token = csrf_token(page_text(_open(client, receipt)))
    empty = client.post("/status/case/reply?lang=en", data={"body": "   ", "csrf_token": token})
    assert empty.status_code == 400
    assert "Please write a message before sending." in page_text(empty)
    nul = client.post(
        "/status/case/reply?lang=en", data={"body": "keep\x00me", "csrf_token": token}
    )
    assert nul.status_code == 400
    assert "keep" in page_text(nul)


def test_status_session_ends_after_idle_time(app, client, monkeypatch):
    _ref, receipt = file_report(client)
    _open(client, receipt)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 16 * 60)
    response = client.get("/status/case")
    assert response.status_code == 303
    entry = client.get(response.headers["Location"])
    assert "활동이 없어서" in page_text(entry)


def test_leave_ends_the_status_session(client):
    _ref, receipt = file_report(client)
    html = page_text(_open(client, receipt))
    left = client.post("/status/leave", data={"csrf_token": csrf_token(html)})
    assert left.status_code == 303
    assert client.get("/status/case").status_code == 303


def test_case_view_needs_a_receipt(client):
    response = client.get("/status/case")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/status")


def test_withdrawal_erases_and_disables_the_receipt(app, client):
    ref, receipt = file_report(client, contact_method="email", contact_email="me@example.com")
    page = _open(client, receipt)
    confirm_page = client.get("/status/case/withdraw?lang=en")
    assert h1(confirm_page) == "Delete my report"
    token = csrf_token(page_text(page))
    not_ticked = client.post("/status/case/withdraw?lang=en", data={"csrf_token": token})
    assert not_ticked.status_code == 400
    done = client.post("/status/case/withdraw?lang=en", data={"csrf_token": token, "confirm": "y"})
    assert done.status_code == 200
    assert "Your report was withdrawn" in page_text(done)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        assert case.status == "withdrawn"
        assert case.description is None and case.contact_email is None
        assert case.links == [] and case.purged_at is not None
        assert case.harms == ["deepfake", "distribution"]  # statistics stay
    again = open_status(client, receipt)
    assert again.status_code == 200
    assert "This report was withdrawn. The receipt code no longer opens it." in page_text(again)
