"""Takedown notices written for whoever reads them: a platform, the commission, the police.

``render_notice`` turns links and their dates into the subject and body of one notice, in
Korean or English, from the plain-text templates in templates/notices/ (``<channel>.<lang>.txt``
with the shared wording in ``_ko.txt`` and ``_en.txt``). It is pure: no database, no request,
no app context. A notice holds the links with the dates they were first reported to us, what
the material is (made or shared without the consent of the person shown; with a minor,
아동·청소년성착취물, illegal whether or not anyone consented), the Korean legal basis that
applies, and the organisation's details at the end. It never holds anything the victim wrote,
and holds the victim's name and contact only when staff pass them (``victim``) and no minor is
involved; a notice about a minor holds no detail of that person (the law's definition of a
minor, under 19, is the only age it gives).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from portal import choices
from portal.config import resource_dir
from portal.links.platforms import BY_CODE, LINK_KINDS, NOTICE_CHANNELS
from portal.takedown import notice_rules


@dataclass(frozen=True)
class NoticeLink:
    """One link, the day it was first reported to us, and what it points at (LINK_KINDS)."""

    url: str
    first_reported: datetime.date
    kind: str


@dataclass(frozen=True)
class Org:
    """The support organisation that sends the notice; its details close every notice."""

    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True)
class VictimDetails:
    """What staff chose to pass on about the victim (an adult who agreed); never free text."""

    name: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    suggested_to: tuple[str, ...]


def template_dir() -> Path:
    return resource_dir() / "templates" / "notices"


def _korean_date(day: datetime.date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"


def _english_date(day: datetime.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _eun_neun(word: str) -> str:
    """The topic particle after ``word``: 은 after a final consonant, 는 after a vowel.

    Closing brackets and spaces are skipped (센터(서울) reads 서울은); a word that does not
    end in Hangul gets the neutral 은(는).
    """
    last = word.rstrip(" )]」』").strip()[-1:]
    if not "가" <= last <= "힣":
        return "은(는)"
    return "은" if (ord(last) - ord("가")) % 28 else "는"


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    # Plain text for e-mail bodies and forms: nothing to escape, and a missing value is a bug.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=False,  # noqa: S701 - text/plain, never HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["korean_date"] = _korean_date
    environment.filters["english_date"] = _english_date
    environment.filters["eun_neun"] = _eun_neun
    return environment


def environment() -> jinja2.Environment:
    """The notices' own Jinja environment (not the site's: no HTML, no request)."""
    return _environment(str(template_dir()))


def _check(
    channel: str, platform_code: str, language: str, links: list[NoticeLink], harms: set[str]
) -> None:
    if channel not in NOTICE_CHANNELS:
        raise ValueError(f"unknown notice channel {channel!r}")
    if platform_code not in BY_CODE:
        raise ValueError(f"unknown platform {platform_code!r}")
    if language not in choices.LANGUAGE_CODES:
        raise ValueError(
            f"notices are written in {' or '.join(choices.LANGUAGE_CODES)}, not {language!r}"
        )
    if not links:
        raise ValueError("a notice needs at least one link")
    unknown_kinds = {link.kind for link in links} - set(LINK_KINDS)
    if unknown_kinds:
        raise ValueError(f"unknown link kinds {sorted(unknown_kinds)}")
    unknown_harms = set(harms) - set(choices.HARMS)
    if unknown_harms:
        raise ValueError(f"unknown harm codes {sorted(unknown_harms)}")


def _org(org: Org) -> dict[str, str]:
    cleaned = {f.name: notice_rules.one_line(getattr(org, f.name)) for f in fields(org)}
    if not cleaned["name"]:
        raise ValueError("the organisation needs a name")
    return cleaned


def _victim(victim: VictimDetails | None, minor_involved: bool) -> dict[str, str] | None:
    """The victim's details to print, or None: never for a minor, never when none given."""
    if victim is None or minor_involved:
        return None
    details = {
        "name": notice_rules.one_line(victim.name or ""),
        "contact": notice_rules.one_line(victim.contact or ""),
    }
    return details if any(details.values()) else None


def _context(
    channel: str,
    platform_code: str,
    links: list[NoticeLink],
    org: Org,
    harms: Collection[str],
    minor_involved: bool,
    victim: VictimDetails | None,
    today: datetime.date,
) -> dict[str, Any]:
    offences = notice_rules.offences(harms)
    return {
        "channel": channel,
        "platform": platform_code,
        "links": [
            {
                "url": notice_rules.one_line(link.url),
                "date": link.first_reported.isoformat(),
                "kind": link.kind,
            }
            for link in links
        ],
        "count": len(links),
        "org": _org(org),
        "victim": _victim(victim, minor_involved),
        "minor": minor_involved,
        "offences": offences,
        # What the subject calls the material: the gravest description that fits.
        "topic": "minor" if minor_involved else "fake" if offences == ("fake",) else "general",
        "today": today,
    }


def render_notice(
    channel: str,
    platform_code: str,
    language: str,
    links: list[NoticeLink],
    org: Org,
    *,
    harms: set[str],
    minor_involved: bool,
    victim: VictimDetails | None = None,
    today: datetime.date,
) -> Notice:
    """The notice for ``channel`` about ``links`` on ``platform_code``, in ``language``.

    Any channel of NOTICE_CHANNELS may be written for any platform (the platform's
    ``notice_channels`` say which make sense). ``victim`` is ignored when a minor is
    involved. Raises ValueError for an unknown channel, platform, language, link kind or
    harm code, for no links, and for an organisation without a name.
    """
    _check(channel, platform_code, language, links, harms)
    context = _context(channel, platform_code, links, org, harms, minor_involved, victim, today)
    template = environment().get_template(f"{channel}.{language}.txt")
    module = template.make_module(context)
    subject = notice_rules.one_line(str(vars(module).get("subject", "")))
    body = notice_rules.tidy(str(module))
    if not subject or not body.strip():
        raise RuntimeError(f"the template {template.name} left the subject or the body empty")
    return Notice(
        subject=subject,
        body=body,
        suggested_to=notice_rules.suggested_to(
            channel, platform_code, harms, minor_involved=minor_involved
        ),
    )
