"""Checking an upload by what it is, not what it is called.

A file's name and the browser's Content-Type are whatever the sender says; a file is kept
only when its first bytes are those of a PNG, a JPEG or a PDF, and an image also opens in
Pillow as the format its bytes claim. Anything else, or anything larger than the limit
(settings.SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES), is refused with a sentence saying why.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

UPLOAD_EMPTY = "The file is empty."
UPLOAD_TOO_LARGE = "The file is larger than {limit}: upload a smaller file (a photo can be resized)."
UPLOAD_NOT_ALLOWED = (
    "The file is not a PNG or JPEG image or a PDF. Files are checked by their content, not their name: "
    "save it as one of those and upload it again."
)
UPLOAD_IMAGE_DAMAGED = "The image could not be opened: it may be damaged. Save it again and upload it again."
UPLOAD_PDF_DAMAGED = "The PDF has no end-of-file marker: it may be cut short. Save it again and upload it again."
PHOTO_NOT_AN_IMAGE = "A photograph must be a PNG or JPEG image."

# First bytes of each kind of file we keep, and its media type.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
PILLOW_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG"}
# A photo of a child for the police has no need of more (and Pillow's own bomb check is at 89M).
MAX_IMAGE_PIXELS = 40_000_000
# A PDF ends with %%EOF, perhaps followed by a little whitespace.
PDF_TAIL_BYTES = 1024


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _limit_text(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB"


def read_limited(chunks: Iterable[bytes], *, limit: int | None = None) -> bytes:
    """Read an upload, refusing it as soon as it passes the limit (never all into memory)."""
    limit = limit or settings.SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES
    buffer = io.BytesIO()
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise ValidationError({"file": UPLOAD_TOO_LARGE.format(limit=_limit_text(limit))})
    return buffer.getvalue()


def upload_check(content: bytes, *, images_only: bool = False) -> CheckedUpload:
    """The upload as kept, or ValidationError({"file": reason})."""
    limit = settings.SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES
    if not content:
        raise ValidationError({"file": UPLOAD_EMPTY})
    if len(content) > limit:
        raise ValidationError({"file": UPLOAD_TOO_LARGE.format(limit=_limit_text(limit))})
    content_type = next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        raise ValidationError({"file": PHOTO_NOT_AN_IMAGE if images_only else UPLOAD_NOT_ALLOWED})
    if images_only and content_type not in PILLOW_FORMAT:
        raise ValidationError({"file": PHOTO_NOT_AN_IMAGE})
    if content_type in PILLOW_FORMAT:
        _image_check(content, PILLOW_FORMAT[content_type])
    elif b"%%EOF" not in content[-PDF_TAIL_BYTES:]:
        raise ValidationError({"file": UPLOAD_PDF_DAMAGED})
    return CheckedUpload(content, content_type, hashlib.sha256(content).hexdigest())


def _image_check(content: bytes, expected_format: str) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected_format or image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationError({"file": UPLOAD_IMAGE_DAMAGED})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"file": UPLOAD_IMAGE_DAMAGED}) from None
