"""Handing one message to an SMTP server, from ``PORTAL_SMTP_URL``, and saying how it went.

``smtp://host:port`` uses STARTTLS whenever the server offers it and sends in clear text only
to a loopback host; ``smtps://host:port`` is TLS from the first byte. Certificates are
verified, except on loopback, where clear text would be allowed anyway. Every failure
becomes a ``SendError`` whose outcome is ``retry`` (4xx, connection refused, timeout),
``failed`` (5xx, clear text refused, bad certificate) or ``uncertain``: the message was
sent to the end and the server's answer never arrived, so it may have been delivered.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import unquote, urlsplit

Outcome = Literal["retry", "failed", "uncertain"]
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
URL_EXAMPLE = "smtp://mail.example.org:587 or smtps://user:password@mail.example.org:465"


class SendError(Exception):
    """Sending did not succeed; ``reason`` is short and holds no message content."""

    def __init__(self, outcome: Outcome, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.outcome: Outcome = outcome
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Delivery:
    """The server took the message; ``refused`` lists recipients it turned away (codes)."""

    refused: dict[str, int] = field(default_factory=dict)


class Transport(Protocol):
    def send(self, sender: str, recipients: Sequence[str], data: bytes) -> Delivery: ...


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 20.0


def parse_smtp_url(url: str, timeout: float = 20.0) -> SmtpSettings:
    """Settings from ``PORTAL_SMTP_URL``; ValueError (never echoing a password) if malformed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"the scheme must be smtp or smtps, e.g. {URL_EXAMPLE}")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError(f"the port is not a number, e.g. {URL_EXAMPLE}") from None
    if not parts.hostname:
        raise ValueError(f"there is no host, e.g. {URL_EXAMPLE}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"only scheme, user, password, host and port are read, e.g. {URL_EXAMPLE}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise ValueError("give both a user and a password, or neither")
    return SmtpSettings(parts.scheme, parts.hostname, port, username, password, timeout)


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_plan(
    scheme: str, host: str, starttls_offered: bool
) -> Literal["implicit", "starttls", "plain"]:
    """How to protect the connection, or a failed SendError if only clear text would do."""
    if scheme == "smtps":
        return "implicit"
    if starttls_offered:
        return "starttls"
    if is_loopback(host):
        return "plain"
    raise SendError(
        "failed",
        f"refusing to send in clear text: no STARTTLS and not loopback; use smtps:// ({host})",
    )


def classify(code: int) -> Outcome:
    return "retry" if 400 <= code < 500 else "failed"


def _dot_stuffed(data: bytes) -> bytes:
    body = re.sub(rb"(?m)^\.", b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _tls_context(host: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if is_loopback(host):
        # A local relay's certificate rarely names localhost; clear text is allowed there.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class SmtpTransport:
    """One connection per message, closed when it is done."""

    def __init__(self, settings: SmtpSettings, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = context or _tls_context(settings.host)

    def _connect(self, local_hostname: str) -> smtplib.SMTP:
        s = self.settings
        if s.scheme == "smtps":
            return smtplib.SMTP_SSL(
                s.host, s.port, local_hostname, timeout=s.timeout, context=self.context
            )
        return smtplib.SMTP(s.host, s.port, local_hostname, timeout=s.timeout)

    def send(self, sender: str, recipients: Sequence[str], data: bytes) -> Delivery:
        try:
            smtp = self._connect(sender.rpartition("@")[2] or "localhost")
        except smtplib.SMTPResponseException as error:
            raise _refusal(error.smtp_code) from None
        except OSError as error:
            raise _connection_error(error, data_sent=False) from None
        progress = _Progress()
        try:
            return self._session(smtp, sender, recipients, data, progress)
        except SendError:
            raise
        except smtplib.SMTPResponseException as error:
            raise _refusal(error.smtp_code) from None
        except smtplib.SMTPNotSupportedError:
            raise SendError("failed", "the server lacks a step we need (AUTH?)") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise _connection_error(error, progress.data_sent) from None
        except smtplib.SMTPException:
            raise SendError("retry", "smtp protocol error") from None
        finally:
            smtp.close()

    def _session(
        self,
        smtp: smtplib.SMTP,
        sender: str,
        recipients: Sequence[str],
        data: bytes,
        progress: _Progress,
    ) -> Delivery:
        s = self.settings
        smtp.ehlo_or_helo_if_needed()
        if tls_plan(s.scheme, s.host, smtp.has_extn("starttls")) == "starttls":
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if s.username is not None and s.password is not None:
            smtp.login(s.username, s.password)
        code, _ = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, b"", sender)
        refused: dict[str, int] = {}
        for recipient in recipients:
            code, _ = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = code
        if len(refused) == len(recipients):
            codes = sorted(refused.values())
            outcome: Outcome = "retry" if any(classify(c) == "retry" for c in codes) else "failed"
            raise SendError(outcome, f"{codes[0]} every recipient refused", codes[0])
        code, _ = smtp.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, b"")
        smtp.send(_dot_stuffed(data))
        # The final dot is out: a reply lost from here on leaves delivery unknown.
        progress.data_sent = True
        code, _ = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, b"")
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()  # delivered already; a lost goodbye changes nothing
        return Delivery(refused)


def _refusal(code: int) -> SendError:
    outcome = classify(code)
    kind = "temporary" if outcome == "retry" else "permanent"
    return SendError(outcome, f"{code} {kind} refusal", code)


@dataclass
class _Progress:
    data_sent: bool = False


def _connection_error(error: BaseException, data_sent: bool) -> SendError:
    if data_sent:
        return SendError("uncertain", "the connection ended before the server confirmed")
    if isinstance(error, ssl.SSLCertVerificationError):
        return SendError("failed", "the server's TLS certificate did not verify")
    if isinstance(error, ConnectionRefusedError):
        return SendError("retry", "connection refused")
    if isinstance(error, TimeoutError):
        return SendError("retry", "timed out")
    return SendError("retry", f"connection error ({type(error).__name__})")


def transport_from_config(config: Mapping[str, Any]) -> SmtpTransport | None:
    """The transport ``PORTAL_SMTP_URL`` names, or None when the portal sends nothing."""
    url = config.get("PORTAL_SMTP_URL")
    if not url:
        return None
    timeout = float(config.get("PORTAL_SMTP_TIMEOUT_SECONDS", 20.0))
    return SmtpTransport(parse_smtp_url(str(url), timeout))
