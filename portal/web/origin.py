"""Whether a request was started by another site: a link there, or a form it auto-posts.

Browsers say so in Sec-Fetch-Site ("none" is a bookmark or a typed address); older ones
send Origin with a POST. Either is enough for a form another site makes a browser send to
be ignored, whatever it carries.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

_ELSEWHERE = frozenset({"cross-site", "same-site"})


def from_another_site() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site:
        return fetch_site in _ELSEWHERE
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin == "null"  # sandboxed frames and some redirects send "null"
    # Host names only: behind a proxy that terminates TLS the app may see http and another
    # port, and a victim's own form must never be mistaken for another site's.
    return urlsplit(origin).hostname != urlsplit(request.host_url).hostname
