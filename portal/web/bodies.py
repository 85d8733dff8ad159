"""Request body caps: only file uploads may be large.

MAX_CONTENT_LENGTH (55 MB) exists for evidence files; Werkzeug applies its per-field caps
to multipart bodies only, so every other body is held to a size no honest form reaches.
"""

from __future__ import annotations

from flask import Flask, current_app, request

FORM_BODY_LIMIT = 1024 * 1024


def _cap_bodies_without_files() -> None:
    if request.mimetype != "multipart/form-data":
        configured = current_app.config.get("MAX_CONTENT_LENGTH") or FORM_BODY_LIMIT
        request.max_content_length = min(configured, FORM_BODY_LIMIT)
    if request.method == "POST":
        # Parse now, so a body over a cap is a friendly 413 here rather than an error
        # inside the rate limiter's key functions (which would swallow it).
        _ = request.form


def init_app(app: Flask) -> None:
    # Registered before the rate limiter, whose key functions may read the form.
    app.before_request(_cap_bodies_without_files)
