"""Request bodies: only file uploads may be large, and uploads never touch the disk.

MAX_CONTENT_LENGTH (55 MB) exists for evidence files; Werkzeug applies its per-field caps
to multipart bodies only, so every other body is held to a size no honest form reaches.
Werkzeug spools an uploaded file over 500 KB to a temporary file: a victim's screenshot,
in the clear, on the server's disk before the portal encrypts it. The portal's request
class keeps every upload in memory instead (at most MAX_CONTENT_LENGTH per request).
A body no page of the portal can send (JSON, a multipart part without a name, a file under
a text field's name) is a 400, not a form read wrongly.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Flask, Request, abort, current_app, request

# The portal's one file field; a file under any other name is a forged form, which WTForms
# would read as that field's text.
FILE_FIELDS = frozenset({"evidence"})


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
        if request.is_json:
            abort(400)  # no form posts JSON, and Flask-WTF would read it as form data
        # Parse now, so a body over a cap is a friendly 413 here rather than an error
        # inside the rate limiter's key functions (which would swallow it).
        if {None, ""} & (request.form.keys() | request.files.keys()):
            abort(400)  # a multipart part without a name, or with an empty one
        if any(name not in FILE_FIELDS for name in request.files):
            abort(400)


def init_app(app: Flask) -> None:
    app.request_class = InMemoryUploads
    # Registered before the rate limiter, whose key functions may read the form.
    app.before_request(_cap_bodies_without_files)
