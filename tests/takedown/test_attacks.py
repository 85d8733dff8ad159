"""The takedown desk under attack: forged ids and fields, hostile input, and real parallel
requests that race on one target's counts. Each test mounts one attack that once worked."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.links import targets
from portal.links.targets import target_hash
from portal.models import Link, TakedownRequest, Target
from scripts.pages import NOTICE_BODY, field_values
from tests.helpers import file_report, page_text
from tests.live import at_once
from tests.races import race_settings
from tests.staff_helpers import make_staff, staff_client, token_of
from tests.takedown.desk_helpers import assert_states_match_the_links

ORG = {
    "PORTAL_ORG_NAME": "디지털성범죄 피해지원 테스트센터",
    "PORTAL_ORG_EMAIL": "takedown@support.example.org",
    "PORTAL_LIMIT_FILING": "100 per hour",
    "PORTAL_LIMIT_RECEIPT": "100 per minute",
}


@pytest.fixture
def desk_app(make_app: Any, backend: str) -> Flask:
    return make_app(PORTAL_LIMIT_DEFAULT="10000 per minute", **ORG, **race_settings(backend))


def _file(app: Flask, channel: str, count: int) -> list[str]:
    refs = []
    for number in range(count):
        fields = {"links-0-url": f"https://t.me/{channel}/{number + 1}", "links-1-url": ""}
        ref, _receipt = file_report(app.test_client(), "en", **fields)
        refs.append(ref)
    return refs


def _target_id(app: Flask, channel: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Target.id).where(Target.key_hash == target_hash(f"telegram:{channel}"))
        )


def _link_ids(app: Flask, target_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Link.id).where(Link.target_id == target_id).order_by(Link.id))
        )


def _counts(app: Flask, target_id: int) -> tuple[int, int]:
    """(open_links as kept, open_links counted again from the links)."""
    with app.app_context():
        kept = db.session.get(Target, target_id).open_links
        targets.recount(db.session, [target_id])
        db.session.commit()
        db.session.expire_all()
        return kept, db.session.get(Target, target_id).open_links


def _post(client: FlaskClient, path: str, **data: Any) -> Any:
    data.setdefault("csrf_token", token_of(client))
    return client.post(path, data=data)


# --- forged notice forms ---------------------------------------------------------------


def test_a_forged_target_id_in_the_notice_form_is_refused_not_a_500(desk_app):
    app = desk_app
    _file(app, "leakchan", 1)
    target_id = _target_id(app, "leakchan")
    (link_id,) = _link_ids(app, target_id)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    for forged in ("\u00b2", "\u0661", "-1", "1e3", "9" * 30):
        response = _post(
            staff,
            "/staff/notices",
            do="confirm",
            subject="s",
            body="b",
            channel="abuse_email",
            target_id=forged,
            link=str(link_id),
            back=f"/staff/targets/{target_id}",
        )
        # Refused: the notice page again, with what was typed (a 400, never a 500).
        assert response.status_code in (303, 400), (forged, response.status_code)
    with app.app_context():
        assert db.session.scalars(select(TakedownRequest)).all() == []


def test_a_back_field_with_a_line_break_is_refused_not_a_500(desk_app):
    app = desk_app
    _file(app, "leakchan", 1)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    for forged in ("/staff/\r\nSet-Cookie: a=b", "/staff/\nx", "/staff/\x00", "/staff/\t/x"):
        response = _post(staff, "/staff/notices", do="nothing", subject="s", body="b", back=forged)
        assert response.status_code in (303, 400), (repr(forged), response.status_code)
        if response.status_code == 303:
            location = response.headers["Location"]
        else:  # the notice page again, whose way back is the fallback
            (location,) = field_values(page_text(response), "back")
        assert "\n" not in location and "\r" not in location
        assert location.endswith("/staff/targets/")


def test_a_target_notice_lists_only_that_targets_links(desk_app):
    """Link ids of another victim's case on another channel, ticked into the form of
    @leakchan's notice, must not be written into a notice meant for @leakchan's platform."""
    app = desk_app
    _file(app, "leakchan", 1)
    _file(app, "otherchan", 1)
    leak, other = _target_id(app, "leakchan"), _target_id(app, "otherchan")
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    response = _post(
        staff,
        f"/staff/targets/{leak}/notice",
        scope="selected",
        channel="abuse_email",
        language="en",
        link=[str(i) for i in _link_ids(app, leak) + _link_ids(app, other)],
    )
    page = page_text(response) if response.status_code == 200 else ""
    assert "t.me/leakchan/1" in page
    assert "otherchan" not in page
    # Only the other target's links: nothing to write, said and sent back.
    only_other = _post(
        staff,
        f"/staff/targets/{leak}/notice",
        scope="selected",
        channel="abuse_email",
        link=[str(i) for i in _link_ids(app, other)],
    )
    assert only_other.status_code == 303


# --- races on one target's counts --------------------------------------------------------


def _requested(app: Flask, staff: FlaskClient, target_id: int) -> int:
    assert _post(staff, f"/staff/targets/{target_id}/requests", channel="abuse_email").status_code
    with app.app_context():
        return db.session.scalar(select(TakedownRequest.id).order_by(TakedownRequest.id.desc()))


def test_two_parallel_answers_to_one_request_count_each_link_once(desk_app):
    app = desk_app
    _file(app, "racechan", 4)
    target_id = _target_id(app, "racechan")
    members = [make_staff(app, f"desk{n}@example.org") for n in range(4)]
    clients = [staff_client(app, member) for member in members]
    request_id = _requested(app, clients[0], target_id)
    assert _counts(app, target_id) == (4, 4)
    tokens = [token_of(client) for client in clients]
    answers = at_once(
        [
            lambda c=c, t=t: (
                c.post(
                    f"/staff/requests/{request_id}/answer",
                    data={"csrf_token": t, "outcome": "removed", "scope": "all"},
                ).status_code
            )
            for c, t in zip(clients, tokens, strict=True)
        ]
    )
    assert answers == [303] * 4
    kept, counted = _counts(app, target_id)
    assert counted == 0
    assert kept == counted, f"open_links drifted to {kept}"
    assert_states_match_the_links(app)


def test_two_parallel_back_online_rechecks_count_each_link_once(desk_app):
    app = desk_app
    _file(app, "backchan", 3)
    target_id = _target_id(app, "backchan")
    clients = [staff_client(app, make_staff(app, f"desk{n}@example.org")) for n in range(4)]
    request_id = _requested(app, clients[0], target_id)
    done = _post(clients[0], f"/staff/requests/{request_id}/answer", outcome="removed")
    assert done.status_code == 303
    assert _counts(app, target_id) == (0, 0)
    ids = [str(i) for i in _link_ids(app, target_id)]
    tokens = [token_of(client) for client in clients]
    answers = at_once(
        [
            lambda c=c, t=t: (
                c.post(
                    "/staff/rechecks", data={"csrf_token": t, "result": "back", "link": ids}
                ).status_code
            )
            for c, t in zip(clients, tokens, strict=True)
        ]
    )
    assert answers == [303] * 4
    kept, counted = _counts(app, target_id)
    assert counted == 3
    assert kept == counted, f"open_links drifted to {kept}"
    assert_states_match_the_links(app)


# --- oversized and tampered input ----------------------------------------------------------


def test_more_link_ids_than_a_page_shows_in_a_target_notice_is_refused_not_a_500(desk_app):
    app = desk_app
    _file(app, "leakchan", 1)
    target_id = _target_id(app, "leakchan")
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    response = _post(
        staff,
        f"/staff/targets/{target_id}/notice",
        scope="selected",
        channel="abuse_email",
        link=[str(n) for n in range(1, 2100)],
    )
    assert response.status_code == 303, response.status_code


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00+00:00"],
)
def test_a_recheck_cursor_at_the_edge_of_time_is_not_a_500(desk_app, moment):
    from portal.cases import paging

    app = desk_app
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    raw = f"{moment}|1".encode("ascii")
    import base64

    token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    assert paging.decode_time_id(token) is not None or moment
    response = staff.get("/staff/rechecks", query_string={"after": token})
    assert response.status_code == 200, response.status_code


def test_ids_beyond_any_row_in_desk_addresses_are_404_not_500(desk_app):
    app = desk_app
    refs = _file(app, "leakchan", 1)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    huge = "9" * 25
    assert staff.get(f"/staff/targets/{huge}").status_code == 404
    for path in (
        f"/staff/targets/{huge}/requests",
        f"/staff/targets/{huge}/notice",
        f"/staff/requests/{huge}/answer",
        f"/staff/outbox/{huge}/resend",
        f"/staff/cases/{refs[0]}/links/{huge}/requests",
        f"/staff/cases/{refs[0]}/links/{huge}/notice",
    ):
        response = _post(staff, path, channel="abuse_email", outcome="removed")
        assert response.status_code in (303, 404), (path, response.status_code)


def test_a_withdrawal_racing_an_answer_counts_the_links_once(desk_app):
    """The victim withdraws (links erased, counts taken away) while a support worker's
    answer for the whole target is on its way: the answer must not take them away again,
    nor fail with a database error on the links that are gone."""
    import threading
    import time

    from portal.cases import retention
    from portal.models import Case

    app = desk_app
    refs = _file(app, "racechan", 3)
    target_id = _target_id(app, "racechan")
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    request_id = _requested(app, staff, target_id)
    token = token_of(staff)
    result: list[Any] = []
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == refs[0]))
        retention.withdraw(db.session, case)  # not committed yet: its locks are held
        worker = threading.Thread(
            target=lambda: result.append(
                staff.post(
                    f"/staff/requests/{request_id}/answer",
                    data={"csrf_token": token, "outcome": "removed", "scope": "all"},
                ).status_code
            )
        )
        worker.start()
        time.sleep(1.5)
        db.session.commit()
    worker.join(timeout=60)
    assert result == [303]
    kept, counted = _counts(app, target_id)
    assert counted == 0
    assert kept == counted, f"open_links drifted to {kept}"
    assert_states_match_the_links(app)


@pytest.mark.parametrize(
    ("change", "action", "said"),
    [
        ({"body_extra": "\n\u202e 확인 부탁드립니다."}, "txt", "characters we cannot accept"),
        ({"to": "abuse@telegram.org\r\nBcc: x@evil.example"}, "eml", "one valid e-mail address"),
        ({"sent_on": "2999-01-01"}, "confirm", "That date is in the future."),
    ],
)
def test_a_refused_notice_comes_back_with_what_was_typed(desk_app, change, action, said):
    """Staff edited the notice; a refused character, a bad address or date must not throw
    the edited text away (the README: never lose what was typed)."""
    app = desk_app
    _file(app, "leakchan", 2)
    target_id = _target_id(app, "leakchan")
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    preview = _post(staff, f"/staff/targets/{target_id}/notice", channel="abuse_email")
    page = page_text(preview)
    body = html.unescape(NOTICE_BODY.search(page).group(1))
    edited = body + "\n직접 추가한 문단: 담당자 확인 바랍니다." + change.get("body_extra", "")
    form = {
        "subject": "삭제 요청 (edited)",
        "body": edited,
        "channel": "abuse_email",
        "target_id": str(target_id),
        "link": field_values(page, "link"),
        "back": f"/staff/targets/{target_id}",
        "to": change.get("to", "abuse@telegram.org"),
        "sent_on": change.get("sent_on", ""),
        "do": action,
    }
    response = _post(staff, "/staff/notices", **form)
    assert response.status_code == 400, response.status_code
    again = page_text(response)
    assert said in again
    assert "직접 추가한 문단: 담당자 확인 바랍니다." in html.unescape(again)
    assert "삭제 요청 (edited)" in html.unescape(again)
    assert again.count('name="link"') == 2
    with app.app_context():
        assert db.session.scalars(select(TakedownRequest)).all() == []


# --- victims' data kept longer than they allow ---------------------------------------------


def test_a_withdrawn_victims_links_do_not_stay_in_the_outbox(make_app, smtp_server):
    """A victim deletes their report: their links go at once (README), but the notice the
    outbox sent about them alone keeps the link, sealed yet readable, until purge forgets
    finished mail PORTAL_RETENTION_DAYS later."""
    from portal.cases import retention
    from portal.mail import compose
    from portal.models import Case, OutboxMessage

    app = make_app(**ORG, PORTAL_SMTP_URL=smtp_server.url)
    (ref,) = _file(app, "leakchan", 1)
    target_id = _target_id(app, "leakchan")
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    page = page_text(
        _post(staff, f"/staff/targets/{target_id}/notice", channel="abuse_email", language="en")
    )
    body = html.unescape(NOTICE_BODY.search(page).group(1))
    sent = _post(
        staff,
        "/staff/notices",
        do="send",
        subject="Removal request",
        body=body,
        channel="abuse_email",
        target_id=str(target_id),
        link=field_values(page, "link"),
        back=f"/staff/targets/{target_id}",
        to="abuse@telegram.org",
    )
    assert sent.status_code == 303
    app.test_cli_runner().invoke(args=["outbox", "send"])
    assert len(smtp_server.recorder.received) == 1
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        retention.withdraw(db.session, case)
        db.session.commit()
        kept = [
            compose.load_message(row.message.encode("ascii")).get_content()
            for row in db.session.scalars(select(OutboxMessage))
        ]
    assert not any("t.me/leakchan/1" in text for text in kept)
