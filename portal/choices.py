"""The vocabulary of a case: each idea's code name and its label in both languages.

The one vocabulary module, below the models (which decode the bit masks through it) and used
by every layer. Codes are stored, and HARMS and HELP give the bit order of their masks, so
entries are only ever appended (tests/test_choices.py pins them). Platforms live in their
own registry, portal/links/platforms.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from flask_babel import lazy_gettext as _l

FILERS = {
    "self": _l("I am the person this happened to"),
    "guardian": _l("A parent or guardian"),
    "friend": _l("A friend or someone close"),
    "organisation": _l("A support organisation"),
}

# How staff see who filed: the victim's options are in the first person.
FILERS_FOR_STAFF = {
    "self": _l("The person harmed"),
    "guardian": _l("Parent or guardian"),
    "friend": _l("Friend or someone close"),
    "organisation": _l("Support organisation"),
}

# What a link points at (portal.links.classify decides).
LINK_KINDS = {
    "channel": _l("Channel or group"),
    "bot": _l("Bot"),
    "message": _l("Single post in a channel"),
    "invite": _l("Invite link"),
    "profile": _l("Account or profile"),
    "post": _l("Post"),
    "web": _l("Web page"),
}

LANGUAGES = {"ko": "한국어", "en": "English"}  # each in its own language, as people look for it
# Every page, notice, e-mail and staff account is in one of these.
LANGUAGE_CODES: tuple[str, ...] = tuple(LANGUAGES)

# Minors (아동·청소년) are people under 19, in full years (만 나이), as the Act on the
# Protection of Children and Youth against Sex Offenses counts them. Until December 2026 the
# form drew the line at 18; those codes stay, with labels that keep their meaning.
AGE_BANDS = {
    "under14": _l("Under 14"),
    "14to17": _l("14 to 17 (asked before December 2026)"),
    "adult": _l("18 or older (asked before December 2026: may be 18, still a minor)"),
    "undisclosed": _l("Prefer not to say"),
    "14to18": _l("14 to 18 (under 19, high school students included)"),
    "19plus": _l("19 or older"),
}
# What the form offers today, in its order.
AGE_BANDS_ASKED = {code: AGE_BANDS[code] for code in ("under14", "14to18", "19plus", "undisclosed")}
MINOR_AGE_BANDS = frozenset({"under14", "14to17", "14to18"})

MINOR_IN_CONTENT = {
    "yes": _l("Yes, they were under 19"),
    "no": _l("No, 18 or older (asked before December 2026: may be 18, still a minor)"),
    "unsure": _l("Not sure"),
    "no19": _l("No, they were 19 or older"),
}
MINOR_IN_CONTENT_ASKED = {code: MINOR_IN_CONTENT[code] for code in ("yes", "no19", "unsure")}


HARMS = {
    "deepfake": _l("Deepfake or synthetic image/video"),
    "covert_filming": _l("Filmed without consent"),
    "distribution": _l("Shared without consent"),
    "sextortion": _l("Threat to share or extortion (money, more images, a meeting)"),
    "fear_of_distribution": _l("Fear it will be shared"),
    "webcam_blackmail": _l("Webcam blackmail"),
    "harassment": _l("Online sexual harassment"),
    "other": _l("Something else"),
}

HELP = {
    "takedown": _l("Takedown (removal)"),
    "counseling": _l("Counseling"),
    "legal": _l("Legal and police support"),
    "medical": _l("Medical support"),
}

CONTACT_METHODS = {
    "none": _l("Do not contact me. I will check with my receipt code."),
    "email": _l("Email"),
    "phone": _l("Phone"),
}

STATUSES = {
    "new": _l("New"),
    "triage": _l("Triage"),
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting for victim"),
    "monitoring": _l("Re-upload monitoring"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
}

# How the victim sees each status on /status: plain words and what happens next.
VICTIM_STATUS = {
    "new": (
        _l("Received"),
        _l(
            "Your report has arrived safely. A support worker will read it, "
            "usually within one working day."
        ),
    ),
    "triage": (
        _l("Being reviewed"),
        _l(
            "A support worker is reading your report and deciding the first steps. "
            "If we need anything from you, we will leave a message here."
        ),
    ),
    "in_progress": (
        _l("We are working on it"),
        _l(
            "We are arranging the help you asked for, and if you asked for takedown, we are "
            "contacting platforms. Removal can take from a few days to a few weeks, and a "
            "platform sometimes refuses. If that "
            "happens we tell you here and try other ways, such as a review request to the "
            "Korea Media and Communications Standards Commission."
        ),
    ),
    "waiting": (
        _l("We need your answer"),
        _l("We left you a message below. Please read it and reply when you can."),
    ),
    "monitoring": (
        _l("Watching for re-uploads"),
        _l(
            "We have asked for the content we know of to be removed. We keep checking "
            "whether it is still there or appears again, and will tell you here what we find."
        ),
    ),
    "closed": (
        _l("Finished"),
        _l(
            "We have finished our work on this report. If the content appears again, "
            "you can file a new report at any time."
        ),
    ),
    "withdrawn": (
        _l("Deleted"),
        _l("This report was withdrawn and its contents were deleted."),
    ),
}

OPEN_STATUSES = ("new", "triage", "in_progress", "waiting", "monitoring")

PRIORITIES = {
    "urgent": _l("Urgent"),
    "high": _l("High"),
    "normal": _l("Normal"),
}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}

# Where each link stands in its takedown; never typed by staff, it follows from the requests
# made, the platforms' answers and the rechecks (portal/takedown/states.py).
# "kcsc_request" is any escalation (the commission or the police): its code is older.
TAKEDOWN_STATUSES = {
    "reported": _l("Not yet requested"),
    "requested": _l("Removal requested"),
    "kcsc_request": _l("Escalated"),
    "removed": _l("Removed"),
    "refused": _l("Platform refused"),
    "reappeared": _l("Uploaded again"),
    "partly_removed": _l("Partly removed"),
    "unreachable": _l("Page could not be reached"),
}
# States in which a link still needs work; the others are watched for re-uploads.
OPEN_LINK_STATES = (
    "reported",
    "requested",
    "partly_removed",
    "refused",
    "reappeared",
    "kcsc_request",
)
WATCHED_LINK_STATES = ("removed", "unreachable")

# How the victim sees each link's state on /status.
VICTIM_LINK_STATES = {
    "reported": _l("We have it and will ask for its removal."),
    "requested": _l("We asked the platform to remove it on %(date)s."),
    "removed": _l("Removed. We will keep checking that it stays down."),
    "partly_removed": _l("Partly removed. We are asking for the rest to be removed too."),
    "refused": _l(
        "The platform refused. We are trying other ways, such as a review request to the "
        "Korea Media and Communications Standards Commission."
    ),
    "unreachable": _l("The page can no longer be reached. We will keep checking."),
    "reappeared": _l("It appeared again. We are asking for its removal again."),
    "kcsc_request": _l(
        "We have taken it further, to the Korea Media and Communications Standards "
        "Commission or the police."
    ),
}

# Where a takedown request was sent (links.platforms.NOTICE_CHANNELS has the same codes,
# labelled as the notice each one is).
REQUEST_CHANNELS = {
    "report_form": _l("The platform's report form"),
    "abuse_email": _l("Abuse e-mail"),
    "kcsc": _l("Review request to the KCSC"),
    "hosting": _l("Hosting provider"),
    "search_engine": _l("Search engine removal"),
    "police": _l("Police"),
}
# A request through these after an earlier one takes the link further (escalates it).
ESCALATION_CHANNELS = frozenset({"kcsc", "police"})

# What the platform answered, for some or all links of a request.
REQUEST_OUTCOMES = {
    "removed": _l("Removed"),
    "partly_removed": _l("Partly removed"),
    "refused": _l("Refused"),
    "unreachable": _l("Page could not be reached"),
    "no_answer": _l("No answer"),
}

# Where an outgoing e-mail stands in the outbox (portal/mail/outbox.py).
OUTBOX_STATES = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "uncertain": _l("Uncertain"),
}

# What a target is: the place many links point into.
TARGET_KINDS = {
    "channel": _l("Channel or group"),
    "bot": _l("Bot"),
    "invite": _l("Invite link"),
    "account": _l("Account"),
    "blog": _l("Blog"),
    "cafe": _l("Café or community"),
    "server": _l("Server"),
    "site": _l("Website"),
}

TEAMS = {
    "takedown": _l("Takedown team"),
    "counseling": _l("Counseling team"),
    "legal": _l("Legal team"),
}


def mask_of(codes: Iterable[str], vocabulary: Collection[str]) -> int:
    """Pack a set of code names into an integer bit mask, in vocabulary order."""
    order = list(vocabulary)
    mask = 0
    for code in codes:
        mask |= 1 << order.index(code)
    return mask


def codes_of(mask: int, vocabulary: Collection[str]) -> list[str]:
    return [code for bit, code in enumerate(vocabulary) if mask & (1 << bit)]
