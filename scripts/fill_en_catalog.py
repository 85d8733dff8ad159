"""Fill the English catalog: the source strings are English, so each entry is its own msgid.

Run by `make i18n-update`; a filled catalog lets the completeness test treat both
languages alike and makes an untranslated English entry impossible to miss.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> int:
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            wanted = list(message.id)
            if list(message.string) != wanted:
                message.string = tuple(wanted)
                changed += 1
        elif message.string != message.id:
            message.string = message.id
            changed += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_output=True, no_location=True, width=0)
    return changed


if __name__ == "__main__":
    for po_path in sys.argv[1:]:
        print(f"{po_path}: {fill(po_path)} entries filled")
