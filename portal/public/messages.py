"""Messages for refused input, in the visitor's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.links.parse import LinkRejected
from portal.security.sanitize import TextRefused


def refusal_message(error: TextRefused) -> str:
    if error.reason == "too_long":
        return ngettext(
            "Please shorten this to %(num)d character or fewer (it has %(length)d now).",
            "Please shorten this to %(num)d characters or fewer (it has %(length)d now).",
            error.limit,
            length=error.length,
        )
    return _(
        "This contains hidden control characters we cannot accept. "
        "Please retype it or remove unusual characters."
    )


def upload_message(reason: str, name: str, max_mb: int) -> str:
    messages = {
        "too_large": _(
            "%(name)s is larger than %(max)d MB. "
            "Please send a smaller screenshot, or just the link.",
            name=name,
            max=max_mb,
        ),
        "unsupported_type": _(
            "%(name)s is not a JPEG, PNG, WebP or PDF file. Please send a screenshot in one of "
            "these formats, or just the link.",
            name=name,
        ),
        "too_many_pixels": _(
            "%(name)s is too large an image to open safely. Please send a smaller screenshot.",
            name=name,
        ),
        "over_pixel_budget": _(
            "%(name)s and the images before it are too large to check together. "
            "Please send fewer or smaller screenshots, or just the links.",
            name=name,
        ),
        "empty": _("%(name)s is empty.", name=name),
        "pdf_encrypted": _(
            "%(name)s is protected with a password, so we cannot open it. Please send it "
            "without the password, or screenshots of its pages, or just the link.",
            name=name,
        ),
        "pdf_too_complex": _(
            "%(name)s is too large or complex for us to open safely. Please send screenshots "
            "of its pages instead, or just the link.",
            name=name,
        ),
    }
    return messages.get(
        reason,
        _("%(name)s could not be opened. It may be damaged. Please try another file.", name=name),
    )


def link_message(error: LinkRejected) -> str:
    if error.reason == "too_long":
        return _("This link is too long. Please copy only the address of the page.")
    if error.reason == "unsupported_scheme":
        return _("Please enter a web address (https://...), a t.me link or an @name.")
    return _(
        "This does not look like a link. Please enter a web address (https://...), "
        "a t.me link or a Telegram @name."
    )


def missing_consent_message(field_name: str) -> str:
    """What to say when one of the three required agreements is not ticked."""
    messages = {
        "consent_nonconsensual": _(
            "Please tick the box about consent. You can tick it even if you agreed to be "
            "filmed, or nothing has been shared yet."
        ),
        "consent_sensitive": _(
            "Please agree that staff may handle the sensitive information in your "
            "report; without it we cannot look at what happened."
        ),
        "consent_processing": _(
            "Please agree that staff may handle what you send, so we can help."
        ),
    }
    return messages[field_name]
