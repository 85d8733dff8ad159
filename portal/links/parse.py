"""Normalise links to reported content as victims type them, for takedowns and case matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote

from portal.links.classify import PCT, TG_NAME, Url, classify, key_of
from portal.links.platforms import ALIASES, DOMAINS, LINK_KINDS, PLATFORMS

__all__ = ["LINK_KINDS", "MAX_LINK_LENGTH", "PLATFORMS", "LinkRejected", "ParsedLink", "parse_link"]

MAX_LINK_LENGTH = 2000
_LABEL_MAX = 60

# Phones and chat apps paste these around links; they are invisible and never part of one.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# A "scheme" followed only by digits is a host and port, as in "localhost:8080/x".
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?![0-9]+(?:[/?#]|$))")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?!$)|$)){4}")
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
# Only strip while a dot remains, so "m.me" and "www.com" keep their meaning.
_PREFIX = re.compile(r"^(?:(?:www|m|mobile)\.)+(?=[^.]+\.)")
_STRAY_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]")
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_SAFE = "/?:@!$'()*+,;="
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = frozenset(
    [
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "igshid",
        "igsh",
        "si",
        "mc_cid",
        "mc_eid",
        "_ga",
        "ref",
        "ref_src",
        "ref_url",
    ]
)
_PLATFORM_TRACKING = {"x": {"s", "t"}, "youtube": {"feature"}, "tiktok": {"share_id", "_t", "_r"}}
# The mobile dcinside site has its own paths, which lead nowhere without the "m.".
_KEEP_PREFIX = frozenset({"m.dcinside.com"})


class LinkRejected(ValueError):
    """The text cannot be used as a link; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedLink:
    url: str
    platform: str
    kind: str
    source: str | None
    label: str


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if _UNRESERVED.fullmatch(char) else match[0].upper()


def _quote(part: str, safe: str) -> str:
    # One spelling per URL: stray "%" escaped, hex upper-case, unreserved characters decoded.
    return PCT.sub(_fix_escape, quote(_STRAY_PCT.sub("%25", part), safe=safe + "%"))


def _clean(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_LINK_LENGTH:  # checked before normalising, so hostile input costs little
        raise LinkRejected("too_long")
    text = unicodedata.normalize("NFKC", text)
    previous = None
    while previous != text:
        previous, text = text, text.strip().strip(_INVISIBLE)
    if not text:
        raise LinkRejected("empty")
    if len(text) > MAX_LINK_LENGTH:
        raise LinkRejected("too_long")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text):
        raise LinkRejected("not_a_link")
    return text


def _host(raw: str) -> str:
    host = unquote(raw).replace("\u3002", ".").lower().removesuffix(".")
    if not host.isascii():
        host = host.encode("idna").decode("ascii").lower()
    labels = host.split(".")
    valid = len(host) <= 253 and all(_DNS_LABEL.fullmatch(label) for label in labels)
    if not valid or not (_IPV4.fullmatch(host) or (len(labels) > 1 and _TLD.fullmatch(labels[-1]))):
        raise LinkRejected("not_a_link")
    if host not in _KEEP_PREFIX:
        host = _PREFIX.sub("", host)
    return ALIASES.get(host, host)


def _port(port: str, scheme: str) -> str:
    if not port:
        return ""
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536:
        raise LinkRejected("not_a_link")
    return "" if int(port) == _DEFAULT_PORTS[scheme] else str(int(port))


def _label(u: Url, platform: str, kind: str, source: str | None) -> str:
    name = (source or "").removeprefix("telegram:")
    if platform == "telegram" and kind in ("channel", "bot") and TG_NAME.fullmatch(name):
        return "@" + name
    raw = u.url().split("://", 1)[1].removesuffix("/")
    shown = unquote(raw)
    if not shown.isprintable():  # a decoded bidi override could disguise the link for staff
        shown = raw
    return shown if len(shown) <= _LABEL_MAX else shown[: _LABEL_MAX - 1] + "…"


def _parse(text: str) -> ParsedLink:
    text = _clean(text)
    if text.startswith("@"):
        if not TG_NAME.fullmatch(text[1:]):
            raise LinkRejected("not_a_link")
        text = "t.me/" + text[1:]
    scheme, rest = "https", text
    match = _SCHEME.match(text)
    if match and "." not in match.group(1):
        scheme, rest = match.group(1).lower(), text[match.end() :]
        if scheme == "tg":
            action, _, query = rest.lstrip("/").partition("?")
            name = dict(p.partition("=")[::2] for p in query.split("&")).get("domain", "")
            if action != "resolve" or not TG_NAME.fullmatch(name):
                raise LinkRejected("unsupported_scheme")
            scheme, rest = "https", "//t.me/" + name
        elif scheme not in _DEFAULT_PORTS:
            raise LinkRejected("unsupported_scheme")
    before, _, query = rest.split("#", 1)[0].partition("?")
    # Browsers read a backslash as a slash here; so must we, or we would see another host.
    authority, _, path = before.replace("\\", "/").lstrip("/").partition("/")
    host, _, port = authority.rpartition("@")[2].partition(":")
    host, port = _host(host), _port(port, scheme)
    path = _quote("/" + path, _PATH_SAFE).rstrip("/")
    suffixes = [host.split(".", i)[-1] for i in range(host.count("."))]
    # On another port a host is not the platform's own service.
    platform = next((DOMAINS[d] for d in suffixes if d in DOMAINS and not port), "web")
    drop = _TRACKING | _PLATFORM_TRACKING.get(platform, set())
    pieces = [_quote(p, _QUERY_SAFE) for p in query.split("&") if p]
    pieces = [p for p in pieces if not (key_of(p) in drop or key_of(p).startswith("utm_"))]
    u = Url(scheme, host, port, path[1:].split("/") if path else [], pieces)
    kind, source = classify(u, platform)
    if platform != "web":
        u.scheme = "https"  # every recognised platform is served over https
    url = u.url()
    if len(url) > MAX_LINK_LENGTH:  # the stored form must parse again to itself
        raise LinkRejected("too_long")
    return ParsedLink(url, platform, kind, source, _label(u, platform, kind, source))


def parse_link(text: str) -> ParsedLink:
    """Normalise one link as a victim typed it; raise LinkRejected when it cannot be one."""
    try:
        return _parse(text)
    except LinkRejected:
        raise
    except ValueError as exc:  # UnicodeError from the IDNA codec, for one
        raise LinkRejected("not_a_link") from exc
