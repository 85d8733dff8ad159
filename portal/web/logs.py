"""Logging that never writes a client address (the development server would)."""

from __future__ import annotations

import logging
import re

from flask import Flask

_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Eight groups, or a "::": an IPv6 address, not a time like 04:30:45 or 2026:04:34:38.
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"
    r"|(?<![\w:])[0-9a-fA-F:]*::[0-9a-fA-F:.]*(?![\w:])"
)


class RedactAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Running on" in message:
            return True  # the development server's own listening address, not a client
        redacted = _IPV6.sub("-", _IPV4.sub("-", message))
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def init_app(app: Flask) -> None:
    redactor = RedactAddresses()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAddresses) for f in logger.filters):
            logger.addFilter(redactor)
