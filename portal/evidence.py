"""Normalise and classify links to reported content, for takedown requests and case matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

PLATFORMS: tuple[str, ...] = tuple(
    "telegram x instagram facebook youtube tiktok kakao naver daum discord reddit google_drive"
    " dcinside web".split()
)
LINK_KINDS: tuple[str, ...] = ("channel", "bot", "message", "invite", "profile", "post", "web")
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
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]")
_NUM = re.compile(r"[0-9]+")
_CODE = re.compile(r"[A-Za-z0-9_-]+")
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_IG_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")
_FB_NAME = re.compile(r"[A-Za-z0-9.]{5,50}(?<!\.php)")
_TT_HANDLE = re.compile(r"@[A-Za-z0-9_.]{2,24}")
_YT_HANDLE = re.compile(r"@[\w.-]{3,30}")
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_SAFE = "/?:@!$'()*+,;="
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = frozenset(
    "fbclid gclid dclid msclkid igshid igsh si mc_cid mc_eid _ga ref ref_src ref_url".split()
)
_PLATFORM_TRACKING = {"x": {"s", "t"}, "youtube": {"feature"}, "tiktok": {"share_id", "_t", "_r"}}
_TG_START = frozenset({"start", "startgroup", "startapp"})

# Platform, then its domains (subdomains included); "a>b" also rewrites host a to b.
_DOMAIN_TABLE = (
    "telegram t.me telegram.me>t.me telegram.dog>t.me telegram.org",
    "x x.com twitter.com>x.com",
    "instagram instagram.com instagr.am>instagram.com",
    "facebook facebook.com fb.com>facebook.com fb.me fb.watch",
    "youtube youtube.com youtu.be",
    "tiktok tiktok.com",
    "kakao kakao.com",
    "naver naver.com naver.me",
    "daum daum.net",
    "discord discord.gg discord.com discordapp.com>discord.com",
    "reddit reddit.com old.reddit.com>reddit.com redd.it",
    "google_drive drive.google.com",
    "dcinside dcinside.com",
)
_DOMAINS = {d.split(">")[0]: row.split()[0] for row in _DOMAIN_TABLE for d in row.split()[1:]}
_ALIASES = dict(d.split(">", 1) for row in _DOMAIN_TABLE for d in row.split() if ">" in d)
# The mobile dcinside site has its own paths, which lead nowhere without the "m.".
_KEEP_PREFIX = frozenset({"m.dcinside.com"})
# Hosts whose every non-root path is one piece of content (share links, Drive files).
_CONTENT_HOSTS = frozenset(
    "fb.me fb.watch vm.tiktok.com vt.tiktok.com redd.it i.redd.it drive.google.com".split()
)
# First path segments that are site pages rather than account names.
_RESERVED = {
    "telegram": "joinchat addstickers addemoji addtheme addlist setlanguage share proxy socks"
    " login boost invoice contact confirmphone",
    "x": "i home explore search settings messages notifications hashtag intent share compose"
    " login logout signup tos privacy",
    "instagram": "p reel reels tv explore accounts direct stories about",
    "facebook": "watch groups events pages share photo photos reels videos login gaming hashtag"
    " stories friends search messages settings marketplace notifications bookmarks",
}
# (host, first segment or "") -> (source prefix, kind of the bare name); deeper paths are posts.
_NAMED = {
    ("pf.kakao.com", ""): ("kakao:pf/", "channel"),
    ("story.kakao.com", ""): ("kakao:story/", "profile"),
    ("open.kakao.com", "o"): ("kakao:o/", "invite"),
    ("blog.naver.com", ""): ("naver:blog/", "profile"),
    ("cafe.naver.com", ""): ("naver:cafe/", "channel"),
    ("blog.daum.net", ""): ("daum:blog/", "profile"),
    ("cafe.daum.net", ""): ("daum:cafe/", "channel"),
    ("reddit.com", "r"): ("reddit:r/", "channel"),
    ("reddit.com", "u"): ("reddit:u/", "profile"),
    ("reddit.com", "user"): ("reddit:u/", "profile"),
}
_NAMED_RESERVED = frozenset({"ca-fe", "f-e", "_c21_"})


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


@dataclass
class _Url:
    scheme: str
    host: str
    port: str
    segs: list[str]
    query: list[str]

    def param(self, key: str) -> str | None:
        return next((unquote(p.partition("=")[2]) for p in self.query if _key(p) == key), None)

    def url(self) -> str:
        port = ":" + self.port if self.port else ""
        query = "?" + "&".join(self.query) if self.query else ""
        return f"{self.scheme}://{self.host}{port}/{'/'.join(self.segs)}{query}"


def _key(piece: str) -> str:
    return unquote(piece.partition("=")[0]).lower()


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if _UNRESERVED.fullmatch(char) else match[0].upper()


def _quote(part: str, safe: str) -> str:
    # One spelling per URL: stray "%" escaped, hex upper-case, unreserved characters decoded.
    return _PCT.sub(_fix_escape, quote(_STRAY_PCT.sub("%25", part), safe=safe + "%"))


def _handle(u: _Url, i: int, pattern: re.Pattern[str], platform: str) -> str | None:
    """Lower-case segment ``i`` in place if it is an account name; those are case-insensitive."""
    reserved = _RESERVED.get(platform, "").split()
    if len(u.segs) > i and pattern.fullmatch(u.segs[i]) and u.segs[i].lower() not in reserved:
        u.segs[i] = u.segs[i].lower()
        return u.segs[i]
    return None


def _telegram(u: _Url) -> tuple[str, str | None]:
    if u.host != "t.me":
        return "web", None
    if len(u.segs) > 1 and u.segs[0] == "s" and _TG_NAME.fullmatch(u.segs[1]):  # web preview
        u.segs = u.segs[1:]
    if len(u.segs) > 1 and u.segs[0] == "joinchat":  # the old invite form
        u.segs = ["+" + u.segs[1]]
    s, name = u.segs, _handle(u, 0, _TG_NAME, "telegram")
    if len(s) == 1 and s[0][:1] == "+" and _CODE.fullmatch(s[0][1:]):
        kind, source = ("profile" if s[0][1:].isdigit() else "invite"), "telegram:" + s[0]
    elif s[:1] == ["c"] and 2 <= len(s) <= 4 and all(map(_NUM.fullmatch, s[1:])):
        kind, source = ("channel" if len(s) == 2 else "message"), "telegram:c/" + s[1]
    elif name and len(s) <= 3 and all(map(_NUM.fullmatch, s[1:])):
        kind = "message" if len(s) > 1 else "bot" if name.endswith("bot") else "channel"
        source = "telegram:" + name
    else:
        return "web", None
    u.query = [p for p in u.query if kind == "bot" and _key(p) in _TG_START]
    return kind, source


def _x(u: _Url) -> tuple[str, str | None]:
    handle = _handle(u, 0, _X_HANDLE, "x") if u.host == "x.com" else None
    for i in (1, 2):  # /handle/status/ID and /i/web/status/ID; trailing /photo/1 and such go
        if len(u.segs) > i + 1 and u.segs[i] == "status" and _NUM.fullmatch(u.segs[i + 1]):
            u.segs = u.segs[: i + 2]
            return "post", ("x:" + handle if handle and i == 1 else None)
    return ("profile", "x:" + handle) if handle else ("web", None)


def _instagram(u: _Url) -> tuple[str, str | None]:
    s = u.segs
    if len(s) >= 2 and s[0] in ("p", "reel", "reels", "tv"):
        return "post", None
    name = _handle(u, 0, _IG_HANDLE, "instagram") if u.host == "instagram.com" else None
    if name:  # also /handle/p/ID and /handle/reel/ID
        return ("post" if len(s) >= 3 and s[1] in ("p", "reel") else "profile"), "instagram:" + name
    return "web", None


def _facebook(u: _Url) -> tuple[str, str | None]:
    if name := _handle(u, 0, _FB_NAME, "facebook"):
        return ("profile" if len(u.segs) == 1 else "post"), "facebook:" + name
    return ("post" if u.segs else "web"), None


def _youtube(u: _Url) -> tuple[str, str | None]:
    if u.host == "youtu.be" and len(u.segs) == 1 and _CODE.fullmatch(u.segs[0]):
        u.host, u.segs, u.query = "youtube.com", ["watch"], ["v=" + u.segs[0], *u.query]
    s = u.segs
    if (s == ["watch"] and u.param("v")) or (len(s) >= 2 and s[0] in ("shorts", "live")):
        return "post", None
    # Handles may be Korean: match them decoded, and keep their escapes upper-case.
    if s and _YT_HANDLE.fullmatch(unquote(s[0])):
        s[0] = _PCT.sub(lambda m: m.group(0).upper(), s[0].lower())
        return "profile", "youtube:" + unquote(s[0])
    return "web", None


def _tiktok(u: _Url) -> tuple[str, str | None]:
    s = u.segs
    if handle := _handle(u, 0, _TT_HANDLE, "tiktok"):
        post = len(s) >= 3 and s[1] in ("video", "photo") and s[2].isdigit()
        return ("post" if post else "profile"), "tiktok:" + handle
    return ("post" if len(s) >= 2 and s[0] == "t" else "web"), None


def _named(u: _Url) -> tuple[str, str | None]:
    s = u.segs
    i = 1 if s and (u.host, s[0]) in _NAMED else 0
    prefix, kind = _NAMED.get((u.host, s[0] if i else ""), ("", "web"))
    if prefix and len(s) > i and _CODE.fullmatch(s[i]) and s[i].lower() not in _NAMED_RESERVED:
        name = s[i] if kind == "invite" else s[i].lower()  # invite codes are case-sensitive
        return (kind if len(s) == i + 1 else "post"), prefix + name
    return "web", None


def _naver(u: _Url) -> tuple[str, str | None]:
    blog = u.param("blogid") or ""
    if u.host == "blog.naver.com" and _CODE.fullmatch(blog):
        return ("post" if u.param("logno") else "profile"), "naver:blog/" + blog.lower()
    return _named(u)


def _discord(u: _Url) -> tuple[str, str | None]:
    if u.host == "discord.com" and len(u.segs) == 2 and u.segs[0] == "invite":
        u.host, u.segs = "discord.gg", u.segs[1:]
    if u.host == "discord.gg" and len(u.segs) == 1 and _CODE.fullmatch(u.segs[0]):
        return "invite", "discord:invite/" + u.segs[0]
    return "web", None


def _dcinside(u: _Url) -> tuple[str, str | None]:
    s = u.segs
    if u.host == "m.dcinside.com" and len(s) in (2, 3) and s[0] == "board":
        gallery, post = s[1], len(s) == 3
    else:
        gallery, post = u.param("id") or "", u.param("no") is not None
    if _CODE.fullmatch(gallery):
        return ("post" if post else "channel"), "dcinside:" + gallery.lower()
    return "web", None


_CLASSIFIERS: dict[str, Callable[[_Url], tuple[str, str | None]]] = {
    "telegram": _telegram,
    "x": _x,
    "instagram": _instagram,
    "facebook": _facebook,
    "youtube": _youtube,
    "tiktok": _tiktok,
    "naver": _naver,
    "discord": _discord,
    "dcinside": _dcinside,
}


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
    return _ALIASES.get(host, host)


def _port(port: str, scheme: str) -> str:
    if not port:
        return ""
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536:
        raise LinkRejected("not_a_link")
    return "" if int(port) == _DEFAULT_PORTS[scheme] else str(int(port))


def _label(u: _Url, platform: str, kind: str, source: str | None) -> str:
    name = (source or "").removeprefix("telegram:")
    if platform == "telegram" and kind in ("channel", "bot") and _TG_NAME.fullmatch(name):
        return "@" + name
    raw = u.url().split("://", 1)[1].removesuffix("/")
    shown = unquote(raw)
    if not shown.isprintable():  # a decoded bidi override could disguise the link for staff
        shown = raw
    return shown if len(shown) <= _LABEL_MAX else shown[: _LABEL_MAX - 1] + "…"


def _parse(text: str) -> ParsedLink:
    text = _clean(text)
    if text.startswith("@"):
        if not _TG_NAME.fullmatch(text[1:]):
            raise LinkRejected("not_a_link")
        text = "t.me/" + text[1:]
    scheme, rest = "https", text
    match = _SCHEME.match(text)
    if match and "." not in match.group(1):
        scheme, rest = match.group(1).lower(), text[match.end() :]
        if scheme == "tg":
            action, _, query = rest.lstrip("/").partition("?")
            name = dict(p.partition("=")[::2] for p in query.split("&")).get("domain", "")
            if action != "resolve" or not _TG_NAME.fullmatch(name):
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
    platform = next((_DOMAINS[d] for d in suffixes if d in _DOMAINS and not port), "web")
    drop = _TRACKING | _PLATFORM_TRACKING.get(platform, set())
    pieces = [_quote(p, _QUERY_SAFE) for p in query.split("&") if p]
    pieces = [p for p in pieces if not (_key(p) in drop or _key(p).startswith("utm_"))]
    u = _Url(scheme, host, port, path[1:].split("/") if path else [], pieces)
    if host in _CONTENT_HOSTS:
        kind, source = ("post" if u.segs else "web"), None
    else:
        kind, source = _CLASSIFIERS.get(platform, _named)(u)
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
