"""The guarded recheck against real local servers: answers, redirects, refusals, limits, TLS."""

from __future__ import annotations

import dataclasses
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from portal.takedown.probe import PUBLIC_ONLY, USER_AGENT, ProbeResult, check_link
from tests.takedown.servers import (
    BODY_MARK,
    Connector,
    FakeResolver,
    Server,
    closed_port,
    local_policy,
    make_certificates,
    serving,
    silent_listener,
)

NAMES = {
    "probe.test": ["127.0.0.1"],
    "wrong.test": ["127.0.0.1"],
    "internal.test": ["10.0.0.5"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["93.184.215.14", "10.0.0.5"],
    "ula.test": ["fd00::1"],
    "public.test": ["93.184.215.14"],
    "public6.test": ["2606:4700:4700::1111"],
}


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture
def tls_server(certificates: tuple[Path, Path, Path]) -> Iterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates[1], certificates[2])
    with serving(context) as server:
        yield server


@pytest.fixture
def trusting(certificates: tuple[Path, Path, Path]) -> ssl.SSLContext:
    """A client context that trusts the test CA and still verifies everything."""
    return ssl.create_default_context(cafile=str(certificates[0]))


def probe(
    url: str,
    *servers: Server,
    ports: tuple[int, ...] = (),
    resolver: FakeResolver | None = None,
    connector: Connector | None = None,
    **options: Any,
) -> ProbeResult:
    if connector is not None:
        options["connector"] = connector
    return check_link(
        url,
        policy=local_policy(*(s.port for s in servers), *ports),
        resolver=resolver or FakeResolver(NAMES),
        **options,
    )


def redirect_to(server: Server, location: str, code: int = 302) -> str:
    return server.url(f"/redirect?code={code}&to={quote(location, safe='')}")


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (200, "present"),
        (203, "present"),
        (204, "present"),
        (404, "gone"),
        (410, "gone"),
        (451, "gone"),
        (400, "unknown"),
        (401, "unknown"),
        (403, "unknown"),
        (429, "unknown"),
        (500, "unknown"),
        (502, "unknown"),
        (503, "unknown"),
        (418, "unknown"),
        (300, "unknown"),
        (304, "unknown"),
    ],
)
def test_the_status_line_gives_the_answer(server: Server, status: int, answer: str) -> None:
    result = probe(server.url(f"/status/{status}"), server)
    assert result == ProbeResult(answer, status, "http_status")  # type: ignore[arg-type]


def test_the_request_is_a_plain_get_that_says_nothing_about_anyone(server: Server) -> None:
    assert probe(server.url("/ok?id=7&x=%E2%9C%93"), server).answer == "present"
    (seen,) = server.seen
    assert seen.method == "GET"
    assert seen.path == "/ok?id=7&x=%E2%9C%93"
    headers = {name.lower(): value for name, value in seen.headers.items()}
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["user-agent"] == USER_AGENT == "portal-recheck/1"
    assert headers["connection"] == "close"
    assert set(headers) == {"host", "user-agent", "accept", "accept-encoding", "connection"}


def test_nothing_of_the_page_is_kept(server: Server) -> None:
    result = probe(server.url("/ok"), server)
    assert [f.name for f in dataclasses.fields(result)] == ["answer", "status", "reason"]
    assert BODY_MARK.decode() not in repr(result)
    assert "session" not in repr(result)


def test_a_redirect_chain_is_followed_with_no_cookies(server: Server) -> None:
    assert probe(server.url("/chain/3"), server) == ProbeResult("present", 200, "http_status")
    assert [seen.path for seen in server.seen] == ["/chain/3", "/chain/2", "/chain/1", "/chain/0"]
    assert not any("Cookie" in seen.headers for seen in server.seen)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_an_absolute_redirect_is_parsed_resolved_and_checked_again(
    server: Server, code: int
) -> None:
    resolver = FakeResolver(NAMES)
    url = redirect_to(server, f"http://probe.test:{server.port}/status/410", code)
    assert probe(url, server, resolver=resolver) == ProbeResult("gone", 410, "http_status")
    assert resolver.calls == [("probe.test", server.port)]
    assert server.seen[-1].headers["Host"] == f"probe.test:{server.port}"


