"""Headers, CSRF, and what never reaches a log."""

from __future__ import annotations

import logging

import pytest

from tests.helpers import file_report, open_form, open_status, page_text, report_data, shown_after


@pytest.mark.parametrize("path", ["/", "/report", "/status", "/privacy", "/no-such-page"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_external_source_in_pages(client):
    for path in ("/", "/report", "/status", "/privacy"):
        html = page_text(client.get(path))
        assert "<script>" not in html and "onclick" not in html and "style=" not in html
        assert "http://" not in html.replace("http://www.w3.org", "")
        for attribute in ('src="http', 'src="//', 'href="//'):
            assert attribute not in html


def test_case_pages_are_never_cached(client):
    _ref, receipt = file_report(client)
    response = client.get(open_status(client, receipt).headers["Location"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    response.close()


def test_production_adds_hsts_and_secure_cookies(make_app):
    app = make_app(PORTAL_HSTS=True, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/report", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


def test_report_without_csrf_token_is_refused_and_kept(app, client):
    _token, key = open_form(client, "en")
    response = shown_after(client, client.post("/report", data=report_data(submission_key=key)))
    html = page_text(response)
    assert response.status_code == 400
    assert "For your safety the form expired" in html
    assert "A bot made fake images from my profile photo." in html
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Case

    with app.app_context():
        assert db.session.scalars(select(Case)).all() == []


def test_status_without_csrf_token_is_refused(client):
    response = client.post("/status", data={"receipt": "1234"})
    assert response.status_code == 400


def test_logs_hold_no_victim_text_receipt_or_address(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "MARKER-7f3a"
    _ref, receipt = file_report(
        client,
        description=f"{marker} description",
        contact_method="email",
        contact_email=f"{marker.lower()}@example.com",
        **{"links-0-note": f"{marker} note"},
    )
    open_status(client, receipt)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert marker not in logged and marker.lower() not in logged
    assert receipt not in logged and receipt.replace("-", "") not in logged
    assert "127.0.0.1" not in logged


def test_address_redaction_filter():
    from portal.web.logs import RedactAddresses

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [27/Nov/2026 04:30:45] "GET / HTTP/1.1" 200 -',
        ("198.51.100.4",),
        None,
    )
    RedactAddresses().filter(record)
    assert "198.51.100.4" not in record.getMessage()
    assert "04:30:45" in record.getMessage()
    record6 = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s hit", ("2001:db8::1",), None
    )
    RedactAddresses().filter(record6)
    assert "2001:db8" not in record6.getMessage()
