"""The takedown desk as a support worker uses it: five victims, one Telegram channel, one
request and one answer for all of them, the victims' status pages, rechecks."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.links.targets import target_hash
from portal.models import (
    AuditEntry,
    Case,
    Link,
    LinkEvent,
    Note,
    TakedownRequest,
    Target,
    utcnow,
)
from scripts.pages import NEXT_PAGE
from tests.helpers import file_report, open_status, page_text
from tests.staff_helpers import make_staff, staff_client, token_of
from tests.takedown.desk_helpers import assert_states_match_the_links

KOREA = ZoneInfo("Asia/Seoul")


@pytest.fixture
def desk_app(make_app: Any) -> Flask:
    return make_app(PORTAL_LIMIT_FILING="100 per hour", PORTAL_LIMIT_RECEIPT="100 per minute")


def _post(client: FlaskClient, path: str, **data: Any) -> str:
    data.setdefault("csrf_token", token_of(client))
    response = client.post(path, data=data)
    assert response.status_code == 303, response.status_code
    return page_text(client.get(response.headers["Location"]))


def _five_victims(app: Flask) -> list[tuple[FlaskClient, str, str]]:
    victims = []
    for number in range(5):
        client = app.test_client()
        ref, receipt = file_report(
            client,
            "en",
            **{"links-0-url": f"https://t.me/s/DeepFakeChan/{100 + number}", "links-1-url": ""},
        )
        victims.append((client, ref, receipt))
    return victims


def _channel(app: Flask) -> Target:
    with app.app_context():
        key_hash = target_hash("telegram:deepfakechan")
        target = db.session.scalars(select(Target).where(Target.key_hash == key_hash)).one()
        db.session.expunge(target)
        return target


def _day(days_ago: int) -> str:
    return (utcnow() - timedelta(days=days_ago)).astimezone(KOREA).date().isoformat()


def test_one_request_and_one_answer_reach_all_five_cases(desk_app):
    app = desk_app
    victims = _five_victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    channel = _channel(app)
    assert (channel.case_count, channel.open_links, channel.kind) == (5, 5, "channel")

    listing = page_text(staff.get("/staff/targets/"))
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", listing, re.S).group(1)
    assert "@deepfakechan" in first_row and "<td>5</td>" in first_row

    page = page_text(staff.get(f"/staff/targets/{channel.id}"))
    for _client, ref, _receipt in victims:
        assert ref in page
    assert '<dd id="case-count">5</dd>' in page

    done = _post(
        staff,
        f"/staff/targets/{channel.id}/requests",
        scope="open",
        channel="abuse_email",
        sent_on=_day(12),
        reference="TG-2026-1",
    )
    assert "Request recorded for 5 links." in done
    with app.app_context():
        states = db.session.scalars(
            select(Link.takedown_status).where(Link.target_id == channel.id)
        )
        assert set(states) == {"requested"}
        notes = db.session.scalars(select(Note).where(Note.kind == "takedown")).all()
        assert len(notes) == 5 and len({note.case_id for note in notes}) == 5
        assert notes[0].body == "Removal requested (Abuse e-mail) for 1 link in this case."
        audited = db.session.scalars(
            select(AuditEntry.case_ref).where(AuditEntry.action == "takedown.requested")
        ).all()
        assert sorted(audited) == sorted(ref for _c, ref, _r in victims)
        request_id = db.session.scalar(select(TakedownRequest.id))

    client, _ref, receipt = victims[0]
    assert open_status(client, receipt).status_code == 303
    status = page_text(client.get("/status/case"))
    assert "We asked the platform to remove it on" in status
    assert "https://t.me/deepfakechan/100" in status.split("<summary>Show the address</summary>")[1]

    answered = _post(
        staff,
        f"/staff/requests/{request_id}/answer",
        scope="all",
        outcome="removed",
        answered_on=_day(10),
        next=f"/staff/targets/{channel.id}",
    )
    assert "Answer recorded in 5 cases." in answered
    assert "Answer: Removed · 2 days after the request" in answered
    assert "median time to an answer: 2.0 days" in answered
    assert "removal rate: 100% of answered requests" in answered
    with app.app_context():
        target = db.session.get(Target, channel.id)
        assert (target.open_links, target.case_count) == (0, 5)
        links = db.session.scalars(select(Link).where(Link.target_id == channel.id)).all()
        assert {link.takedown_status for link in links} == {"removed"}
        # Due seven days after the answer, so three days ago: on the rechecks list now.
        assert all(link.recheck_due_at < utcnow() for link in links)
        assert (
            db.session.scalar(select(func.count()).where(AuditEntry.action == "takedown.answered"))
            == 5
        )

    assert "Removed. We will keep checking that it stays down." in page_text(
        client.get("/status/case")
    )
    assert "Removed: <strong>5</strong>" in page_text(staff.get(f"/staff/targets/{channel.id}"))
    assert_states_match_the_links(app)
    due = page_text(staff.get("/staff/rechecks"))
    for _client, ref, _receipt in victims:
        assert ref in due


def test_a_recheck_that_finds_the_content_back_reopens_the_case(desk_app):
    app = desk_app
    victims = _five_victims(app)
    member = make_staff(app, "desk@example.org", role="admin")
    staff = staff_client(app, member)
    channel = _channel(app)
    _post(staff, f"/staff/targets/{channel.id}/requests", channel="report_form", sent_on=_day(9))
    with app.app_context():
        request_id = db.session.scalar(select(TakedownRequest.id))
    _post(
        staff,
        f"/staff/requests/{request_id}/answer",
        outcome="removed",
        answered_on=_day(8),
    )
    ref_back, ref_gone = victims[0][1], victims[1][1]
    with app.app_context():
        ids = dict(db.session.execute(select(Case.case_ref, Link.id).join(Link.case)).all())
        case = db.session.scalar(select(Case).where(Case.case_ref == ref_back))
        case.status = "closed"
        case.closed_at = utcnow()
        db.session.commit()
        first_due = db.session.get(Link, ids[ref_gone]).recheck_due_at

    gone = _post(staff, "/staff/rechecks", link=[str(ids[ref_gone])], result="gone")
    assert "Recheck recorded." in gone
    back = _post(staff, "/staff/rechecks", link=[str(ids[ref_back])], result="back")
    assert f"Recheck recorded. Back in progress: {ref_back}" in back
    with app.app_context():
        still_gone = db.session.get(Link, ids[ref_gone])
        assert still_gone.recheck_round == 1
        assert still_gone.recheck_due_at == first_due + timedelta(days=23)
        again = db.session.get(Link, ids[ref_back])
        assert again.takedown_status == "reappeared" and again.recheck_due_at is None
        reopened = db.session.scalar(select(Case).where(Case.case_ref == ref_back))
        assert reopened.status == "in_progress" and reopened.closed_at is None
        assert db.session.get(Target, channel.id).open_links == 1
        reasons = [
            json.loads(detail)
            for detail in db.session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "case.status")
            )
        ]
        assert reasons == [{"new": "in_progress", "old": "closed", "reason": "reupload"}]
        kinds = db.session.scalars(
            select(LinkEvent.kind).where(LinkEvent.link_id == ids[ref_back]).order_by(LinkEvent.id)
        ).all()
        assert kinds == ["requested", "answered", "back"]
    assert_states_match_the_links(app)

    case_page = page_text(staff.get(f"/staff/cases/{ref_back}"))
    assert "Uploaded again" in case_page and "Rechecked: online again" in case_page
    # A new request can be made at once, from the case page.
    assert f"/staff/cases/{ref_back}/links/{ids[ref_back]}/requests" in case_page
    client, _ref, receipt = victims[0]
    open_status(client, receipt)
    assert "It appeared again. We are asking for its removal again." in page_text(
        client.get("/status/case")
    )


def test_a_refusal_then_the_commission_escalates_and_the_answer_covers_chosen_links(desk_app):
    app = desk_app
    _five_victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    channel = _channel(app)
    _post(staff, f"/staff/targets/{channel.id}/requests", channel="abuse_email", sent_on=_day(20))
    with app.app_context():
        first = db.session.scalar(select(TakedownRequest.id))
        link_ids = db.session.scalars(
            select(Link.id).where(Link.target_id == channel.id).order_by(Link.id)
        ).all()
    _post(staff, f"/staff/requests/{first}/answer", outcome="refused", answered_on=_day(15))
    page = page_text(staff.get(f"/staff/targets/{channel.id}"))
    assert "Platform refused" in page and "Escalate?" in page
    _post(staff, f"/staff/targets/{channel.id}/requests", channel="kcsc")
    with app.app_context():
        second = db.session.scalar(select(func.max(TakedownRequest.id)))
        assert set(db.session.scalars(select(Link.takedown_status))) == {"kcsc_request"}
    done = _post(
        staff,
        f"/staff/requests/{second}/answer",
        outcome="removed",
        scope="selected",
        link=[str(link_ids[0]), str(link_ids[1])],
    )
    assert "Answer recorded in 2 cases." in done
    with app.app_context():
        made = db.session.get(TakedownRequest, second)
        assert made.outcome == "removed" and made.answered_at is not None
        states = dict(db.session.execute(select(Link.id, Link.takedown_status)).all())
        assert [states[i] for i in link_ids] == ["removed"] * 2 + ["kcsc_request"] * 3
        assert db.session.get(Target, channel.id).open_links == 3


def test_refused_inputs_say_why_and_change_nothing(desk_app):
    app = desk_app
    _five_victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    channel = _channel(app)
    path = f"/staff/targets/{channel.id}/requests"
    assert "Please give the date as YYYY-MM-DD." in _post(
        staff, path, channel="kcsc", sent_on="yesterday"
    )
    assert "That date is in the future." in _post(staff, path, channel="kcsc", sent_on="2999-01-01")
    assert "None of those links can be acted on" in _post(
        staff, path, channel="kcsc", scope="selected", link=["999999"]
    )
    assert "The text is too long" in _post(staff, path, channel="kcsc", reference="x" * 101)
    _post(staff, path, channel="kcsc", sent_on=_day(1))
    with app.app_context():
        request_id = db.session.scalar(select(TakedownRequest.id))
    early = _post(
        staff, f"/staff/requests/{request_id}/answer", outcome="removed", answered_on=_day(3)
    )
    assert "The answer cannot come before the request was sent." in early
    assert staff.get("/staff/targets/999999").status_code == 404
    assert staff.get("/staff/targets/?after=not-a-cursor").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TakedownRequest)) == 1
        assert set(db.session.scalars(select(Link.takedown_status))) == {"requested"}


def test_search_finds_cases_and_targets_by_link_and_name(desk_app):
    app = desk_app
    victims = _five_victims(app)
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    found = page_text(staff.get("/staff/search", query_string={"q": "@DeepFakeChan"}))
    assert "@deepfakechan" in found
    for _client, ref, _receipt in victims:
        assert ref in found
    exact = page_text(staff.get("/staff/search", query_string={"q": "t.me/deepfakechan/102"}))
    assert victims[2][1] in exact and victims[3][1] not in exact
    ref = victims[4][1]
    jump = staff.get("/staff/search", query_string={"q": ref})
    assert jump.status_code == 303 and jump.headers["Location"].endswith(f"/staff/cases/{ref}")
    nothing = page_text(staff.get("/staff/search", query_string={"q": "https://example.org/x"}))
    assert "No case holds that exact link." in nothing
    assert "neither a case number nor a link" in page_text(
        staff.get("/staff/search", query_string={"q": "\u202e<script>"})
    )


def test_a_victim_who_did_not_ask_for_takedown_is_left_out_of_requests(desk_app):
    app = desk_app
    asked = _five_victims(app)[:1]
    ref, _receipt = file_report(
        app.test_client(),
        "en",
        **{
            "links-0-url": "https://t.me/DeepFakeChan/999",
            "links-1-url": "",
            "help_wanted": ["counseling"],
            "consent_takedown": None,
        },
    )
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    channel = _channel(app)
    page = page_text(staff.get(f"/staff/targets/{channel.id}"))
    assert "No takedown consent" in page
    done = _post(staff, f"/staff/targets/{channel.id}/requests", channel="abuse_email")
    assert "Request recorded for 5 links." in done
    with app.app_context():
        untouched = db.session.scalar(
            select(Link.takedown_status).join(Case).where(Case.case_ref == ref)
        )
        assert untouched == "reported"
    case_page = page_text(staff.get(f"/staff/cases/{ref}"))
    assert "The victim did not ask for takedown" in case_page
    assert asked


def test_a_target_asked_about_many_times_shows_its_latest_requests_and_pages_the_rest(make_app):
    app = make_app(PORTAL_PAGE_SIZE=5)
    client = app.test_client()
    file_report(client, "en", **{"links-0-url": "https://t.me/s/DeepFakeChan/1", "links-1-url": ""})
    staff = staff_client(app, make_staff(app, "desk@example.org"))
    channel = _channel(app)
    for days_ago in range(30, 18, -1):  # twelve requests, a day apart, the newest 19 days ago
        _post(
            staff,
            f"/staff/targets/{channel.id}/requests",
            scope="open",
            channel="abuse_email",
            sent_on=_day(days_ago),
            reference=f"REF-{days_ago}",
        )
    page = page_text(staff.get(f"/staff/targets/{channel.id}"))
    shown = re.findall(r"reference REF-(\d+)", page)
    assert shown == [str(days) for days in range(19, 29)]  # the ten latest, newest first
    assert "All requests about this target" in page

    seen: list[str] = []
    path = f"/staff/targets/{channel.id}/all-requests"
    while path:
        listing = page_text(staff.get(path))
        seen += re.findall(r"reference REF-(\d+)", listing)
        following = NEXT_PAGE.search(listing)
        path = following.group(1).replace("&amp;", "&") if following else ""
    assert seen == [str(days) for days in range(19, 31)]  # all twelve, once each, in order
    tampered = staff.get(f"/staff/targets/{channel.id}/all-requests?after=bm90LWEtY3Vyc29y")
    assert tampered.status_code == 200
    assert re.findall(r"reference REF-(\d+)", page_text(tampered))[0] == "19"
    # An answer recorded from the list comes back to the list.
    assert f'name="next" value="/staff/targets/{channel.id}/all-requests' in page_text(
        staff.get(f"/staff/targets/{channel.id}/all-requests")
    )
