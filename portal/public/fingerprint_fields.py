"""The fingerprints a victim's browser made, as they arrive in a form: checked, kept, explained.

Each value is ``<64 hex digits>:<quality>`` (portal.evidence.pdq). A bad one is dropped with a
message in the visitor's language and the rest are kept, so the form comes back with them.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.evidence.pdq import PDQ, FingerprintError, parse


def fingerprint_message(code: str, limit: int) -> str:
    if code == "too_many":
        return _(
            "You can add up to %(max)d fingerprints at a time. The first %(max)d are kept.",
            max=limit,
        )
    if code == "low_quality":
        return _(
            "An image had too little detail to make a fingerprint we can match, so it was left "
            "out. Links to where it appears still help."
        )
    return _(
        "A fingerprint could not be read and was left out. "
        "Please make it again from the image on your phone."
    )


def check_fingerprints(
    values: list[str], limit: int, min_quality: int
) -> tuple[list[PDQ], list[str]]:
    """The distinct usable fingerprints (at most ``limit``) and a message per problem found."""
    kept: dict[str, PDQ] = {}
    problems: list[str] = []
    for raw in values:
        if not raw.strip():
            continue
        try:
            pdq = parse(raw[:200], min_quality)
        except FingerprintError as error:
            problems.append(error.code)
            continue
        kept.setdefault(pdq.hex, pdq)
    if len(kept) > limit:
        problems.append("too_many")
    messages = [fingerprint_message(code, limit) for code in dict.fromkeys(problems)]
    return list(kept.values())[:limit], messages
