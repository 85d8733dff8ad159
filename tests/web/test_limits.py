"""Rate limits: filing, receipt guessing per client and per target, a friendly 429."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config
from portal.web.limits import client_network
from scripts.pages import csrf_token
from tests.helpers import (
    file_report,
    h1,
    open_form,
    page_text,
    post_report,
    report_data,
    shown_after,
)


def test_filing_limit_gives_a_friendly_429(make_app):
    app = make_app(PORTAL_LIMIT_FILING="2 per hour")
    client = app.test_client()
    file_report(client)
    file_report(client)
    refused = post_report(client, "en")
    html = page_text(refused)
    assert refused.status_code == 429
    assert h1(refused) == "Report and ask for help"
    assert "Everything you typed is still here" in html
    assert "A bot made fake images from my profile photo." in html
    korean = post_report(client, "ko")
    assert korean.status_code == 429
    assert "적은 내용은 그대로 있어요" in page_text(korean)
    # A language switch or an added link row still works for this client.
    token, key = open_form(client)
    switched = client.post(
        "/report", data=report_data(csrf_token=token, submission_key=key, switch_lang="en")
    )
    assert switched.status_code == 303
    assert shown_after(client, switched).status_code == 200


def test_receipt_page_429_is_friendly_in_both_languages(make_app):
    app = make_app(PORTAL_LIMIT_RECEIPT="1 per minute")
    client = app.test_client()
    assert _guess(client, "1" * 20).status_code == 200
    refused = _guess(client, "2" * 20)
    assert refused.status_code == 429
    assert h1(refused) == "잠깐만 기다려 주세요"


def test_refused_forms_and_round_trips_do_not_use_up_the_quota(make_app):
    app = make_app(PORTAL_LIMIT_FILING="2 per hour")
    client = app.test_client()
    for _ in range(4):
        assert post_report(client, "en", filer=None).status_code == 400
        token, _key = open_form(client)
        added = client.post("/report", data=report_data(csrf_token=token, add_link="1"))
        assert shown_after(client, added).status_code == 200
        switched = client.post("/report", data=report_data(csrf_token=token, switch_lang="en"))
        assert shown_after(client, switched).status_code == 200
    file_report(client)
    file_report(client)
    assert post_report(client).status_code == 429


def test_filing_limit_is_per_client(make_app):
    app = make_app(PORTAL_LIMIT_FILING="1 per hour")
    first = app.test_client()
    second = app.test_client()
    file_report(first)
    assert post_report(first).status_code == 429
    token, key = open_form(second)
    response = second.post(
        "/report",
        data=report_data(csrf_token=token, submission_key=key),
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert response.status_code == 303


def _guess(client, receipt: str, address: str = "127.0.0.1"):
    token = csrf_token(page_text(client.get("/status", environ_base={"REMOTE_ADDR": address})))
    answer = client.post(
        "/status",
        data={"receipt": receipt, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )
    if answer.status_code == 303:  # the entry page, shown again by a GET
        return client.get(answer.headers["Location"], environ_base={"REMOTE_ADDR": address})
    return answer


def test_receipt_guessing_is_limited_per_client(make_app):
    app = make_app(
        PORTAL_LIMIT_RECEIPT="3 per minute", PORTAL_LIMIT_RECEIPT_TARGET="100 per minute"
    )
    client = app.test_client()
    codes = [f"{n:020d}" for n in range(5)]
    statuses = [_guess(client, code).status_code for code in codes]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429


def test_one_receipt_is_limited_across_many_clients(make_app):
    app = make_app(
        PORTAL_LIMIT_RECEIPT="100 per minute", PORTAL_LIMIT_RECEIPT_TARGET="2 per minute"
    )
    client = app.test_client()
    target = "1234-5678-9012-3456-7890"
    statuses = [_guess(client, target, f"198.51.100.{n}").status_code for n in range(1, 5)]
    assert statuses == [200, 200, 429, 429]
    # The same spelled differently is the same target.
    assert _guess(client, target.replace("-", " "), "198.51.100.50").status_code == 429
    assert _guess(client, "9" * 20, "198.51.100.51").status_code == 200


def test_when_redis_is_down_pages_and_filing_work_and_limits_hold_per_process(make_app):
    app = make_app(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        PORTAL_LIMIT_FILING="2 per hour",
    )
    client = app.test_client()
    assert client.get("/").status_code == 200
    file_report(client)
    file_report(client)
    assert post_report(client).status_code == 429


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("198.51.100.7", "198.51.100.7"),
        ("[2001:db8:1:2::9]:443", "2001:db8:1:2::/64"),
        (" 2001:db8:1:2::9 ", "2001:db8:1:2::/64"),
        ("198.51.100.7:5000", "198.51.100.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "unparseable"),
        ("also not one", "unparseable"),
    ],
)
def test_ipv6_clients_are_one_client_per_64(address, network):
    assert client_network(address, 64) == network


def test_ten_addresses_of_one_ipv6_64_share_one_filing_limit(make_app):
    app = make_app(PORTAL_LIMIT_FILING="3 per hour", PORTAL_PROXY_HOPS=1)
    client = app.test_client()
    statuses = []
    for host in range(1, 11):
        address = f"2001:db8:77:1:{host:x}:{host:x}::{host:x}"
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        statuses.append(post_report(client, "en").status_code)
    assert statuses[:3] == [303, 303, 303]
    assert set(statuses[3:]) == {429}
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "2001:db8:77:2::1"  # the neighbour's /64
    assert post_report(client, "en").status_code == 303


def test_the_ipv6_prefix_is_a_setting(make_app):
    app = make_app(PORTAL_LIMIT_FILING="1 per hour", PORTAL_PROXY_HOPS=1, PORTAL_IPV6_PREFIX=128)
    client = app.test_client()
    for address in ("2001:db8:77:1::1", "2001:db8:77:1::2"):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        assert post_report(client, "en").status_code == 303


@pytest.mark.parametrize("value", ["16", "129", "sixty-four"])
def test_an_impossible_ipv6_prefix_is_a_clear_start_up_error(value):
    with pytest.raises(ConfigError, match="PORTAL_IPV6_PREFIX"):
        load_config({"PORTAL_ENV": "development", "PORTAL_IPV6_PREFIX": value})


def test_over_the_form_post_limit_the_form_comes_back_filled(make_app):
    app = make_app(PORTAL_LIMIT_FORM_POSTS="2 per minute")
    client = app.test_client()
    statuses = [post_report(client, "en", filer=None).status_code for _ in range(2)]
    assert statuses == [400, 400]
    refused = post_report(client, "en", filer=None)
    assert refused.status_code == 429
    html = page_text(refused)
    assert "A bot made fake images from my profile photo." in html
    assert "Everything you typed is still here" in html


def test_a_filing_slot_is_given_back_only_in_the_window_it_was_taken_in(make_app, monkeypatch):
    """Resends timed across the hour must not add filings: a slot taken at 10:59:59 and
    given back at 11:00:01 would be one the new hour never gave."""
    from limits import parse

    from portal.web import limits

    app = make_app(PORTAL_LIMIT_FILING="5 per hour")
    item = parse("5 per hour")
    clock = {"now": 3600 * 500_000 - 1.0}  # one second before an hour begins
    monkeypatch.setattr(limits.time, "time", lambda: clock["now"])

    def remaining() -> int:
        identity = (app.config["RATELIMIT_KEY_PREFIX"], "filing", limits.client_key())
        return limits.limiter.limiter.get_window_stats(item, *identity).remaining

    with app.test_request_context("/report", method="POST"):
        assert limits.take_filing_slot()
        taken = remaining()
        limits.give_back_filing_slot()
        assert remaining() == taken + 1  # the same hour: given back
        assert limits.take_filing_slot()
        clock["now"] += 1800  # half an hour on: the next window
        before = remaining()
        limits.give_back_filing_slot()
        assert remaining() == before
