"""Real local servers for the recheck tests: HTTP and HTTPS on 127.0.0.1, raw TCP, and a
resolver and a connector that tests can watch."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from portal.takedown.addresses import AddressPolicy

BODY_MARK = b"SECRET-BODY-MARK"
HUGE = 50 * 1024 * 1024


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(Seen("GET", self.path, dict(self.headers.items())))
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        # The probe hangs up once it has what it needs.
        with suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
            getattr(self, "route_" + parts[0].replace("-", "_"))(
                parts[1:], parse_qs(url.query, encoding="latin-1")
            )
        self.close_connection = True

    def _send(self, status: int, headers: list[tuple[str, str]] = [], body: bytes = b"") -> None:  # noqa: B006
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_ok(self, _: list[str], __: dict[str, list[str]]) -> None:
        self._send(200, [("Set-Cookie", "session=abc")], BODY_MARK)

    def route_status(self, parts: list[str], _: dict[str, list[str]]) -> None:
        self._send(int(parts[0]), body=b"" if parts[0] in ("204", "304") else BODY_MARK)

    def route_chain(self, parts: list[str], _: dict[str, list[str]]) -> None:
        left = int(parts[0])
        if left:
            self._send(302, [("Location", f"/chain/{left - 1}"), ("Set-Cookie", "c=1")])
        else:
            self._send(200, body=BODY_MARK)

    def route_redirect(self, _: list[str], query: dict[str, list[str]]) -> None:
        status = int(query.get("code", ["302"])[0])
        self._send(status, [("Location", location) for location in query.get("to", [])])

    def route_huge(self, _: list[str], __: dict[str, list[str]]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        chunk = BODY_MARK * 4096
        for _sent in range(0, HUGE, len(chunk)):
            self.wfile.write(chunk)

    def route_fat_headers(self, _: list[str], query: dict[str, list[str]]) -> None:
        self.send_response(int(query.get("code", ["200"])[0]))
        for n in range(64):
            self.send_header(f"X-Filler-{n}", "x" * 1000)
        for location in query.get("to", []):
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_drip(self, _: list[str], __: dict[str, list[str]]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        stop = time.monotonic() + 10
        while time.monotonic() < stop:
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(0.05)

    def route_hangup(self, _: list[str], __: dict[str, list[str]]) -> None:
        pass

    def route_raw(self, _: list[str], query: dict[str, list[str]]) -> None:
        self.wfile.write(query["reply"][0].encode("latin-1"))


class Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for every handler to finish

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[Seen] = []
        self.server_names: list[str | None] = []
        self.scheme = "http"
        if context is not None:
            context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


@contextmanager
def serving(context: ssl.SSLContext | None = None) -> Iterator[Server]:
    server = Server(context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


def local_policy(*ports: int) -> AddressPolicy:
    """The test policy: public addresses, and 127.0.0.1 on the test servers' ports."""
    return AddressPolicy(
        also_allow=(ip_network("127.0.0.1/32"),), ports=frozenset({80, 443, *ports})
    )


@dataclass
class FakeResolver:
    """getaddrinfo from a table of names; records every lookup; ``later`` answers rebind."""

    table: dict[str, list[str]]
    later: dict[str, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, host: str, port: int, *_: Any, **__: Any) -> list[tuple[Any, ...]]:
        seen_before = any(name == host for name, _port in self.calls)
        self.calls.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.later[host] if seen_before and host in self.later else self.table[host]
        return [_info(address, port) for address in answers]


def _info(address: str, port: int) -> tuple[Any, ...]:
    if ip_address(address).version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


class CountingSocket(socket.socket):
    """A socket that counts what it receives."""

    received = 0

    def recv(self, size: int, flags: int = 0) -> bytes:
        data = super().recv(size, flags)
        self.received += len(data)
        return data


@dataclass
class Connector:
    """Records every connection asked for, then makes it (or refuses, when told to)."""

    refuse: bool = False
    error: OSError | None = None
    delay: float = 0.0
    calls: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    sockets: list[CountingSocket] = field(default_factory=list)

    def __call__(self, family: int, sockaddr: tuple[Any, ...], timeout: float) -> socket.socket:
        self.calls.append((family, sockaddr))
        time.sleep(self.delay)
        if self.refuse:
            raise ConnectionRefusedError(111, "Connection refused")
        if self.error is not None:
            raise self.error
        sock = CountingSocket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except BaseException:
            sock.close()
            raise
        self.sockets.append(sock)
        return sock

    @property
    def received(self) -> int:
        return sum(sock.received for sock in self.sockets)


def make_certificates(folder: Path, host: str = "probe.test") -> tuple[Path, Path, Path]:
    """A CA and a server certificate for ``host`` it signed: (ca, cert, key) PEM files."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "recheck test CA")])
    usage = dict.fromkeys(
        ["content_commitment", "key_encipherment", "data_encipherment", "key_agreement"], False
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
                **usage,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
                **usage,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths
