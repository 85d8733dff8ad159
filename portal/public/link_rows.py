"""The report form's link rows: a URL and a note each, and a bounded list of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wtforms import FieldList, Form, StringField

from portal.config import MAX_LINK_ROWS


class BoundedFieldList(FieldList):
    """A FieldList that reads only plain ASCII row numbers below its maximum.

    WTForms would build a subform for every ``links-N-url`` a client invents (a million of
    them is one request), and ``int("²")`` would raise on an exotic digit.
    """

    def _extract_indices(self, prefix: str, formdata: Iterable[str]) -> Iterator[int]:
        offset = len(prefix)
        seen: set[int] = set()
        for key in formdata:
            if not key.startswith(prefix):
                continue
            number = key[offset:].split("-", 1)[0]
            if number.isascii() and number.isdigit() and len(number) <= 3:
                index = int(number)
                if index < MAX_LINK_ROWS and index not in seen:
                    seen.add(index)
                    yield index


class LinkEntry(Form):
    """One row of the links section (a subform: the parent form carries the CSRF token)."""

    url = StringField()
    note = StringField()
