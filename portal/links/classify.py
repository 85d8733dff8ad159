"""Per-platform rules: what kind of place a normalised address is, and whose it is.

Each classifier reads the path of one platform's address, may tidy it in place (lower-case
account names, drop share suffixes) and returns the link kind and the ``source``: the
account, channel or invite the link belongs to, used to find related cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

PCT = re.compile(r"%([0-9A-Fa-f]{2})")
TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_NUM = re.compile(r"[0-9]+")
_CODE = re.compile(r"[A-Za-z0-9_-]+")
_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_IG_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")
_FB_NAME = re.compile(r"[A-Za-z0-9.]{5,50}(?<!\.php)")
_TT_HANDLE = re.compile(r"@[A-Za-z0-9_.]{2,24}")
_YT_HANDLE = re.compile(r"@[\w.-]{3,30}")
_TG_START = frozenset({"start", "startgroup", "startapp"})
# Hosts whose every non-root path is one piece of content (share links, Drive files).
_CONTENT_HOSTS = frozenset(
    [
        "fb.me",
        "fb.watch",
        "vm.tiktok.com",
        "vt.tiktok.com",
        "redd.it",
        "i.redd.it",
        "drive.google.com",
    ]
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


@dataclass
class Url:
    scheme: str
    host: str
    port: str
    segs: list[str]
    query: list[str]

    def param(self, key: str) -> str | None:
        return next((unquote(p.partition("=")[2]) for p in self.query if key_of(p) == key), None)

    def url(self) -> str:
        port = ":" + self.port if self.port else ""
        query = "?" + "&".join(self.query) if self.query else ""
        return f"{self.scheme}://{self.host}{port}/{'/'.join(self.segs)}{query}"


def key_of(piece: str) -> str:
    return unquote(piece.partition("=")[0]).lower()


def _handle(u: Url, i: int, pattern: re.Pattern[str], platform: str) -> str | None:
    """Lower-case segment ``i`` in place if it is an account name; those are case-insensitive."""
    reserved = _RESERVED.get(platform, "").split()
    if len(u.segs) > i and pattern.fullmatch(u.segs[i]) and u.segs[i].lower() not in reserved:
        u.segs[i] = u.segs[i].lower()
        return u.segs[i]
    return None


def _telegram(u: Url) -> tuple[str, str | None]:
    if u.host != "t.me":
        return "web", None
    if len(u.segs) > 1 and u.segs[0] == "s" and TG_NAME.fullmatch(u.segs[1]):  # web preview
        u.segs = u.segs[1:]
    if len(u.segs) > 1 and u.segs[0] == "joinchat":  # the old invite form
        u.segs = ["+" + u.segs[1]]
    s, name = u.segs, _handle(u, 0, TG_NAME, "telegram")
    if len(s) == 1 and s[0][:1] == "+" and _CODE.fullmatch(s[0][1:]):
        kind, source = ("profile" if s[0][1:].isdigit() else "invite"), "telegram:" + s[0]
    elif s[:1] == ["c"] and 2 <= len(s) <= 4 and all(map(_NUM.fullmatch, s[1:])):
        kind, source = ("channel" if len(s) == 2 else "message"), "telegram:c/" + s[1]
    elif name and len(s) <= 3 and all(map(_NUM.fullmatch, s[1:])):
        kind = "message" if len(s) > 1 else "bot" if name.endswith("bot") else "channel"
        source = "telegram:" + name
    else:
        return "web", None
    u.query = [p for p in u.query if kind == "bot" and key_of(p) in _TG_START]
    return kind, source


def _x(u: Url) -> tuple[str, str | None]:
    handle = _handle(u, 0, _X_HANDLE, "x") if u.host == "x.com" else None
    for i in (1, 2):  # /handle/status/ID and /i/web/status/ID; trailing /photo/1 and such go
        if len(u.segs) > i + 1 and u.segs[i] == "status" and _NUM.fullmatch(u.segs[i + 1]):
            u.segs = u.segs[: i + 2]
            return "post", ("x:" + handle if handle and i == 1 else None)
    return ("profile", "x:" + handle) if handle else ("web", None)


def _instagram(u: Url) -> tuple[str, str | None]:
    s = u.segs
    if len(s) >= 2 and s[0] in ("p", "reel", "reels", "tv"):
        return "post", None
    name = _handle(u, 0, _IG_HANDLE, "instagram") if u.host == "instagram.com" else None
    if name:  # also /handle/p/ID and /handle/reel/ID
        return ("post" if len(s) >= 3 and s[1] in ("p", "reel") else "profile"), "instagram:" + name
    return "web", None


def _facebook(u: Url) -> tuple[str, str | None]:
    if name := _handle(u, 0, _FB_NAME, "facebook"):
        return ("profile" if len(u.segs) == 1 else "post"), "facebook:" + name
    return ("post" if u.segs else "web"), None


def _youtube(u: Url) -> tuple[str, str | None]:
    if u.host == "youtu.be" and len(u.segs) == 1 and _CODE.fullmatch(u.segs[0]):
        u.host, u.segs, u.query = "youtube.com", ["watch"], ["v=" + u.segs[0], *u.query]
    s = u.segs
    if (s == ["watch"] and u.param("v")) or (len(s) >= 2 and s[0] in ("shorts", "live")):
        return "post", None
    # Handles may be Korean: match them decoded, and keep their escapes upper-case.
    if s and _YT_HANDLE.fullmatch(unquote(s[0])):
        s[0] = PCT.sub(lambda m: m.group(0).upper(), s[0].lower())
        return "profile", "youtube:" + unquote(s[0])
    return "web", None


def _tiktok(u: Url) -> tuple[str, str | None]:
    s = u.segs
    if handle := _handle(u, 0, _TT_HANDLE, "tiktok"):
        post = len(s) >= 3 and s[1] in ("video", "photo") and s[2].isdigit()
        return ("post" if post else "profile"), "tiktok:" + handle
    return ("post" if len(s) >= 2 and s[0] == "t" else "web"), None


def _named(u: Url) -> tuple[str, str | None]:
    s = u.segs
    i = 1 if s and (u.host, s[0]) in _NAMED else 0
    prefix, kind = _NAMED.get((u.host, s[0] if i else ""), ("", "web"))
    if prefix and len(s) > i and _CODE.fullmatch(s[i]) and s[i].lower() not in _NAMED_RESERVED:
        name = s[i] if kind == "invite" else s[i].lower()  # invite codes are case-sensitive
        return (kind if len(s) == i + 1 else "post"), prefix + name
    return "web", None


def _naver(u: Url) -> tuple[str, str | None]:
    blog = u.param("blogid") or ""
    if u.host == "blog.naver.com" and _CODE.fullmatch(blog):
        return ("post" if u.param("logno") else "profile"), "naver:blog/" + blog.lower()
    return _named(u)


def _discord(u: Url) -> tuple[str, str | None]:
    if u.host == "discord.com" and len(u.segs) == 2 and u.segs[0] == "invite":
        u.host, u.segs = "discord.gg", u.segs[1:]
    if u.host == "discord.gg" and len(u.segs) == 1 and _CODE.fullmatch(u.segs[0]):
        return "invite", "discord:invite/" + u.segs[0]
    return "web", None


def _dcinside(u: Url) -> tuple[str, str | None]:
    s = u.segs
    if u.host == "m.dcinside.com" and len(s) in (2, 3) and s[0] == "board":
        gallery, post = s[1], len(s) == 3
    else:
        gallery, post = u.param("id") or "", u.param("no") is not None
    if _CODE.fullmatch(gallery):
        return ("post" if post else "channel"), "dcinside:" + gallery.lower()
    return "web", None


_CLASSIFIERS: dict[str, Callable[[Url], tuple[str, str | None]]] = {
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


def classify(u: Url, platform: str) -> tuple[str, str | None]:
    """The link kind and source of a normalised address on ``platform``."""
    if u.host in _CONTENT_HOSTS:
        return ("post" if u.segs else "web"), None
    return _CLASSIFIERS.get(platform, _named)(u)
