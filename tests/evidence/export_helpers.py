"""The case, the export request and the ZIP rebuilding that the police export tests share."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask import Flask
from sqlalchemy import select

from portal.cases import casework
from portal.evidence.files import clean_upload
from portal.extensions import db
from portal.models import Link, Staff, utcnow
from portal.security import signing
from portal.takedown import requests
from portal.takedown.requests import Answer, Sent
from tests import factories, files
from tests.staff_helpers import token_of

TEN_MB = 10 * 1024 * 1024
LINKS = ["https://t.me/bad_channel/77", "https://example.com/leak/1"]


def case_to_export(app: Flask, assignee_email: str, language: str = "ko", **changes: Any) -> str:
    """A case with two links, a request and an answer on the first, a screenshot and a note."""
    with app.app_context():
        worker = db.session.scalars(select(Staff).where(Staff.email == assignee_email)).one()
        values: dict[str, Any] = {
            "language": language,
            "help_wanted": ["takedown"],
            "consent_takedown": True,
            "preserve_evidence": True,
            "description": "그 사람이 제 사진을 합성해서 채널에 올렸어요.",
            "files": [clean_upload(files.jpeg_with_gps(), TEN_MB)],
        }
        values.update(changes)
        case = factories.filed_case(
            db.session, app.config["PORTAL_UPLOAD_DIR"], links=LINKS, **values
        ).case
        case.assignee_id = worker.id
        db.session.commit()
        link_id = db.session.scalar(
            select(Link.id).where(Link.case_id == case.id, Link.position == 0)
        )
        request = requests.record_request(
            db.session,
            worker,
            [link_id],
            Sent("report_form", utcnow(), "TG-4711"),
            note=lambda n: "requested",
        )
        db.session.commit()
        requests.record_answer(
            db.session,
            worker,
            request,
            Answer("removed", utcnow(), text="Content removed."),
            note=lambda n: "answered",
            link_ids=[link_id],
        )
        casework.add_note(db.session, case, worker, "피해자 어머니와 통화함")
        casework.send_message(db.session, case, worker, "요청서를 보냈어요.")
        db.session.commit()
        return case.case_ref


def post_export(client: Any, ref: str, **data: str) -> Any:
    token = token_of(client, f"/staff/cases/{ref}")
    return client.post(f"/staff/cases/{ref}/export", data={"csrf_token": token, **data})


class Unseekable(io.RawIOBase):
    """Where zipfile writes as the portal's export does: streamed, so laid out the same."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += data
        return len(data)

    def tell(self) -> int:
        return len(self.written)


def rebuilt(original: bytes, tweak: Any) -> bytes:
    """The same members rebuilt the way the portal writes a ZIP (streamed), each passed
    through ``tweak(info, data)``, which may change the ZipInfo and returns the bytes."""
    source = zipfile.ZipFile(io.BytesIO(original))
    out = Unseekable()
    with zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            info.flag_bits = 0
            copy.writestr(info, tweak(info, data))
    return bytes(out.written)


def signing_public_key(app: Flask) -> str:
    with app.app_context():
        return signing.public_b64(signing.configured_key())
