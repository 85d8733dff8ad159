"""Reading the portal's pages as a client: the patterns tests and load scripts scrape with.

Standard library only, so the load scripts need nothing beyond Python.
"""

from __future__ import annotations

import re

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]*)"')
CASE_REF = re.compile(r'id="case-ref">([^<]+)<')
RECEIPT = re.compile(r'id="receipt">([^<]+)<')
ALREADY_FILED = re.compile(r'class="case-ref">([^<]+)<')
H1 = re.compile(r"<h1>(.*?)</h1>", re.S)
HTML_LANG = re.compile(r'<html lang="([a-z]+)">')
ERROR_SUMMARY = re.compile(r'id="error-summary"[^>]*>\s*<p>(.*?)</p>', re.S)
OTPAUTH_URI = re.compile(r"otpauth://\S+")

# The staff pages: a queue row (list or table) with its priority, the case link in it, and
# the "next page" link of every keyset-paged list.
QUEUE_ROW = re.compile(r'<li class="queue-row priority-(\w+)">(.*?)</li>', re.S)
QUEUE_LINE = re.compile(r'<tr class="queue-line priority-\w+">(.*?)</tr>', re.S)
CASE_LINK = re.compile(r'class="case-link" href="([^"]*)">([^<]+)</a>')
NEXT_PAGE = re.compile(r'rel="next" href="([^"]+)"')
MESSAGE_BODY = re.compile(
    r'<textarea id="msg-body" name="msg-body" rows="5">\n?(.*?)</textarea>', re.S
)
NOTICE_BODY = re.compile(r'<textarea id="notice-body"[^>]*>(.*?)</textarea>', re.S)
NOTICE_SUBJECT = re.compile(r'id="notice-subject" name="subject" value="([^"]*)"')


def csrf_token(html: str) -> str:
    """The page's CSRF token; ValueError when it has none."""
    match = CSRF.search(html)
    if not match:
        raise ValueError("page has no CSRF token")
    return match.group(1) or match.group(2)


def submission_key(html: str) -> str:
    """The report form's submission key ("" when the page has none)."""
    match = SUBMISSION_KEY.search(html)
    return match.group(1) if match else ""


def field_values(html: str, name: str) -> list[str]:
    """The values of every input named ``name`` whose value follows its name."""
    return re.findall(rf'name="{re.escape(name)}" value="([^"]*)"', html)
