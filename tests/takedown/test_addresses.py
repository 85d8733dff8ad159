"""The recheck's address policy and how it reads the addresses it is sent to."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest

from portal.takedown.addresses import (
    PUBLIC_ONLY,
    AddressPolicy,
    Unknown,
    connect_address,
    embedded_ipv4,
    is_public,
    parse_address,
    parse_target,
)

PUBLIC = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.215.14",
    "211.249.220.24",  # a Korean portal's range
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.0",  # just above it
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2404:6800:4004:80a::200e",
    "2001:200::1",  # just past the IETF protocol block
    "::ffff:8.8.8.8",  # IPv4-mapped public
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]

NOT_PUBLIC = [
    # IPv4: this network, private, loopback, link-local, CGNAT
    "0.0.0.0",  # noqa: S104 (refused here, never bound)
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "192.168.255.255",
    # IPv4: IETF, documentation, benchmarking, relay, multicast, reserved, broadcast
    "192.0.0.1",
    "192.0.0.170",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "198.18.0.1",
    "198.19.255.255",
    "192.88.99.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6: unspecified, loopback, IPv4-compatible, ULA, link-local, site-local, multicast
    "::",
    "::1",
    "::a00:1",
    "::7f00:1",
    "fc00::1",
    "fd12:3456:789a::1",
    "fe80::1",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    # IPv6 documentation, discard, IETF block, Teredo, ORCHID, local NAT64, SRv6
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:10::1",
    "2001:20::1",
    "64:ff9b:1::a00:1",
    "5f00::1",
    "4000::1",  # outside global unicast
    # Embedded IPv4 that is not public
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::ffff:100.64.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::a00:1",
    "2002:7f00:1::1",
    "2002:a00:1::1",
    "2002:c0a8:101::1",
    "2002:a9fe:a9fe::1",
    # Scoped
    "fe80::1%eth0",
    "2606:4700:4700::1111%2",
]


@pytest.mark.parametrize("text", PUBLIC)
def test_public_unicast_is_allowed(text: str) -> None:
    assert is_public(ip_address(text))
    assert PUBLIC_ONLY(ip_address(text))


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_everything_else_is_refused(text: str) -> None:
    address = ip_address(text)
    assert not is_public(address)
    assert not PUBLIC_ONLY(address)


@pytest.mark.parametrize(
    ("text", "embedded"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("2002:c0a8:101::1", "192.168.1.1"),
        ("2606:4700:4700::1111", None),
        ("::1", None),
    ],
)
def test_embedded_ipv4(text: str, embedded: str | None) -> None:
    address = ip_address(text)
    assert isinstance(address, IPv6Address)
    assert embedded_ipv4(address) == (IPv4Address(embedded) if embedded else None)


def test_a_mapped_address_is_connected_to_as_ipv4() -> None:
    assert connect_address(ip_address("::ffff:8.8.8.8")) == IPv4Address("8.8.8.8")
    assert connect_address(ip_address("2606:4700::1")) == ip_address("2606:4700::1")
    assert connect_address(ip_address("8.8.8.8")) == IPv4Address("8.8.8.8")


def test_a_test_policy_adds_only_what_it_names() -> None:
    policy = AddressPolicy(also_allow=(ip_network("127.0.0.1/32"),), ports=frozenset({8000}))
    assert policy(ip_address("127.0.0.1"))
    assert policy(ip_address("8.8.8.8"))
    assert not policy(ip_address("127.0.0.2"))
    assert not policy(ip_address("::1"))
    assert not policy(ip_address("10.0.0.1"))
    assert policy.allows_port(8000)
    assert not policy.allows_port(80)
    assert PUBLIC_ONLY.allows_port(80)
    assert PUBLIC_ONLY.allows_port(443)
    assert not PUBLIC_ONLY.allows_port(8080)


@pytest.mark.parametrize("text", ["example.com", "", "1.2.3", "::1::", "010.0.0.1"])
def test_parse_address_reads_only_plain_addresses(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("url", "host", "port", "path", "authority"),
    [
        ("https://example.com", "example.com", 443, "/", "example.com"),
        ("HTTPS://Example.COM./a/b?c=d#frag", "example.com", 443, "/a/b?c=d", "example.com"),
        ("http://example.com:443/", "example.com", 443, "/", "example.com:443"),
        ("https://example.com:80/", "example.com", 80, "/", "example.com:80"),
        ("http://example.com/%ED%94%BC%ED%95%B4", "example.com", 80, "/%ED%94%BC%ED%95%B4", None),
        (
            "http://example.com/피해?q=사진",
            "example.com",
            80,
            "/%ED%94%BC%ED%95%B4?q=%EC%82%AC%EC%A7%84",
            None,
        ),
        ("https://한국.kr/", "xn--3e0b707e.kr", 443, "/", "xn--3e0b707e.kr"),
        ("https://_dmarc.example.com/", "_dmarc.example.com", 443, "/", None),
        ("https://tiktok.com/@name/video/1", "tiktok.com", 443, "/@name/video/1", None),
        ("https://8.8.8.8/", "8.8.8.8", 443, "/", "8.8.8.8"),
        ("http://[2606:4700:0::1111]/", "2606:4700::1111", 80, "/", "[2606:4700::1111]"),
        ("http://[2606:4700::1111]:443/", "2606:4700::1111", 443, "/", "[2606:4700::1111]:443"),
    ],
)
def test_a_target_is_read_as_the_host_will_be_asked_for(
    url: str, host: str, port: int, path: str, authority: str | None
) -> None:
    target = parse_target(url, PUBLIC_ONLY, "bad_url")
    assert (target.host, target.port, target.path) == (host, port, path)
    assert target.authority() == (authority or host)
    assert parse_target(target.url(), PUBLIC_ONLY, "bad_url") == target


def test_a_malformed_target_carries_the_reason_it_was_given() -> None:
    with pytest.raises(Unknown) as caught:
        parse_target("http://bad host/", PUBLIC_ONLY, "bad_redirect")
    assert caught.value.reason == "bad_redirect"
