"""The victims' side of the portal."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import (  # noqa: E402,F401
    receipt_views,
    report_views,
    status_fingerprints,
    status_views,
    transparency_views,
    views,
)
