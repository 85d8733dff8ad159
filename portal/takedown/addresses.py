"""Where an automatic recheck may go: http(s) URLs without credentials on allowed ports, to
public unicast addresses only.

The address tables are written out here as well as read from ``ipaddress``'s properties, because
those properties change between Python releases and a new release must not open a range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import quote, urlsplit

from portal.links.parse import MAX_LINK_LENGTH

__all__ = [
    "PUBLIC_ONLY",
    "AddressPolicy",
    "IPAddress",
    "IPNetwork",
    "Target",
    "Unknown",
    "connect_address",
    "embedded_ipv4",
    "is_public",
    "parse_address",
    "parse_target",
]

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Spaces and controls could split the request line; browsers read a backslash as a slash.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_PATH_SAFE = "!$%&'()*+,/:;=?@~"

_REFUSED_V4 = tuple(
    IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, where cloud metadata services answer
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast address
    )
)
# Only 2000::/3 is handed out as global unicast; everything outside it (loopback, ULA,
# link-local, site-local, multicast, IPv4-compatible, local NAT64, discard) is refused.
_GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
_REFUSED_V6 = tuple(
    IPv6Network(cidr)
    for cidr in (
        "2001::/23",  # IETF protocol assignments, Teredo (2001::/32) and ORCHID among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_NAT64 = IPv6Network("64:ff9b::/96")


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or well-known-prefix NAT64 address reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _properties_say_public(address: IPAddress) -> bool:
    flags = (
        address.is_private,
        address.is_loopback,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
    )
    return address.is_global and not any(flags)


def _public_v4(address: IPv4Address) -> bool:
    return not any(address in net for net in _REFUSED_V4) and _properties_say_public(address)


def _public_v6(address: IPv6Address) -> bool:
    if address not in _GLOBAL_UNICAST_V6 or any(address in net for net in _REFUSED_V6):
        return False
    return not address.is_site_local and _properties_say_public(address)


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is public unicast; an embedded IPv4 address decides for its form."""
    if isinstance(address, IPv6Address):
        if address.scope_id is not None:
            return False
        embedded = embedded_ipv4(address)
        return _public_v4(embedded) if embedded is not None else _public_v6(address)
    return _public_v4(address)


def parse_address(text: str) -> IPAddress | None:
    """An address as a resolver writes it, or None when it is not a plain IP address."""
    try:
        return ip_address(text)
    except ValueError:
        return None


def connect_address(address: IPAddress) -> IPAddress:
    """The address to open a socket to: an IPv4-mapped address as the IPv4 address it is."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class AddressPolicy:
    """What a recheck may connect to: public unicast addresses on ports 80 and 443.

    ``also_allow`` adds networks (tests allow 127.0.0.1 for their local server, and the
    port it listens on); ``PUBLIC_ONLY`` is the only policy production uses.
    """

    also_allow: tuple[IPNetwork, ...] = ()
    ports: frozenset[int] = frozenset({80, 443})

    def __call__(self, address: IPAddress) -> bool:
        return is_public(address) or any(address in net for net in self.also_allow)

    def allows_port(self, port: int) -> bool:
        return port in self.ports


PUBLIC_ONLY = AddressPolicy()


class Unknown(Exception):
    """The check ends with the answer "unknown"; ``reason`` is why, as a machine name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """One address to fetch, as parsed and checked for its scheme, port and host."""

    scheme: str
    host: str  # lower-case ASCII name, or an address without brackets
    port: int
    path: str  # the request target: path and query, percent-encoded
    literal: IPAddress | None

    def url(self) -> str:
        return f"{self.scheme}://{self.authority()}{self.path}"

    def authority(self) -> str:
        host = f"[{self.host}]" if isinstance(self.literal, IPv6Address) else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _host(name: str, reason: str) -> tuple[str, IPAddress | None]:
    name = name.removesuffix(".")
    if ":" in name:  # only an IPv6 literal has colons once urlsplit took the brackets off
        address = parse_address(name)
        if not isinstance(address, IPv6Address) or address.scope_id is not None:
            raise Unknown(reason)
        return str(address), address
    address = parse_address(name)
    if isinstance(address, IPv4Address):
        return str(address), address
    try:
        name = name.encode("idna").decode("ascii").lower() if not name.isascii() else name
    except UnicodeError as exc:
        raise Unknown(reason) from exc
    labels = name.split(".")
    # A numeric last label would reach the resolver as 127.1 or 0x7f000001 do: not a name.
    valid = len(name) <= 253 and len(labels) > 1 and _TLD.fullmatch(labels[-1]) is not None
    if not valid or not all(_LABEL.fullmatch(label) for label in labels):
        raise Unknown(reason)
    return name, None


def parse_target(url: str, policy: AddressPolicy, reason: str) -> Target:
    """Parse one address to fetch; ``reason`` names what a malformed one is."""
    if len(url) > MAX_LINK_LENGTH or _FORBIDDEN.search(url):
        raise Unknown(reason)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Unknown(reason) from exc
    if parts.scheme not in _DEFAULT_PORTS:
        raise Unknown("bad_scheme")
    if "@" in parts.netloc:
        raise Unknown("credentials")
    port = _DEFAULT_PORTS[parts.scheme] if port is None else port
    if not policy.allows_port(port):
        raise Unknown("bad_port")
    host, literal = _host(parts.hostname or "", reason)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return Target(parts.scheme, host, port, path, literal)
