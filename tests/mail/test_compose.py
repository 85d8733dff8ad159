"""Messages are correct RFC 5322 in UTF-8, addresses are checked, and no header can be smuggled."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from portal.mail import compose

SUBJECT = "[삭제 요청] 불법촬영물 유포 게시물 삭제를 요청드립니다"
BODY = "안녕하세요.\n아래 링크의 게시물 삭제를 요청합니다.\n.\nhttps://t.me/badchannel/123\n"


def notice(**changes):
    values = {
        "sender": "신고지원센터 <takedown@portal.example.kr>",
        "to": ["abuse@platform.example", ("신고 담당", "report@플랫폼.kr")],
        "subject": SUBJECT,
        "body": BODY,
    }
    values.update(changes)
    return compose.build_message(**values)


def test_a_korean_message_round_trips_with_every_header():
    message = notice(
        cc=["legal@platform.example"],
        reply_to="desk@portal.example.kr",
        date=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    )
    data = compose.eml_bytes(message)
    data.decode("ascii")  # 7-bit: headers in RFC 2047, the body encoded
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b"Subject: =?utf-8?" in data
    assert b"Content-Transfer-Encoding: base64" in data or b"quoted-printable" in data
    back = compose.load_message(data)
    assert str(back["Subject"]) == SUBJECT
    assert back.get_content().replace("\r\n", "\n") == BODY
    assert str(back["Reply-To"]) == "desk@portal.example.kr"
    assert parsedate_to_datetime(str(back["Date"])) == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert str(back["Message-ID"]).endswith("@portal.example.kr>")
    assert compose.envelope_sender(back) == "takedown@portal.example.kr"
    assert compose.envelope_recipients(back) == [
        "abuse@platform.example",
        "report@xn--0j2b005cjxa.kr",
        "legal@platform.example",
    ]
    assert back["From"].addresses[0].display_name == "신고지원센터"


def test_each_message_gets_its_own_message_id():
    assert notice()["Message-ID"] != notice()["Message-ID"]


def test_a_recipient_named_twice_is_sent_one_copy():
    message = notice(to=["a@example.org", "A@example.org"], cc=["a@example.org"])
    assert compose.envelope_recipients(message) == ["a@example.org"]


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "삭제 요청\r\nBcc: watcher@evil.example"},
        {"subject": "삭제 요청\nX-Injected: 1"},
        {"to": ["abuse@platform.example\r\nBcc: watcher@evil.example"]},
        {"to": [("담당\nBcc: watcher@evil.example", "abuse@platform.example")]},
        {"cc": ["legal@platform.example\n"]},
        {"reply_to": "desk@portal.example.kr\rBcc: x@evil.example"},
        {"sender": "Portal\n <takedown@portal.example.kr>"},
        {"subject": "nul\x00here"},
        {"subject": "line\u2028separator"},
    ],
)
def test_header_injection_is_refused(field):
    with pytest.raises(compose.MailError) as refused:
        notice(**field)
    assert "line break or control character" in refused.value.reason


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("no-at-sign", "expected one @"),
        ("two@@example.org", "expected one @"),
        ("@example.org", "not a valid e-mail address"),
        ("space in@example.org", "not a valid e-mail address"),
        ("피해자@example.org", "ASCII before the @"),
        ("user@-bad-.example", "bad domain"),
        ("user@under_score.example", "bad domain"),
        ("user@example..org", "not a valid e-mail address"),
    ],
)
def test_a_bad_address_is_named_clearly(address, why):
    with pytest.raises(compose.MailError) as refused:
        notice(to=[address])
    assert why in refused.value.reason


def test_a_message_needs_recipients_and_a_subject():
    with pytest.raises(compose.MailError, match="at least one To"):
        notice(to=[])
    with pytest.raises(compose.MailError, match="needs a subject"):
        notice(subject="   ")
    with pytest.raises(compose.MailError, match="longer than"):
        notice(subject="가" * 401)
    with pytest.raises(compose.MailError, match="at most 50"):
        notice(to=[f"u{n}@example.org" for n in range(51)])
    with pytest.raises(compose.MailError, match="NUL"):
        notice(body="a\x00b")


def test_a_single_address_string_is_one_recipient_and_crlf_bodies_are_normalised():
    message = notice(to="abuse@platform.example", body="한 줄\r\n두 줄\r세 줄")
    assert compose.envelope_recipients(message) == ["abuse@platform.example"]
    back = compose.load_message(compose.eml_bytes(message))
    assert back.get_content() == "한 줄\r\n두 줄\r\n세 줄\r\n"


def test_envelope_helpers_refuse_a_message_without_addresses():
    message = notice()
    del message["From"]
    del message["To"]
    with pytest.raises(compose.MailError, match="exactly one From"):
        compose.envelope_sender(message)
    with pytest.raises(compose.MailError, match="at least one recipient"):
        compose.envelope_recipients(message)


@pytest.mark.parametrize(
    "subject",
    [
        "Removal request: non-consensual intimate images, 2 links "
        "(디지털성범죄 피해지원 테스트센터)",
        "삭제 요청: " + "가" * 200,
        ("plain ascii subject " * 10).strip(),
    ],
)
def test_a_long_mixed_subject_reads_back_whole(subject):
    # Python's own folder once cut an encoded word in two in such a subject.
    data = compose.eml_bytes(
        compose.build_message(
            sender="portal@localhost", to=["abuse@example.org"], subject=subject, body="x"
        )
    )
    assert max(len(line) for line in data.split(b"\r\n")) <= 78 or subject.isascii()
    assert compose.load_message(data)["Subject"] == subject
