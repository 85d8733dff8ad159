"""A notice from the desk: drafted for a target's links, edited, downloaded as .txt or .eml,
sent through a real local SMTP server by the outbox worker, or recorded as sent by hand."""

from __future__ import annotations

import email
import email.policy
import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.links.targets import target_hash
from portal.models import AuditEntry, Case, Link, OutboxMessage, TakedownRequest, Target
from scripts.pages import NOTICE_BODY, NOTICE_SUBJECT, field_values
from tests.helpers import file_report, page_text
from tests.staff_helpers import make_staff, staff_client, token_of

ORG = {
    "PORTAL_ORG_NAME": "디지털성범죄 피해지원 테스트센터",
    "PORTAL_ORG_EMAIL": "takedown@support.example.org",
    "PORTAL_ORG_PHONE": "02-000-0000",
    "PORTAL_ORG_ADDRESS": "서울특별시 중구 테스트로 1",
    "PORTAL_LIMIT_FILING": "100 per hour",
}


def _victims(app: Flask, count: int = 3, **changes: Any) -> list[str]:
    refs = []
    for number in range(count):
        fields = {"links-0-url": f"https://t.me/leakchan/{number + 1}", "links-1-url": ""}
        fields.update(changes)
        ref, _receipt = file_report(app.test_client(), "en", **fields)
        refs.append(ref)
    return refs


def _target_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Target.id).where(Target.key_hash == target_hash("telegram:leakchan"))
        )


def _preview(client: FlaskClient, target_id: int, **data: Any) -> str:
    data = {"csrf_token": token_of(client), "channel": "abuse_email", "language": "ko", **data}
    response = client.post(f"/staff/targets/{target_id}/notice", data=data)
    assert response.status_code == 200, response.status_code
    return page_text(response)


def _notice_form(page: str) -> dict[str, Any]:
    (channel,) = field_values(page, "channel")
    (target_id,) = field_values(page, "target_id")
    (back,) = field_values(page, "back")
    return {
        "subject": html.unescape(NOTICE_SUBJECT.search(page).group(1)),
        "body": html.unescape(NOTICE_BODY.search(page).group(1)),
        "channel": channel,
        "target_id": target_id,
        "link": field_values(page, "link"),
        "back": back,
    }


def test_a_korean_notice_lists_every_link_and_never_the_victims_words(make_app):
    app = make_app(**ORG)
    refs = _victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    page = _preview(staff, _target_id(app))
    body = _notice_form(page)["body"]
    for number in (1, 2, 3):
        assert f"https://t.me/leakchan/{number}" in body
    assert "제14조의2" in body and "디지털성범죄 피해지원 테스트센터" in body
    assert "abuse@telegram.org" in page
    assert "A bot made fake images" not in page  # the victims' own words stay out
    assert 'id="no-smtp"' in page
    with app.app_context():
        generated = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "notice.generated")
        ).all()
        # One entry in each case's trail, so each case's custody log shows the notice.
        assert sorted(entry.case_ref for entry in generated) == sorted(refs)
        assert db.session.scalar(select(func.count()).select_from(TakedownRequest)) == 0


def test_downloads_carry_the_edited_text_and_a_correct_message(make_app):
    app = make_app(**ORG)
    _victims(app, 2)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    form = _notice_form(_preview(staff, _target_id(app)))
    form["body"] += "\n\n추가로 확인 부탁드립니다."
    text = staff.post("/staff/notices", data={**form, "do": "txt", "csrf_token": token_of(staff)})
    assert text.status_code == 200
    assert text.headers["Content-Disposition"].startswith('attachment; filename="notice-')
    assert text.mimetype == "text/plain"
    assert "추가로 확인 부탁드립니다." in text.get_data(as_text=True)

    eml = staff.post(
        "/staff/notices",
        data={**form, "do": "eml", "to": "abuse@telegram.org", "csrf_token": token_of(staff)},
    )
    assert eml.status_code == 200 and eml.mimetype == "message/rfc822"
    raw = eml.get_data()
    assert raw.isascii() and b"\r\n" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "abuse@telegram.org"
    assert message["Subject"] == form["subject"]
    assert message["Reply-To"] == "takedown@support.example.org"
    assert "추가로 확인 부탁드립니다." in message.get_content()

    refused = staff.post(
        "/staff/notices",
        data={**form, "do": "send", "to": "abuse@telegram.org", "csrf_token": token_of(staff)},
    )
    # Refused, and the edited notice comes back as typed.
    assert refused.status_code == 400
    shown = page_text(refused)
    assert "Sending from the portal is not set up" in shown
    assert "추가로 확인 부탁드립니다." in shown
    bad = staff.post(
        "/staff/notices",
        data={
            **form,
            "do": "eml",
            "to": "not an address\r\nBcc: x@y",
            "csrf_token": token_of(staff),
        },
    )
    assert bad.status_code == 400
    assert "Please give one valid e-mail address" in page_text(bad)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TakedownRequest)) == 0
        kinds = db.session.execute(
            select(AuditEntry.case_ref, AuditEntry.detail).where(
                AuditEntry.action == "notice.downloaded"
            )
        ).all()
        # Two downloads (.txt and .eml), each in the trail of both cases.
        assert len(kinds) == 4 and all(case_ref for case_ref, _detail in kinds)


