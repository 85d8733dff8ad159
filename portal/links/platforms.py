"""The one registry of platforms: code, label, domains, link kinds, and where notices go.

The order of ``REGISTRY`` is the bit order of ``Case.platform_mask`` and of every stored
platform code: a new platform is appended at the end (after ``web``), never inserted,
renamed or reordered. tests/links/test_parse.py pins the order.

Contacts are publicly documented addresses and help-centre pages, as checked in December
2026; an operator verifies them before going live (a platform moves its forms now and then).
A platform without a contact we are sure of has none: staff use its in-app report button.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal import choices

# Every kind of place a link can point at, in the order staff filters list them (their
# labels are in choices.LINK_KINDS).
LINK_KINDS: tuple[str, ...] = tuple(choices.LINK_KINDS)

# Where a takedown notice can go, in the order staff see them (portal/takedown/notices.py
# writes one per channel and language).
NOTICE_CHANNELS: dict[str, LazyString] = {
    "report_form": _l("Text for the platform's report form"),
    "abuse_email": _l("Email to the platform's abuse address"),
    "kcsc": _l("Review request (KCSC)"),
    "hosting": _l("Email to the hosting provider's abuse desk"),
    "search_engine": _l("Search engine removal request"),
    "police": _l("Cover note for the police"),
}

TELEGRAM_CHILD_SAFETY = "stopCA@telegram.org"
GOOGLE_SEARCH_INTIMATE_IMAGES = "https://support.google.com/websearch/answer/6302812"
GOOGLE_SEARCH_FAKE_IMAGES = "https://support.google.com/websearch/answer/9116649"

# Contacts meant for one kind of case only ("minor", or a harm code of choices.HARMS): a
# notice for such a case names them first, any other notice leaves them out.
TARGETED_CONTACTS: dict[str, str] = {
    TELEGRAM_CHILD_SAFETY: "minor",
    GOOGLE_SEARCH_FAKE_IMAGES: "deepfake",
}

# Where the channels that are not a platform's own go, whatever the platform: the
# commission's complaint site (방송미디어통신심의위원회, 1377), the police's cyber crime
# reporting site (사이버범죄 신고시스템, ECRM), Google Search's removal requests. A hosting
# provider's abuse desk is looked up per site (its RDAP or WHOIS record), so none is given.
CHANNEL_CONTACTS: dict[str, tuple[str, ...]] = {
    "kcsc": ("https://www.kocsc.or.kr/",),
    "police": ("https://ecrm.police.go.kr/",),
    "search_engine": (GOOGLE_SEARCH_INTIMATE_IMAGES, GOOGLE_SEARCH_FAKE_IMAGES),
}

# The commission and the police read Korean whatever the platform.
CHANNEL_READS: dict[str, str] = {"kcsc": "ko", "police": "ko"}

# A platform with its own report form: that first, then the commission, then the police.
FORM_FIRST = ("report_form", "kcsc", "police")


@dataclass(frozen=True)
class Platform:
    """One platform victims' links point into.

    ``domains`` are the hosts (subdomains included) that belong to it; ``"a>b"`` also
    rewrites host ``a`` to ``b`` so both spellings of one address compare equal.
    ``abuse_contacts`` are e-mail addresses and https report forms or help-centre pages;
    ``notice_channels`` are codes of ``NOTICE_CHANNELS``, in the order staff would try them;
    ``reads`` is the language its abuse desk reads a notice in.
    """

    code: str
    label: LazyString
    domains: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("profile", "post", "web")
    abuse_contacts: tuple[str, ...] = field(default=())
    notice_channels: tuple[str, ...] = field(default=())
    reads: str = "en"

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
        # Its FAQ's takedown address, and its child-safety address for material with minors.
        abuse_contacts=("abuse@telegram.org", TELEGRAM_CHILD_SAFETY),
        notice_channels=("abuse_email", "report_form", "kcsc", "police"),
    ),
    Platform(
        "x",
        _l("X (Twitter)"),
        ("x.com", "twitter.com>x.com"),
        abuse_contacts=("https://help.x.com/en/forms",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "instagram",
        _l("Instagram"),
        ("instagram.com", "instagr.am>instagram.com"),
        abuse_contacts=("https://help.instagram.com/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "facebook",
        _l("Facebook"),
        ("facebook.com", "fb.com>facebook.com", "fb.me", "fb.watch"),
        abuse_contacts=("https://www.facebook.com/help/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "youtube",
        _l("YouTube"),
        ("youtube.com", "youtu.be"),
        abuse_contacts=("https://support.google.com/youtube/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "tiktok",
        _l("TikTok"),
        ("tiktok.com",),
        abuse_contacts=("https://support.tiktok.com/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "kakao",
        _l("Kakao"),
        ("kakao.com",),
        kinds=("channel", "invite", "profile", "post", "web"),
        abuse_contacts=("https://cs.kakao.com/",),  # 고객센터 > 신고센터 (불법촬영물등 유통 신고)
        notice_channels=FORM_FIRST,
        reads="ko",
    ),
    Platform(
        "naver",
        _l("Naver"),
        ("naver.com", "naver.me"),
        kinds=("channel", "profile", "post", "web"),
        # 고객센터 (신고센터: 불법촬영물등 신고), and 권리보호센터 (권리침해 신고).
        abuse_contacts=("https://help.naver.com/", "https://right.naver.com/"),
        notice_channels=FORM_FIRST,
        reads="ko",
    ),
    Platform(
        "daum",
        _l("Daum"),
        ("daum.net",),
        kinds=("channel", "profile", "post", "web"),
        abuse_contacts=("https://cs.daum.net/",),  # 고객센터 (권리침해·불법촬영물 신고)
        notice_channels=FORM_FIRST,
        reads="ko",
    ),
    Platform(
        "discord",
        _l("Discord"),
        ("discord.gg", "discord.com", "discordapp.com>discord.com"),
        kinds=("invite", "web"),
        abuse_contacts=("https://support.discord.com/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "reddit",
        _l("Reddit"),
        ("reddit.com", "old.reddit.com>reddit.com", "redd.it"),
        kinds=("channel", "profile", "post", "web"),
        abuse_contacts=("https://support.reddithelp.com/",),
        notice_channels=FORM_FIRST,
    ),
    Platform(
        "google_drive",
        _l("Google Drive"),
        ("drive.google.com",),
        kinds=("post", "web"),
        abuse_contacts=("https://support.google.com/legal/answer/3110420",),  # legal removals
        notice_channels=FORM_FIRST,
    ),
    # No report form we are sure of: staff use the site's own 신고 button or its help desk.
    Platform(
        "dcinside",
        _l("DC Inside"),
        ("dcinside.com",),
        kinds=("channel", "post", "web"),
        notice_channels=FORM_FIRST,
        reads="ko",
    ),
    Platform(
        "web",
        _l("Other website"),
        kinds=("post", "web"),
        notice_channels=("hosting", "search_engine", "kcsc", "police"),
    ),
)

BY_CODE: dict[str, Platform] = {platform.code: platform for platform in REGISTRY}
PLATFORMS: tuple[str, ...] = tuple(BY_CODE)
# The vocabulary templates and staff filters show, in registry (bit) order.
LABELS: dict[str, LazyString] = {platform.code: platform.label for platform in REGISTRY}
# Host -> platform code, and hosts rewritten to their canonical spelling.
DOMAINS: dict[str, str] = {host: p.code for p in REGISTRY for host in p.hosts()}
ALIASES: dict[str, str] = {old: new for p in REGISTRY for old, new in p.aliases().items()}


def first_channel(code: str) -> str:
    """Where a request about this platform's content goes first."""
    platform = BY_CODE.get(code)
    return platform.notice_channels[0] if platform and platform.notice_channels else "kcsc"
