"""Every e-mail the portal sends (notices, staff alerts, victim notices): RFC 5322, UTF-8,
no header injection.

A message is built once, as an ``EmailMessage`` under ``email.policy.SMTP`` (CRLF line ends,
RFC 2047 headers, a quoted-printable or base64 body), and kept as its bytes: the outbox
seals them, a staff member can download them as an ``.eml`` file, and the worker sends
exactly those bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes
from email.errors import HeaderParseError, MessageError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid

from portal.models import utcnow

# Any line break or other control character would end a header and start another.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# "Name <user@example.org>" as PORTAL_MAIL_FROM may give it.
_NAMED = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>\s*$")


# SMTP's line ends and header folding, and a body the policy encodes as quoted-printable or
# base64, so any relay (8BITMIME or not) carries the bytes unchanged.
class _Policy(EmailPolicy):
    """The SMTP policy, with non-ASCII unstructured headers folded by ``email.header``.

    The modern folder can cut an encoded word in two when ASCII and Korean text share a
    header near the line limit (seen with subjects here), which readers then show as
    ``=?utf-8?b?...`` garbage; the older encoder folds between whole encoded words.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            folded = Header(str(value), "utf-8", maxlinelen=78, header_name=name)
            return f"{name}: {folded.encode(linesep=self.linesep)}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


POLICY = _Policy(linesep="\r\n", cte_type="7bit")
MAX_SUBJECT = 400
MAX_RECIPIENTS = 50

AddressInput = str | tuple[str, str]


class MailError(ValueError):
    """A message cannot be built as asked; ``reason`` says why, without its content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_controls(value: str, what: str) -> str:
    if _CONTROL.search(value):
        raise MailError(f"{what} holds a line break or control character (header injection)")
    return value


def _domain(domain: str, shown: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise MailError(f"{shown!r} is not a valid e-mail address: bad domain") from None
    labels = ascii_domain.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise MailError(f"{shown!r} is not a valid e-mail address: bad domain")
    return ascii_domain


def parse_address(value: AddressInput) -> Address:
    """One mailbox: ``"user@example.org"``, ``"Name <user@example.org>"`` or (name, addr)."""
    if isinstance(value, tuple):
        name, addr = value
    else:
        _no_controls(value, "an e-mail address")
        named = _NAMED.match(value)
        name, addr = (named["name"].strip('" '), named["addr"]) if named else ("", value)
    _no_controls(name, "a display name")
    addr = _no_controls(addr, "an e-mail address").strip()
    if not addr or addr.count("@") != 1:
        raise MailError(f"{addr!r} is not a valid e-mail address: expected one @")
    try:
        parsed = Address(addr_spec=addr)
    except (ValueError, MessageError, HeaderParseError, IndexError):
        raise MailError(
            f"{addr!r} is not a valid e-mail address (use plain ASCII before the @)"
        ) from None
    if not parsed.username:
        raise MailError(f"{addr!r} is not a valid e-mail address: nothing before the @")
    return Address(name, parsed.username, _domain(parsed.domain, addr))


def _addresses(values: Sequence[AddressInput]) -> list[Address]:
    if isinstance(values, str):
        values = [values]
    return [parse_address(value) for value in values]


def build_message(
    *,
    sender: AddressInput,
    to: Sequence[AddressInput],
    subject: str,
    body: str,
    reply_to: AddressInput | None = None,
    cc: Sequence[AddressInput] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """A complete message, ready to send or download; MailError when something is wrong."""
    from_address = parse_address(sender)
    to_addresses = _addresses(to)
    cc_addresses = _addresses(cc)
    if not to_addresses:
        raise MailError("a message needs at least one To address")
    if len(to_addresses) + len(cc_addresses) > MAX_RECIPIENTS:
        raise MailError(f"a message may have at most {MAX_RECIPIENTS} recipients")
    subject = _no_controls(subject.strip(), "the subject")
    if not subject:
        raise MailError("a message needs a subject")
    if len(subject) > MAX_SUBJECT:
        raise MailError(f"the subject is longer than {MAX_SUBJECT} characters")
    if "\x00" in body:
        raise MailError("the body holds a NUL character")

    message = EmailMessage(policy=POLICY)
    message["From"] = from_address
    message["To"] = to_addresses
    if cc_addresses:
        message["Cc"] = cc_addresses
    if reply_to is not None:
        message["Reply-To"] = parse_address(reply_to)
    message["Subject"] = subject
    message["Date"] = format_datetime(date or utcnow())
    message["Message-ID"] = make_msgid(domain=from_address.domain)
    message["MIME-Version"] = "1.0"
    # Line ends are the policy's business: normalise what a browser form sent.
    message.set_content(body.replace("\r\n", "\n").replace("\r", "\n"), charset="utf-8")
    return message


def eml_bytes(message: EmailMessage) -> bytes:
    """The message as an ``.eml`` file (and as sent): 7-bit, CRLF line ends."""
    data = message.as_bytes(policy=POLICY)
    if not data.isascii():  # pragma: no cover - the 7-bit policy re-encodes 8-bit parts
        raise MailError("the message is not 7-bit clean")
    return data


def load_message(data: bytes) -> EmailMessage:
    """A message back from the bytes ``eml_bytes`` gave."""
    loaded = message_from_bytes(data, policy=POLICY)
    if not isinstance(loaded, EmailMessage):  # pragma: no cover - the policy makes one
        raise MailError("not a message")
    return loaded


def envelope_sender(message: EmailMessage) -> str:
    """The bare address of From (the SMTP MAIL FROM)."""
    addresses: tuple[Address, ...] = getattr(message["From"], "addresses", ())
    if len(addresses) != 1:
        raise MailError("a message needs exactly one From address")
    return str(addresses[0].addr_spec)


def envelope_recipients(message: EmailMessage) -> list[str]:
    """The bare addresses of To and Cc, each once, in order (the SMTP RCPT TO list)."""
    found: list[str] = []
    for name in ("To", "Cc"):
        for header in message.get_all(name, []):
            for address in getattr(header, "addresses", ()):
                addr = str(address.addr_spec)
                if addr.lower() not in {seen.lower() for seen in found}:
                    found.append(addr)
    if not found:
        raise MailError("a message needs at least one recipient")
    return found
