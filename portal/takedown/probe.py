"""The guarded automatic recheck of a removed link: is the page back, gone, or unknown?

One GET per hop, to an address resolved once and checked by the policy before any
connection, with the hostname verified over TLS. Only the status line and the headers up to
``max_bytes`` are read, and only the answer is kept: never the body, cookies or addresses.
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import Any, Literal
from urllib.parse import urljoin

from portal.takedown.addresses import (
    PUBLIC_ONLY,
    AddressPolicy,
    IPAddress,
    Target,
    Unknown,
    connect_address,
    parse_address,
    parse_target,
)

__all__ = ["PUBLIC_ONLY", "USER_AGENT", "AddressPolicy", "ProbeResult", "check_link"]

Answer = Literal["present", "gone", "unknown"]
Resolver = Callable[..., Iterable[tuple[Any, ...]]]
Connector = Callable[[int, tuple[Any, ...], float], socket.socket]

USER_AGENT = "portal-recheck/1"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({404, 410, 451})
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-5][0-9]{2})(?:[ \t][^\r\n]*)?\r?\n")
_CHUNK = 8192


@dataclass(frozen=True)
class ProbeResult:
    """The answer, the status of the last response received (None if none) and why."""

    answer: Answer
    status: int | None
    reason: str


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline")
    return left


def _resolve(resolver: Resolver, target: Target, deadline: float) -> list[tuple[Any, ...]]:
    # getaddrinfo takes no timeout; a lookup that outlives the deadline is left to finish.
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(list(resolver(target.host, target.port, type=socket.SOCK_STREAM)))
        except Exception as exc:  # handed to the caller, which answers "dns_error"
            box.append(exc)

    worker = threading.Thread(target=run, name="probe-resolve", daemon=True)
    worker.start()
    worker.join(_remaining(deadline))
    if not box:
        raise TimeoutError("resolve")
    if isinstance(box[0], Exception) or not box[0]:
        raise Unknown("dns_error")
    return box[0]


def _addresses(
    target: Target, policy: AddressPolicy, resolver: Resolver, deadline: float
) -> list[IPAddress]:
    """Every address the host has, each allowed by the policy; else no connection at all."""
    if target.literal is not None:
        found = [target.literal]
    else:
        found = []
        for info in _resolve(resolver, target, deadline):
            sockaddr = info[4]
            address = parse_address(str(sockaddr[0])) if sockaddr else None
            if address is None:
                raise Unknown("dns_error")
            if len(sockaddr) > 3 and sockaddr[3]:
                raise Unknown("private_address")  # a scope: link-local by definition
            found.append(address)
    if not all(policy(address) for address in found):
        raise Unknown("private_address")
    return list(dict.fromkeys(connect_address(address) for address in found))


def open_connection(family: int, sockaddr: tuple[Any, ...], timeout: float) -> socket.socket:
    """A TCP connection to exactly ``sockaddr`` (an address, never a name)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _connect(
    addresses: list[IPAddress], port: int, deadline: float, connector: Connector
) -> socket.socket:
    error: OSError = ConnectionError("no address")
    for address in addresses:
        sockaddr: tuple[Any, ...]
        if isinstance(address, IPv6Address):
            family, sockaddr = socket.AF_INET6, (str(address), port, 0, 0)
        else:
            family, sockaddr = socket.AF_INET, (str(address), port)
        try:
            return connector(family, sockaddr, _remaining(deadline))
        except OSError as exc:
            error = exc
    raise error


def _request(target: Target) -> bytes:
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: {target.authority()}",
        f"User-Agent: {USER_AGENT}",
        "Accept: */*",
        "Accept-Encoding: identity",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _head(data: bytes) -> tuple[int, list[bytes], bool] | None:
    """The status, complete header lines and completeness of the first final response."""
    pos = 0
    while match := _STATUS_LINE.match(data, pos):
        status, lines, pos, complete = int(match[1]), [], match.end(), False
        while (newline := data.find(b"\n", pos)) >= 0:
            line, pos = data[pos:newline].removesuffix(b"\r"), newline + 1
            if not line:
                complete = True
                break
            lines.append(line)
        # 1xx answers (103 Early Hints) come before the real one; 101 would change protocol.
        if not (complete and 100 <= status < 200 and status != 101):
            return status, lines, complete
    return None