def test_too_many_redirects_stop_without_a_further_request(server: Server) -> None:
    result = probe(server.url("/chain/4"), server)
    assert result == ProbeResult("unknown", 302, "too_many_redirects")
    assert len(server.seen) == 4
    assert probe(server.url("/chain/1"), server, max_redirects=0).reason == "too_many_redirects"


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/ok",
        "http://[::ffff:127.0.0.2]:{port}/ok",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0:{port}/ok",
        "http://100.64.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "//10.0.0.1/x",
        "http://internal.test/",
        "http://metadata.test/",
        "http://mixed.test/",
        "http://ula.test/",
        "https://10.0.0.1/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    server: Server, location: str
) -> None:
    connector = Connector()
    url = redirect_to(server, location.format(port=server.port))
    assert probe(url, server, connector=connector) == ProbeResult("unknown", 302, "private_address")
    assert connector.calls == [(socket.AF_INET, ("127.0.0.1", server.port))]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("ftp://probe.test/file", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://probe.test:70/", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("data:text/html,hi", "bad_scheme"),
        ("http://user:secret@probe.test:{port}/ok", "credentials"),
        ("http://user@probe.test:{port}/ok", "credentials"),
        ("http://probe.test:8080/", "bad_port"),
        ("http://probe.test:22/", "bad_port"),
        ("https://probe.test:6379/", "bad_port"),
        ("http:\\\\10.0.0.1\\", "bad_redirect"),
        ("/\\10.0.0.1/", "bad_redirect"),
        ("http://2130706433/", "bad_redirect"),
        ("http://127.1/", "bad_redirect"),
        ("http://0x7f.0.0.1/", "bad_redirect"),
        ("http://localhost/", "bad_redirect"),
        ("http://probe.test:99999/", "bad_redirect"),
        ("http://[fe80::1%25eth0]/", "bad_redirect"),
        ("/ok two", "bad_redirect"),
    ],
)
def test_a_redirect_elsewhere_than_http_s_on_80_or_443_is_refused(
    server: Server, location: str, reason: str
) -> None:
    connector = Connector()
    url = redirect_to(server, location.format(port=server.port))
    assert probe(url, server, connector=connector) == ProbeResult("unknown", 302, reason)
    assert len(connector.calls) == 1


def test_a_redirect_needs_exactly_one_location(server: Server) -> None:
    assert probe(server.url("/redirect"), server).reason == "bad_redirect"
    two = server.url("/redirect?to=/ok&to=/status/404")
    assert probe(two, server) == ProbeResult("unknown", 302, "bad_redirect")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:192.168.1.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:a00:1::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.test/",
        "http://metadata.test/",
        "http://mixed.test/",
        "http://ula.test/",
    ],
)
def test_public_only_refuses_what_is_not_public_without_connecting(url: str) -> None:
    connector = Connector()
    result = check_link(url, resolver=FakeResolver(NAMES), connector=connector)
    assert result == ProbeResult("unknown", None, "private_address")
    assert connector.calls == []


def test_public_only_refuses_the_local_server_itself(server: Server) -> None:
    # The server is really there; only the policy stands between the probe and it.
    result = check_link(f"http://127.0.0.1:{server.port}/ok", policy=local_policy())
    assert result.reason == "bad_port"
    public_on_that_port = local_policy(server.port)
    strict = dataclasses.replace(public_on_that_port, also_allow=())
    assert check_link(server.url("/ok"), policy=strict).reason == "private_address"
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "family", "sockaddr"),
    [
        ("http://public.test/page", socket.AF_INET, ("93.184.215.14", 80)),
        ("https://public6.test/", socket.AF_INET6, ("2606:4700:4700::1111", 443, 0, 0)),
        ("http://[::ffff:8.8.8.8]/", socket.AF_INET, ("8.8.8.8", 80)),
        ("https://8.8.8.8/", socket.AF_INET, ("8.8.8.8", 443)),
    ],
)
def test_public_only_connects_to_the_address_it_checked(
    url: str, family: int, sockaddr: tuple[Any, ...]
) -> None:
    connector, resolver = Connector(refuse=True), FakeResolver(NAMES)
    result = check_link(url, resolver=resolver, connector=connector)
    assert result == ProbeResult("unknown", None, "refused")
    assert connector.calls == [(family, sockaddr)]
    assert len(resolver.calls) == (1 if "test" in url else 0)


