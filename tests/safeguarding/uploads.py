"""Small real files for upload tests, made by the libraries that read them back."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(format: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (16, 97, 101)).save(buffer, format=format)
    return buffer.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
# A minimal one-page PDF, as WeasyPrint writes it.
PDF = __import__("weasyprint").HTML(string="<p>A letter from the placing school.</p>").write_pdf()
