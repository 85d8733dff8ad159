"""The notice a victim who chose e-mail gets when staff write: neutral, content-free, one at a
time, in their language, from a bare address; gone when they withdraw or the case is purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.cases import casework, retention
from portal.extensions import db
from portal.models import AuditEntry, Case, OutboxMessage, Staff, utcnow
from tests import factories
from tests.cases.alert_helpers import alert_app, mails, queued, send_outbox
from tests.helpers import file_report

VICTIM = "someone.private@example.net"
ORG = "디지털성범죄피해자지원센터"
STAFF_TEXT = "We asked the platform to remove the video today."


@pytest.fixture
def app(make_app, smtp_server):
    return alert_app(
        make_app,
        smtp_server,
        PORTAL_MAIL_FROM="디지털 성범죄 신고지원 <support-desk@example.org>",
        PORTAL_ORG_NAME=ORG,
    )


def _file(app, lang: str = "ko", **changes) -> str:
    fields = {"contact_method": "email", "contact_email": VICTIM}
    fields.update(changes)
    case_ref, _receipt = file_report(app.test_client(), lang, **fields)
    return case_ref


def _staff_writes(app, case_ref: str, times: int = 1) -> None:
    with app.app_context():
        member = db.session.scalar(select(Staff).limit(1)) or factories.staff(
            db.session, "writer@example.org"
        )
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        for _ in range(times):
            casework.send_message(db.session, case, member, STAFF_TEXT)
        db.session.commit()


def test_korean_notice_names_nothing_and_comes_from_a_bare_address(app, smtp_server):
    case_ref = _file(app, "ko")
    _staff_writes(app, case_ref)
    assert queued(app, "victim_notice") == [("victim_notice", case_ref, "pending")]
    assert send_outbox(app) == "sent 1, retry 0, failed 0, uncertain 0"
    ((to, message, body),) = mails(smtp_server)
    assert to == [VICTIM]
    assert message["From"] == "support-desk@example.org"
    assert message["Subject"] == "새 소식이 있어요"
    assert "확인 코드를 받으신 웹사이트에서" in body
    raw = smtp_server.recorder.received[0].content.decode("ascii")
    for hidden in (ORG, "신고", "성범죄", "디지털", case_ref, STAFF_TEXT, "http", "deepfake"):
        assert hidden not in body + str(message["Subject"]) + str(message["From"])
    assert "support-desk@example.org" in raw and "=?utf-8?" not in raw.split("Subject:")[0]


def test_english_case_gets_the_english_notice(app, smtp_server):
    case_ref = _file(app, "en")
    _staff_writes(app, case_ref)
    send_outbox(app)
    ((_to, message, body),) = mails(smtp_server)
    assert message["Subject"] == "You have a new update"
    assert "with your receipt code" in body and "report" not in body.lower()


def test_one_notice_while_one_waits_and_a_new_one_after_it_went(app, smtp_server):
    case_ref = _file(app)
    _staff_writes(app, case_ref, times=3)
    assert len(queued(app, "victim_notice")) == 1
    send_outbox(app)
    _staff_writes(app, case_ref)
    assert [state for _k, _r, state in queued(app, "victim_notice")] == ["sent", "pending"]
    send_outbox(app)
    assert len(mails(smtp_server)) == 2


@pytest.mark.parametrize(
    "contact",
    [
        {"contact_method": "phone", "contact_phone": "010-1234-5678", "contact_email": None},
        {"contact_method": "none", "contact_email": None},
    ],
    ids=["phone", "none"],
)
def test_no_notice_without_email_contact(app, smtp_server, contact):
    case_ref = _file(app, **contact)
    _staff_writes(app, case_ref)
    assert queued(app, "victim_notice") == []


def test_withdrawal_deletes_waiting_and_sent_notices(app, smtp_server):
    case_ref = _file(app)
    _staff_writes(app, case_ref)
    send_outbox(app)
    _staff_writes(app, case_ref)
    assert len(queued(app, "victim_notice")) == 2
    other = _file(app)
    _staff_writes(app, other)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        assert retention.withdraw(db.session, case) is True
        db.session.commit()
    assert queued(app, "victim_notice") == [("victim_notice", other, "pending")]
    send_outbox(app)
    assert [rcpt for rcpt, _m, _b in mails(smtp_server)] == [[VICTIM], [VICTIM]]


def test_a_notice_being_sent_at_withdrawal_goes_at_the_next_purge(app, smtp_server, tmp_path):
    case_ref = _file(app)
    _staff_writes(app, case_ref)
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(state="sending"))
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        retention.withdraw(db.session, case)
        db.session.commit()
    assert [state for _k, _r, state in queued(app, "victim_notice")] == ["sending"]
    with app.app_context():  # the worker finishes it
        db.session.execute(update(OutboxMessage).values(state="sent", sent_at=utcnow()))
        db.session.commit()
        retention.purge(db.session, retention_days=365, upload_dir=str(tmp_path))
    assert queued(app, "victim_notice") == []


def test_purging_a_closed_case_deletes_its_notice(app, smtp_server, tmp_path):
    case_ref = _file(app)
    _staff_writes(app, case_ref)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        case.status = "closed"
        case.closed_at = utcnow() - timedelta(days=400)
        db.session.commit()
        report = retention.purge(db.session, retention_days=365, upload_dir=str(tmp_path))
    assert report.purged == [case_ref]
    assert queued(app, "victim_notice") == []


def test_an_address_smtp_cannot_use_leaves_the_staff_message_standing(app, smtp_server):
    case_ref = _file(app)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        case.contact_email = "받는사람@example.net"  # stored by an older form, say
        db.session.commit()
    _staff_writes(app, case_ref)
    assert queued(app) == []
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        assert [message.body for message in case.messages] == [STAFF_TEXT]
        unsent = db.session.scalar(
            select(AuditEntry.detail).where(
                AuditEntry.action == "alert.unsent", AuditEntry.case_ref == case_ref
            )
        )
        assert unsent == '{"reason": "bad_message"}'