def test_the_host_is_resolved_once_so_a_rebinding_answer_is_never_used(server: Server) -> None:
    resolver = FakeResolver({"probe.test": ["127.0.0.1"]}, later={"probe.test": ["10.0.0.1"]})
    url = server.url("/ok", host="probe.test")
    assert probe(url, server, resolver=resolver).answer == "present"
    assert resolver.calls == [("probe.test", server.port)]


def test_each_hop_is_resolved_again_and_a_rebinding_answer_refused(server: Server) -> None:
    resolver = FakeResolver({"probe.test": ["127.0.0.1"]}, later={"probe.test": ["10.0.0.1"]})
    connector = Connector()
    url = redirect_to(server, f"http://probe.test:{server.port}/ok")
    url = url.replace("127.0.0.1", "probe.test")
    result = probe(url, server, resolver=resolver, connector=connector)
    assert result == ProbeResult("unknown", 302, "private_address")
    assert len(resolver.calls) == 2
    assert len(connector.calls) == 1


def test_the_next_checked_address_is_tried_when_one_refuses(server: Server) -> None:
    resolver = FakeResolver({"probe.test": ["127.0.0.2", "127.0.0.1"]})
    loopback = dataclasses.replace(
        local_policy(server.port), also_allow=(ip_network("127.0.0.0/8"),)
    )
    connector = Connector()
    url = server.url("/ok", host="probe.test")
    result = check_link(url, policy=loopback, resolver=resolver, connector=connector)
    assert result.answer == "present"
    assert [sockaddr[0] for _family, sockaddr in connector.calls] == ["127.0.0.2", "127.0.0.1"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "bad_scheme"),
        ("example.com/page", "bad_scheme"),
        ("ftp://example.com/", "bad_scheme"),
        ("tg://resolve?domain=channel", "bad_scheme"),
        ("https://user@example.com/", "credentials"),
        ("https://user:pass@example.com/", "credentials"),
        ("https://example.com:8080/", "bad_port"),
        ("http://example.com:8443/", "bad_port"),
        ("https://example.com:0/", "bad_port"),
        ("https://example.com:99999/", "bad_url"),
        ("https://example.com:x/", "bad_url"),
        ("https://exa mple.com/", "bad_url"),
        ("https://example.com/a\r\nX-Injected: 1", "bad_url"),
        ("https://example.com/\x00", "bad_url"),
        ("https:///path", "bad_url"),
        ("https://x/", "bad_url"),
        ("https://-bad-.com/", "bad_url"),
        ("https://example.123/", "bad_url"),
        ("http://0x7f000001/", "bad_url"),
        ("http://\uff11\uff12\uff17.0.0.1/", "bad_url"),
        ("http://127\u30020\u30020\u30021/", "bad_url"),
        ("http://10.0.0.1#@example.com/", "private_address"),
        ("http://example.com:80@10.0.0.1/", "credentials"),
        ("http://example.com\t@10.0.0.1/", "bad_url"),
        ("https://[fe80::1%25eth0]/", "bad_url"),
        ("https://[not-an-address]/", "bad_url"),
        ("https://example.com/" + "a" * 2000, "bad_url"),
        ("https://" + "a" * 250 + ".com/", "bad_url"),
        ("https://\u2488.com/", "bad_url"),
        ("https://" + "\u00fc" * 64 + ".com/", "bad_url"),
    ],
)
def test_a_link_that_cannot_be_fetched_safely_is_not_looked_up(url: str, reason: str) -> None:
    resolver, connector = FakeResolver(NAMES), Connector()
    result = check_link(url, resolver=resolver, connector=connector)
    assert result == ProbeResult("unknown", None, reason)
    assert resolver.calls == connector.calls == []