def _read_head(sock: socket.socket, deadline: float, max_bytes: int) -> bytes:
    data = b""
    while len(data) < max_bytes:
        head = _head(data)
        if head is not None and head[2]:
            break
        sock.settimeout(_remaining(deadline))
        chunk = sock.recv(min(_CHUNK, max_bytes - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _location(lines: list[bytes]) -> str | None:
    values = set()
    for line in lines:
        name, sep, value = line.partition(b":")
        if sep and name.lower() == b"location":
            values.add(value.strip())
    if len(values) != 1:
        return None
    try:
        return values.pop().decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass
class _Options:
    deadline: float
    max_bytes: int
    connector: Connector
    context: ssl.SSLContext | None

    def tls(self) -> ssl.SSLContext:
        if self.context is None:
            self.context = ssl.create_default_context()
        return self.context


def _fetch(target: Target, addresses: list[IPAddress], options: _Options) -> tuple[int, str | None]:
    """One GET; the status of the response and its Location header, if any and only one."""
    with ExitStack() as stack:
        sock = _connect(addresses, target.port, options.deadline, options.connector)
        stack.enter_context(sock)
        if target.scheme == "https":
            sock.settimeout(_remaining(options.deadline))
            sock = options.tls().wrap_socket(sock, server_hostname=target.host)
            stack.enter_context(sock)
        sock.settimeout(_remaining(options.deadline))
        sock.sendall(_request(target))
        head = _head(_read_head(sock, options.deadline, options.max_bytes))
    if head is None or 100 <= head[0] < 200:
        raise Unknown("bad_response")
    return head[0], _location(head[1])


def _reason(exc: OSError) -> str:
    if isinstance(exc, ssl.SSLError):
        return "tls_error"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    return "network_error"


def _answer(status: int) -> Answer:
    if 200 <= status < 300:
        return "present"
    return "gone" if status in _GONE else "unknown"


def check_link(
    url: str,
    *,
    policy: AddressPolicy = PUBLIC_ONLY,
    timeout: float = 5.0,
    max_bytes: int = 65536,
    max_redirects: int = 3,
    resolver: Resolver = socket.getaddrinfo,
    context: ssl.SSLContext | None = None,
    connector: Connector = open_connection,
) -> ProbeResult:
    """Whether the page at ``url`` is back ("present"), "gone" (404, 410, 451) or "unknown".

    Every hop is parsed, resolved once and checked by ``policy`` before anything connects,
    and the connection goes to the checked address; ``timeout`` bounds the whole check.
    ``context`` (tests: a CA of their own) must verify certificates and hostnames;
    ``connector`` opens the TCP connection (tests watch it). Production passes neither.
    """
    if timeout <= 0 or max_bytes <= 0 or max_redirects < 0:
        raise ValueError("timeout and max_bytes must be positive, max_redirects not negative")
    if context is not None and not (
        context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    ):
        raise ValueError("a recheck always verifies the certificate and the hostname")
    options = _Options(time.monotonic() + timeout, max_bytes, connector, context)
    status: int | None = None
    followed = 0
    try:
        target = parse_target(url, policy, "bad_url")
        while True:
            try:
                addresses = _addresses(target, policy, resolver, options.deadline)
                status, location = _fetch(target, addresses, options)
            except OSError as exc:
                raise Unknown(_reason(exc)) from exc
            if status not in _REDIRECTS:
                return ProbeResult(_answer(status), status, "http_status")
            if followed == max_redirects:
                raise Unknown("too_many_redirects")
            if location is None:
                raise Unknown("bad_redirect")
            target = parse_target(urljoin(target.url(), location), policy, "bad_redirect")
            followed += 1
    except Unknown as stop:
        return ProbeResult("unknown", status, stop.reason)
