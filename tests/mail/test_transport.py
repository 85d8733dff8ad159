"""The SMTP transport: the URL, when TLS is used, when clear text is refused, logging in."""

from __future__ import annotations

import ssl

import pytest

from portal.mail import compose, transport
from portal.mail.transport import SendError, SmtpTransport, parse_smtp_url, tls_plan
from tests.mail.outbox_helpers import notice, parsed

DATA = compose.eml_bytes(notice())
TO = ["abuse@platform.example"]


def test_urls_are_read_with_default_ports_and_escaped_passwords():
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.scheme, plain.host, plain.port, plain.username) == (
        "smtp",
        "127.0.0.1",
        2525,
        None,
    )
    assert parse_smtp_url("smtp://mail.example.org").port == 587
    tls = parse_smtp_url("smtps://portal:p%40ss%3Aword@mail.example.org", timeout=3)
    assert (tls.port, tls.username, tls.password, tls.timeout) == (465, "portal", "p@ss:word", 3)
    assert "p@ss" not in repr(tls)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://mail.example.org", "scheme must be smtp or smtps"),
        ("smtp://mail.example.org:port", "port is not a number"),
        ("smtp://", "there is no host"),
        ("smtp://mail.example.org/path", "only scheme"),
        ("smtp://user@mail.example.org", "both a user and a password"),
    ],
)
def test_a_bad_url_says_what_is_wrong_without_the_password(url, why):
    with pytest.raises(ValueError, match=why):
        parse_smtp_url(url)


def test_clear_text_only_to_loopback():
    assert tls_plan("smtps", "mail.example.org", starttls_offered=False) == "implicit"
    assert tls_plan("smtp", "mail.example.org", starttls_offered=True) == "starttls"
    assert tls_plan("smtp", "127.0.0.1", starttls_offered=False) == "plain"
    assert tls_plan("smtp", "::1", starttls_offered=False) == "plain"
    assert tls_plan("smtp", "localhost", starttls_offered=False) == "plain"
    for host in ("mail.example.org", "10.0.0.5", "192.168.1.10"):
        with pytest.raises(SendError) as refused:
            tls_plan("smtp", host, starttls_offered=False)
        assert refused.value.outcome == "failed"
        assert "refusing to send in clear text" in refused.value.reason


def test_codes_are_classified():
    assert transport.classify(421) == "retry"
    assert transport.classify(451) == "retry"
    assert transport.classify(550) == "failed"
    assert transport.classify(554) == "failed"


def test_starttls_is_used_when_offered(start_smtp, certificate):
    server = start_smtp(tls_context=certificate.server_context(), require_starttls=True)
    # Verified against the certificate's own CA; loopback would accept any certificate too.
    verified = SmtpTransport(parse_smtp_url(server.url, 5), certificate.client_context())
    verified.send("portal@localhost", TO, DATA)
    SmtpTransport(parse_smtp_url(server.url, 5)).send("portal@localhost", TO, DATA)
    assert len(server.recorder.received) == 2


def test_implicit_tls_with_login(start_smtp, certificate):
    server = start_smtp(ssl_context=certificate.server_context(), with_auth=True)
    url = f"smtps://portal:s3cret%20pass@127.0.0.1:{server.port}"
    SmtpTransport(parse_smtp_url(url, 5), certificate.client_context()).send(
        "portal@localhost", TO, DATA
    )
    (got,) = server.recorder.received
    assert parsed(got.content)["Message-ID"] == parsed(DATA)["Message-ID"]
    wrong = f"smtps://portal:wrong@127.0.0.1:{server.port}"
    with pytest.raises(SendError) as refused:
        SmtpTransport(parse_smtp_url(wrong, 5), certificate.client_context()).send(
            "portal@localhost", TO, DATA
        )
    assert (refused.value.outcome, refused.value.code) == ("failed", 535)


def test_a_certificate_that_does_not_verify_fails(start_smtp, certificate):
    server = start_smtp(ssl_context=certificate.server_context())
    strict = SmtpTransport(
        parse_smtp_url(f"smtps://127.0.0.1:{server.port}", 5), ssl.create_default_context()
    )
    with pytest.raises(SendError) as refused:
        strict.send("portal@localhost", TO, DATA)
    assert refused.value.outcome == "failed"
    assert refused.value.reason == "the server's TLS certificate did not verify"
    assert server.recorder.received == []


def test_no_url_means_no_transport():
    assert transport.transport_from_config({"PORTAL_SMTP_URL": None}) is None
    made = transport.transport_from_config(
        {"PORTAL_SMTP_URL": "smtp://127.0.0.1:25", "PORTAL_SMTP_TIMEOUT_SECONDS": 7.0}
    )
    assert made is not None and made.settings.timeout == 7.0
