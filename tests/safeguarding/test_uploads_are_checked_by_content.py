"""An upload is kept only when its content is a PNG, a JPEG or a PDF, within the size limit;
its name and the browser's Content-Type decide nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safewell.safeguarding import documents
from safewell.safeguarding.models import ChronologyEntry, Document
from tests.safeguarding.uploads import JPEG, PDF, PNG


def upload(client, pupil, content: bytes, name: str, content_type: str, kind: str = "report"):
    return client.post(f"/safeguarding/pupils/{pupil.pk}/documents/new/", {
        "kind": kind, "title": "From the placing school",
        "file": SimpleUploadedFile(name, content, content_type=content_type),
    })


@pytest.mark.parametrize(("content", "name", "content_type", "kept_as"), [
    (PDF, "letter.pdf", "application/pdf", "application/pdf"),
    (PNG, "scan.png", "image/png", "image/png"),
    (JPEG, "photo.jpg", "image/jpeg", "image/jpeg"),
    (PNG, "notes.txt", "text/plain", "image/png"),  # a PNG by its content, whatever its name
])
def test_an_image_or_a_pdf_is_kept_with_its_real_type(client, personas, north_pupil, content, name, content_type, kept_as):
    client.force_login(personas.dsl)
    assert upload(client, north_pupil, content, name, content_type).status_code == 302
    document = Document.objects.get()
    assert document.content_type == kept_as and bytes(document.content) == content


@pytest.mark.parametrize(("content", "name", "content_type", "message"), [
    (b"<html><script>alert(1)</script></html>", "letter.pdf", "application/pdf", documents.UPLOAD_NOT_ALLOWED),
    (b"MZ\x90\x00" + b"\x00" * 60, "photo.jpg", "image/jpeg", documents.UPLOAD_NOT_ALLOWED),
    (PNG[:40], "scan.png", "image/png", documents.UPLOAD_IMAGE_DAMAGED),
    (PDF[:-200], "letter.pdf", "application/pdf", documents.UPLOAD_PDF_DAMAGED),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "scan.png", "image/png", documents.UPLOAD_IMAGE_DAMAGED),
])
def test_anything_else_is_refused_by_its_content_and_nothing_is_kept(client, personas, north_pupil, content, name,
                                                                      content_type, message):
    client.force_login(personas.dsl)
    response = upload(client, north_pupil, content, name, content_type)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Document.objects.exists() and not ChronologyEntry.objects.exists()


def test_a_file_over_the_limit_is_refused(client, personas, north_pupil, settings):
    settings.SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES = len(PDF) - 1
    client.force_login(personas.dsl)
    response = upload(client, north_pupil, PDF, "letter.pdf", "application/pdf")
    assert response.status_code == 400
    assert documents.UPLOAD_TOO_LARGE.format(limit=f"{(len(PDF) - 1) / 1_000_000:g} MB") in response.content.decode()
    assert not Document.objects.exists()


def test_the_reader_stops_as_soon_as_the_limit_is_passed():
    chunks = iter([b"x" * 600, b"x" * 600, b"never read"])
    with pytest.raises(Exception, match="larger than"):
        documents.read_limited(chunks, limit=1000)
    assert next(chunks) == b"never read"


def test_a_photograph_must_be_an_image(client, personas, north_pupil):
    client.force_login(personas.dsl)
    response = upload(client, north_pupil, PDF, "photo.jpg", "image/jpeg", kind="photo")
    assert response.status_code == 400 and documents.PHOTO_NOT_AN_IMAGE in response.content.decode()


def test_a_kept_document_is_served_to_the_dsl_team_only_with_its_real_type(client, personas, north_pupil):
    client.force_login(personas.dsl)
    upload(client, north_pupil, PNG, "notes.txt", "text/plain")
    document = Document.objects.get()
    served = client.get(f"/safeguarding/documents/{document.pk}/")
    assert served["Content-Type"] == "image/png" and served["Content-Disposition"].startswith("inline")
    assert served.content == PNG
    client.force_login(personas.teacher)
    assert client.get(f"/safeguarding/documents/{document.pk}/").status_code == 403
