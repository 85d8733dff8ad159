"""What a takedown notice cites and where it goes: offences, recipients, one-line values.

The wording lives in templates/notices/; this module decides only which parts apply. The
offences are articles of 성폭력범죄의 처벌 등에 관한 특례법 (the Sexual Crimes Act):
``filming`` is 제14조 (filming a body in a way that may cause sexual desire or shame, or
distributing such footage, against the person's will; under ④ possessing, buying, storing or
viewing it), ``fake`` 제14조의2 (허위영상물: sexual deepfakes, and since October 2024 possessing,
buying, storing or viewing them), ``threat`` 제14조의3 (threats and coercion with such
material: sextortion and webcam blackmail, so the police note cites it too). Material with a
minor is 아동·청소년성착취물 (청소년성보호법 제11조) whatever the harm, and whatever anyone
consented to.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from portal.links.platforms import BY_CODE, CHANNEL_CONTACTS, CHANNEL_READS, TARGETED_CONTACTS

# Harm codes (portal.choices.HARMS) -> the offences they fall under. Harassment, fear of
# sharing and "something else" cite none: the notice rests on the platform's duties alone.
OFFENCES_BY_HARM: dict[str, tuple[str, ...]] = {
    "deepfake": ("fake",),
    "covert_filming": ("filming",),
    "distribution": ("filming",),
    "sextortion": ("threat",),
    "webcam_blackmail": ("filming", "threat"),
}
# In article order: 제14조, 제14조의2, 제14조의3.
OFFENCE_ORDER: tuple[str, ...] = ("filming", "fake", "threat")

# Characters that would end a line, or hide what follows, in a subject or a body line.
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def notice_language(platform_code: str, channel: str) -> str:
    """The language the notice's reader reads, when staff have not chosen one."""
    platform = BY_CODE.get(platform_code)
    return CHANNEL_READS.get(channel) or (platform.reads if platform else "en")


def offences(harms: Collection[str]) -> tuple[str, ...]:
    """The offences of the harms, once each and in article order."""
    found = {offence for harm in harms for offence in OFFENCES_BY_HARM.get(harm, ())}
    return tuple(offence for offence in OFFENCE_ORDER if offence in found)


def _is_email(contact: str) -> bool:
    return "@" in contact and not contact.startswith("https://")


def _kinds_of_case(harms: Collection[str], minor_involved: bool) -> set[str]:
    return set(harms) | ({"minor"} if minor_involved else set())


def _targeted_first(
    contacts: tuple[str, ...], harms: Collection[str], minor_involved: bool
) -> tuple[str, ...]:
    """Contacts meant for this kind of case first; those meant for another kind left out."""
    kinds = _kinds_of_case(harms, minor_involved)
    meant = [c for c in contacts if TARGETED_CONTACTS.get(c) in kinds]
    general = [c for c in contacts if c not in TARGETED_CONTACTS]
    return (*meant, *general)


def suggested_to(
    channel: str, platform_code: str, harms: Collection[str], *, minor_involved: bool
) -> tuple[str, ...]:
    """Where staff could send this notice: addresses or pages, most fitting first.

    ``abuse_email`` offers the platform's e-mail addresses and ``report_form`` its forms;
    the commission, the police and search engines have contacts of their own; a hosting
    provider is looked up per site, so it has none here.
    """
    if channel in CHANNEL_CONTACTS:
        contacts = CHANNEL_CONTACTS[channel]
    elif channel in ("abuse_email", "report_form"):
        wanted_email = channel == "abuse_email"
        contacts = tuple(
            contact
            for contact in BY_CODE[platform_code].abuse_contacts
            if _is_email(contact) == wanted_email
        )
    else:
        contacts = ()
    return _targeted_first(contacts, harms, minor_involved)


def one_line(value: str) -> str:
    """The value on one line: line breaks and control characters become single spaces."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def tidy(body: str) -> str:
    """A rendered body with no trailing spaces, no runs of blank lines, one final newline."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