def test_a_server_that_never_answers_times_out_within_the_deadline() -> None:
    with silent_listener() as port:
        started = time.monotonic()
        result = probe(f"http://127.0.0.1:{port}/", timeout=0.5, ports=(port,))
        elapsed = time.monotonic() - started
    assert result == ProbeResult("unknown", None, "timeout")
    assert 0.45 < elapsed < 1.5


def test_a_trickle_of_bytes_does_not_stretch_the_deadline(server: Server) -> None:
    started = time.monotonic()
    result = probe(server.url("/drip"), server, timeout=0.6)
    assert result == ProbeResult("unknown", None, "timeout")
    assert time.monotonic() - started < 1.6


def test_a_lookup_that_hangs_times_out_within_the_deadline() -> None:
    release = threading.Event()

    def hanging(*_: Any, **__: Any) -> list[Any]:
        release.wait(10)
        return []

    started = time.monotonic()
    try:
        result = check_link("https://slow.test/", resolver=hanging, timeout=0.3)
    finally:
        release.set()
    assert result == ProbeResult("unknown", None, "timeout")
    assert time.monotonic() - started < 1.3


@pytest.mark.parametrize(
    "answers",
    [
        [],
        [(socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/socket")],
        [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ())],
    ],
)
def test_a_lookup_that_fails_or_answers_no_address_is_a_dns_error(answers: list[Any]) -> None:
    connector = Connector()
    result = check_link("https://public.test/", resolver=lambda *_, **__: answers)
    assert result == ProbeResult("unknown", None, "dns_error")
    assert check_link("https://unknown.test/", resolver=FakeResolver(NAMES)).reason == "dns_error"
    assert connector.calls == []


def test_a_scoped_ipv6_answer_is_refused() -> None:
    scoped = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:4700::1", 443, 0, 2))]
    result = check_link("https://scoped.test/", resolver=lambda *_, **__: scoped)
    assert result == ProbeResult("unknown", None, "private_address")


def test_a_network_that_cannot_be_reached_is_a_network_error() -> None:
    unreachable = Connector(error=OSError(101, "Network is unreachable"))
    result = check_link(
        "https://public6.test/", resolver=FakeResolver(NAMES), connector=unreachable
    )
    assert result == ProbeResult("unknown", None, "network_error")


def test_trying_further_addresses_stops_at_the_deadline() -> None:
    slow = Connector(refuse=True, delay=0.3)
    resolver = FakeResolver({"many.test": ["93.184.215.14", "8.8.8.8", "1.1.1.1"]})
    result = check_link("http://many.test/", resolver=resolver, connector=slow, timeout=0.2)
    assert result == ProbeResult("unknown", None, "timeout")
    assert len(slow.calls) == 1


def test_a_closed_port_is_refused() -> None:
    port = closed_port()
    result = probe(f"http://127.0.0.1:{port}/", ports=(port,))
    assert result == ProbeResult("unknown", None, "refused")


def test_a_huge_body_is_cut_and_never_read(server: Server) -> None:
    connector = Connector()
    started = time.monotonic()
    result = probe(server.url("/huge"), server, connector=connector, max_bytes=4096)
    assert result == ProbeResult("present", 200, "http_status")
    assert connector.received <= 4096
    assert time.monotonic() - started < 2


def test_headers_past_max_bytes_are_cut_and_the_status_line_answers(server: Server) -> None:
    connector = Connector()
    result = probe(server.url("/fat-headers?code=410"), server, connector=connector, max_bytes=1024)
    assert result == ProbeResult("gone", 410, "http_status")
    assert connector.received <= 1024
    cut_location = server.url("/fat-headers?code=302&to=/ok")
    assert probe(cut_location, server, max_bytes=1024).reason == "bad_redirect"
    assert probe(cut_location, server).answer == "present"


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        (
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n",
            ProbeResult("gone", 404, "http_status"),
        ),
        (
            "HTTP/1.0 200 OK\nContent-Type: text/html\n\nhi",
            ProbeResult("present", 200, "http_status"),
        ),
        ("HTTP/1.1 200\r\n\r\n", ProbeResult("present", 200, "http_status")),
        ("HTTP/1.1 101 Switching Protocols\r\n\r\n", ProbeResult("unknown", None, "bad_response")),
        ("HTTP/1.1 103 Early Hints\r\n\r\n", ProbeResult("unknown", None, "bad_response")),
        ("SSH-2.0-OpenSSH_9.6\r\n", ProbeResult("unknown", None, "bad_response")),
        ("HTTP/2 200\r\n\r\n", ProbeResult("unknown", None, "bad_response")),
        ("HTTP/1.1 999 Nine\r\n\r\n", ProbeResult("unknown", None, "bad_response")),
        (
            "HTTP/1.1 302 Found\r\nLocation: /\xff\r\n\r\n",
            ProbeResult("unknown", 302, "bad_redirect"),
        ),
    ],
)
def test_only_an_http_1_status_line_is_an_answer(
    server: Server, reply: str, result: ProbeResult
) -> None:
    assert probe(server.url(f"/raw?reply={quote(reply, encoding='latin-1')}"), server) == result


