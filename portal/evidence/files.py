"""Evidence files: decide the type from the content, re-encode images without metadata,
and keep them encrypted on disk under random names.

Files on disk follow the database transaction that refers to them: a file written during
a transaction is removed again if that transaction does not commit, and a file erased by
one is removed only once it commits (``remove_after_commit``). So neither a failed filing
nor a failed erasure ever leaves a file without its row, or a row without its file.

Only JPEG, PNG, WebP and PDF are accepted. Images are decoded and written again by Pillow,
which drops EXIF (GPS, camera, time), XMP and text chunks; a file that does not decode, or
decodes to more than the pixel cap (a decompression bomb), is refused.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from sqlalchemy import event, orm, select
from sqlalchemy.orm import SessionTransaction

from portal.extensions import Session
from portal.models import EvidenceFile
from portal.security import crypto

MAX_PIXELS = 25_000_000
_WRITTEN = "evidence_files_written"
_TO_REMOVE = "evidence_files_to_remove"
PREVIEW_SIZE = 320

# Magic numbers: the file's own first bytes decide its type, never its name.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


class UploadRefused(ValueError):
    """``reason``: too_large, unsupported_type, broken, too_many_pixels, empty."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    media_type: str
    data: bytes
    original_sha256: str
    width: int | None = None
    height: int | None = None

    @property
    def stored_sha256(self) -> str:
        return crypto.sha256_hex(self.data)


def sniff_type(data: bytes) -> str | None:
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _open_image(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UploadRefused("too_many_pixels")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise UploadRefused("broken") from None
    return image


def _reencode(image: Image.Image, media_type: str) -> bytes:
    upright = ImageOps.exif_transpose(image)  # keep the picture's orientation, drop the tag
    if media_type == "image/jpeg" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    pixels = Image.new(upright.mode, upright.size)
    pixels.paste(upright)
    palette = upright.getpalette() if upright.mode == "P" else None
    if palette:
        pixels.putpalette(palette)
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90} if media_type != "image/png" else {}
    pixels.save(out, _PIL_FORMAT[media_type], **options)
    return out.getvalue()


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRefused("broken")


def clean_upload(data: bytes, max_bytes: int) -> CleanFile:
    """Check and sanitise one uploaded file, or raise UploadRefused."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    media_type = sniff_type(data)
    if media_type is None:
        raise UploadRefused("unsupported_type")
    original_sha256 = crypto.sha256_hex(data)
    if media_type == "application/pdf":
        _check_pdf(data)
        return CleanFile(media_type, data, original_sha256)
    image = _open_image(data)
    try:
        cleaned = _reencode(image, media_type)
    except (OSError, ValueError) as error:
        raise UploadRefused("broken") from error
    return CleanFile(media_type, cleaned, original_sha256, image.width, image.height)


def _purpose(stored_name: str) -> str:
    return f"file:{stored_name}"


def store(session: Session, upload_dir: str, clean: CleanFile) -> str:
    """Encrypt and write a file under a random name; returns the name.

    The file stays only if ``session``'s transaction commits.
    """
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    sealed = crypto.ring().encrypt_bytes(clean.data, _purpose(stored_name))
    session.connection()  # the file belongs to the transaction: make sure one has begun
    session.info.setdefault(_WRITTEN, []).append((upload_dir, stored_name))
    _write_atomically(directory / stored_name, sealed)
    return stored_name


def remove_after_commit(session: Session, upload_dir: str, names: list[str]) -> None:
    """Remove these files once ``session``'s transaction commits; keep them if it does not."""
    session.info.setdefault(_TO_REMOVE, []).extend((upload_dir, name) for name in names)


@event.listens_for(orm.Session, "after_commit")
def _files_follow_commit(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)
    for upload_dir, name in session.info.pop(_TO_REMOVE, []):
        remove(upload_dir, name)


@event.listens_for(orm.Session, "after_transaction_end")
def _files_follow_rollback(session: orm.Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (rolled back, or closed)."""
    if transaction.parent is not None:
        return
    for upload_dir, name in session.info.pop(_WRITTEN, []):
        remove(upload_dir, name)
    session.info.pop(_TO_REMOVE, None)


def _write_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)


def load(upload_dir: str, stored_name: str) -> bytes:
    blob = (Path(upload_dir) / stored_name).read_bytes()
    return crypto.ring().decrypt_bytes(blob, _purpose(stored_name))


def remove(upload_dir: str, stored_name: str) -> None:
    (Path(upload_dir) / stored_name).unlink(missing_ok=True)


def reencrypt(upload_dir: str, stored_name: str) -> bool:
    """Seal a file again under the primary key; False when it already was."""
    path = Path(upload_dir) / stored_name
    blob = path.read_bytes()
    keys = crypto.ring()
    if keys.bytes_key_id(blob) == keys.primary_id:
        return False
    plain = keys.decrypt_bytes(blob, _purpose(stored_name))
    if not path.exists():
        raise FileNotFoundError(path)  # removed while we worked: do not bring it back
    _write_atomically(path, keys.encrypt_bytes(plain, _purpose(stored_name)))
    return True


def reseal_all(session: Session, upload_dir: str) -> int:
    """Re-encrypt every evidence file under the primary key; returns how many changed."""
    names = session.scalars(select(EvidenceFile.stored_name).order_by(EvidenceFile.id)).all()
    resealed = 0
    for name in names:
        try:
            resealed += reencrypt(upload_dir, name)
        except FileNotFoundError:
            continue  # erased by a purge or withdrawal meanwhile
    return resealed


def blurred_preview(data: bytes) -> bytes:
    """A small, heavily blurred JPEG, so staff are not shown the image until they choose to."""
    image = _open_image(data)
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    image = image.filter(ImageFilter.GaussianBlur(radius=max(image.size) / 12))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()
