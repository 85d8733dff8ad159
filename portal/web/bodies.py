"""Request bodies: only file uploads may be large, and uploads never touch the disk.

MAX_CONTENT_LENGTH (55 MB) exists for evidence files; Werkzeug applies its per-field caps
to multipart bodies only, so every other body is held to a size no honest form reaches.
Werkzeug spools an uploaded file over 500 KB to a temporary file: a victim's screenshot,
in the clear, on the server's disk before the portal encrypts it. The portal's request
class keeps every upload in memory instead (at most MAX_CONTENT_LENGTH per request).
"""

from __future__ import annotations

import io
from typing import IO

from flask import Flask, Request, current_app, request


class InMemoryUploads(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


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
    app.request_class = InMemoryUploads
    # Registered before the rate limiter, whose key functions may read the form.
    app.before_request(_cap_bodies_without_files)