def test_a_server_that_hangs_up_gives_no_answer(server: Server) -> None:
    assert probe(server.url("/hangup"), server) == ProbeResult("unknown", None, "bad_response")


def test_https_is_verified_against_the_hostname_it_was_asked_for(
    tls_server: Server, trusting: ssl.SSLContext
) -> None:
    url = tls_server.url("/ok", host="probe.test")
    assert probe(url, tls_server, context=trusting) == ProbeResult("present", 200, "http_status")
    assert tls_server.server_names == ["probe.test"]
    assert tls_server.seen[0].headers["Host"] == f"probe.test:{tls_server.port}"


@pytest.mark.parametrize("host", ["wrong.test", "127.0.0.1"])
def test_https_to_a_name_the_certificate_does_not_carry_is_a_tls_error(
    tls_server: Server, trusting: ssl.SSLContext, host: str
) -> None:
    result = probe(tls_server.url("/ok", host=host), tls_server, context=trusting)
    assert result == ProbeResult("unknown", None, "tls_error")
    assert tls_server.seen == []


def test_https_with_an_unknown_issuer_is_a_tls_error(tls_server: Server) -> None:
    result = probe(tls_server.url("/ok", host="probe.test"), tls_server)
    assert result == ProbeResult("unknown", None, "tls_error")
    assert tls_server.seen == []


def test_https_to_a_plain_http_server_is_a_tls_error(
    server: Server, trusting: ssl.SSLContext
) -> None:
    url = f"https://probe.test:{server.port}/ok"
    assert probe(url, server, context=trusting) == ProbeResult("unknown", None, "tls_error")


def test_a_redirect_may_move_between_http_and_https(
    server: Server, tls_server: Server, trusting: ssl.SSLContext
) -> None:
    up = redirect_to(server, tls_server.url("/status/404", host="probe.test"))
    assert probe(up, server, tls_server, context=trusting) == ProbeResult(
        "gone", 404, "http_status"
    )
    down = tls_server.url("/redirect?to=" + quote(server.url("/ok"), safe=""), host="probe.test")
    assert probe(down, server, tls_server, context=trusting).answer == "present"


def test_a_context_that_does_not_verify_is_never_used() -> None:
    lax = ssl.create_default_context()
    lax.check_hostname = False
    with pytest.raises(ValueError, match="verifies"):
        check_link("https://public.test/", context=lax)
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verifies"):
        check_link("https://public.test/", context=lax)


@pytest.mark.parametrize(
    "options", [{"timeout": 0}, {"max_bytes": 0}, {"max_redirects": -1}, {"timeout": -1.0}]
)
def test_limits_must_make_sense(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="positive"):
        check_link("https://public.test/", **options)


def test_public_only_is_the_default() -> None:
    assert check_link.__kwdefaults__["policy"] is PUBLIC_ONLY
