"""The one registry of platforms: code, label, domains, link kinds, and where notices go.

The order of ``REGISTRY`` is the bit order of ``Case.platform_mask`` and of every stored
platform code: a new platform is appended at the end (after ``web``), never inserted,
renamed or reordered. tests/links/test_parse.py pins the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# Every kind of place a link can point at, in the order staff filters list them.
LINK_KINDS: tuple[str, ...] = ("channel", "bot", "message", "invite", "profile", "post", "web")


@dataclass(frozen=True)
class Platform:
    """One platform victims' links point into.

    ``domains`` are the hosts (subdomains included) that belong to it; ``"a>b"`` also
    rewrites host ``a`` to ``b`` so both spellings of one address compare equal.
    ``abuse_contacts`` and ``notice_channels`` are filled in by the takedown desk.
    """

    code: str
    label: LazyString
    domains: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("profile", "post", "web")
    abuse_contacts: tuple[str, ...] = field(default=())
    notice_channels: tuple[str, ...] = field(default=())

    def hosts(self) -> tuple[str, ...]:
        return tuple(domain.split(">", 1)[0] for domain in self.domains)

    def aliases(self) -> dict[str, str]:
        return dict(domain.split(">", 1) for domain in self.domains if ">" in domain)


REGISTRY: tuple[Platform, ...] = (
    Platform(
        "telegram",
        _l("Telegram"),
        ("t.me", "telegram.me>t.me", "telegram.dog>t.me", "telegram.org"),
        kinds=("channel", "bot", "message", "invite", "profile", "web"),
    ),
    Platform("x", _l("X (Twitter)"), ("x.com", "twitter.com>x.com")),
    Platform("instagram", _l("Instagram"), ("instagram.com", "instagr.am>instagram.com")),
    Platform(
        "facebook", _l("Facebook"), ("facebook.com", "fb.com>facebook.com", "fb.me", "fb.watch")
    ),
    Platform("youtube", _l("YouTube"), ("youtube.com", "youtu.be")),
    Platform("tiktok", _l("TikTok"), ("tiktok.com",)),
    Platform(
        "kakao", _l("Kakao"), ("kakao.com",), kinds=("channel", "invite", "profile", "post", "web")
    ),
    Platform(
        "naver", _l("Naver"), ("naver.com", "naver.me"), kinds=("channel", "profile", "post", "web")
    ),
    Platform("daum", _l("Daum"), ("daum.net",), kinds=("channel", "profile", "post", "web")),
    Platform(
        "discord",
        _l("Discord"),
        ("discord.gg", "discord.com", "discordapp.com>discord.com"),
        kinds=("invite", "web"),
    ),
    Platform(
        "reddit",
        _l("Reddit"),
        ("reddit.com", "old.reddit.com>reddit.com", "redd.it"),
        kinds=("channel", "profile", "post", "web"),
    ),
    Platform("google_drive", _l("Google Drive"), ("drive.google.com",), kinds=("post", "web")),
    Platform("dcinside", _l("DC Inside"), ("dcinside.com",), kinds=("channel", "post", "web")),
    Platform("web", _l("Other website"), kinds=("post", "web")),
)

BY_CODE: dict[str, Platform] = {platform.code: platform for platform in REGISTRY}
PLATFORMS: tuple[str, ...] = tuple(BY_CODE)
# The vocabulary templates and staff filters show, in registry (bit) order.
LABELS: dict[str, LazyString] = {platform.code: platform.label for platform in REGISTRY}
# Host -> platform code, and hosts rewritten to their canonical spelling.
DOMAINS: dict[str, str] = {host: p.code for p in REGISTRY for host in p.hosts()}
ALIASES: dict[str, str] = {old: new for p in REGISTRY for old, new in p.aliases().items()}