def test_confirming_a_hand_sent_notice_records_the_request_for_every_case(make_app):
    app = make_app(**ORG)
    refs = _victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    form = _notice_form(_preview(staff, _target_id(app)))
    done = staff.post(
        "/staff/notices", data={**form, "do": "confirm", "csrf_token": token_of(staff)}
    )
    assert done.status_code == 303
    assert "Request recorded for the links of this notice (3)." in page_text(
        staff.get(done.headers["Location"])
    )
    with app.app_context():
        made = db.session.scalar(select(TakedownRequest))
        assert (made.channel, made.link_count) == ("abuse_email", 3)
        audited = db.session.scalars(
            select(AuditEntry.case_ref).where(AuditEntry.action == "takedown.requested")
        ).all()
        assert sorted(audited) == sorted(refs)


def test_sent_through_the_outbox_it_arrives_once(make_app, smtp_server):
    app = make_app(**ORG, PORTAL_SMTP_URL=smtp_server.url)
    _victims(app, 2)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    page = _preview(staff, _target_id(app), language="en")
    assert 'id="no-smtp"' not in page and 'value="send"' in page
    form = _notice_form(page)
    queued = staff.post(
        "/staff/notices",
        data={**form, "do": "send", "to": "abuse@telegram.org", "csrf_token": token_of(staff)},
    )
    assert "The notice is queued to be sent" in page_text(staff.get(queued.headers["Location"]))
    assert smtp_server.recorder.received == []  # never inside the web request

    runner = app.test_cli_runner()
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0, sent.output
    assert len(smtp_server.recorder.received) == 1
    arrived = smtp_server.recorder.received[0]
    assert arrived.rcpt_tos == ["abuse@telegram.org"]
    message = email.message_from_bytes(arrived.content, policy=email.policy.default)
    assert message["Subject"] == form["subject"]
    assert "https://t.me/leakchan/1" in message.get_content()
    runner.invoke(args=["outbox", "send"])
    assert len(smtp_server.recorder.received) == 1  # never twice
    with app.app_context():
        made = db.session.scalar(select(TakedownRequest))
        row = db.session.scalar(select(OutboxMessage))
        assert row.ref == f"request-{made.id}" and row.state == "sent"
        assert set(db.session.scalars(select(Link.takedown_status))) == {"requested"}


@pytest.mark.parametrize("minor", [False, True])
def test_the_victims_contact_goes_in_only_for_one_adult_who_left_it(make_app, minor):
    app = make_app(**ORG)
    changes: dict[str, Any] = {
        "contact_method": "email",
        "contact_email": "victim@example.net",
    }
    if minor:
        changes.update(age_band="14to18", minor_in_content="yes")
    (ref,) = _victims(app, 1, **changes)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    with app.app_context():
        link_id = db.session.scalar(select(Link.id).join(Case).where(Case.case_ref == ref))
    response = staff.post(
        f"/staff/cases/{ref}/links/{link_id}/notice",
        data={"csrf_token": token_of(staff), "channel": "abuse_email", "include_victim": "y"},
    )
    if minor:
        assert response.status_code == 303
        shown = page_text(staff.get(response.headers["Location"]))
        assert "only into a notice about one adult" in shown
        case_page = page_text(staff.get(f"/staff/cases/{ref}"))
        assert "include_victim" not in case_page
    else:
        page = page_text(response)
        assert "victim@example.net" in page
        assert "Send it only if they agreed." in page


def test_a_refused_notice_waits_on_the_outbox_page_and_is_sent_again_on_purpose(
    make_app, smtp_server
):
    app = make_app(**ORG, PORTAL_SMTP_URL=smtp_server.url)
    _victims(app, 1)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    form = _notice_form(_preview(staff, _target_id(app)))
    staff.post(
        "/staff/notices",
        data={**form, "do": "send", "to": "abuse@telegram.org", "csrf_token": token_of(staff)},
    )
    smtp_server.recorder.data_replies.append("554 5.7.1 refused")
    app.test_cli_runner().invoke(args=["outbox", "send"])
    page = page_text(staff.get("/staff/outbox"))
    assert "Failed: <strong>1</strong>" in page and "554" in page
    target_page = page_text(staff.get(f"/staff/targets/{_target_id(app)}"))
    assert "e-mail: Failed" in target_page
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id))
    again = staff.post(f"/staff/outbox/{message_id}/resend", data={"csrf_token": token_of(staff)})
    assert "The notice is queued to be sent again." in page_text(
        staff.get(again.headers["Location"])
    )
    app.test_cli_runner().invoke(args=["outbox", "send"])
    assert len(smtp_server.recorder.received) == 1
    twice = staff.post(f"/staff/outbox/{message_id}/resend", data={"csrf_token": token_of(staff)})
    assert "Only a failed or uncertain notice can be sent again." in page_text(
        staff.get(twice.headers["Location"])
    )


def test_a_victim_who_withdraws_takes_a_queued_notice_with_them_and_the_others_are_told(
    make_app, smtp_server
):
    from portal.cases import retention

    app = make_app(**ORG, PORTAL_SMTP_URL=smtp_server.url)
    leaving, staying = _victims(app, 2)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    form = _notice_form(_preview(staff, _target_id(app)))
    staff.post(
        "/staff/notices",
        data={**form, "do": "send", "to": "abuse@telegram.org", "csrf_token": token_of(staff)},
    )
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == leaving))
        retention.withdraw(db.session, case)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        # The request stays for the other victim's link, which still needs its notice.
        assert db.session.scalar(select(TakedownRequest.link_count)) == 2
    app.test_cli_runner().invoke(args=["outbox", "send"])
    assert smtp_server.recorder.received == []
    page = page_text(staff.get(f"/staff/cases/{staying}"))
    assert "was deleted unsent, because another victim in it withdrew" in page
