"""An agency export (PDF or JSON) of a chosen part of the chronology, with the sharing
decision recorded: to whom, why, on what lawful basis, and a fingerprint of what left."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

from pypdf import PdfReader

from safewell.safeguarding import services
from safewell.safeguarding.models import AgencyExport, EntryKind
from tests.safeguarding.casework_factory import NOW, case_of

DECISION = {"recipient": "Testshire MASH, duty social worker", "purpose": "Strategy discussion tomorrow.",
            "lawful_basis": "public_task"}


def setup_file(personas, pupil):
    case = case_of(personas, pupil)
    services.chronology_entry_add(pupil=pupil, actor=personas.dsl, kind="meeting", title="Core group", body="Plan agreed.",
                                  event_at=NOW - dt.timedelta(days=3), now=NOW, case=case)
    services.chronology_entry_add(pupil=pupil, actor=personas.dsl, kind="note", title="Old note", body="Years ago.",
                                  event_at=NOW - dt.timedelta(days=400), now=NOW)
    return case


def test_the_json_export_holds_only_what_was_chosen_and_the_decision_is_kept(client, personas, north_pupil):
    setup_file(personas, north_pupil)
    client.force_login(personas.dsl)

    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/share/", {
        **DECISION, "format": "json", "groups": ["notes"], "start": "2026-10-01"})

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    shared = json.loads(response.content)
    assert [e["title"] for e in shared["entries"]] == ["Core group"]
    assert shared["shared"]["recipient"] == DECISION["recipient"] and shared["pupil"]["upn"] == north_pupil.upn
    assert shared["shared"]["lawful_basis_code"] == "public_task"
    export = AgencyExport.objects.get()
    assert export.sha256 == hashlib.sha256(response.content).hexdigest()
    assert (export.entry_count, export.lawful_basis, export.selection["groups"]) == (1, "public_task", ["notes"])
    assert north_pupil.chronology.filter(kind=EntryKind.SHARING).get().title.startswith("Chronology shared with Testshire MASH")


def test_the_pdf_export_reads_back_with_the_sharing_decision_on_it(client, personas, north_pupil):
    setup_file(personas, north_pupil)
    client.force_login(personas.dsl)
    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/share/", {**DECISION, "format": "pdf", "groups": ["notes"]})
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Shared with Testshire MASH, duty social worker" in text and "Core group" in text and "Old note" in text


def test_sharing_without_a_lawful_basis_or_a_choice_is_refused(client, personas, north_pupil):
    setup_file(personas, north_pupil)
    client.force_login(personas.dsl)
    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/share/", {
        "recipient": "Police", "purpose": "Asked.", "format": "json"})
    page = response.content.decode()
    assert response.status_code == 400 and "This field is required." in page
    assert not AgencyExport.objects.exists()

    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/share/", {**DECISION, "format": "json"})
    assert response.status_code == 400 and services.NOTHING_CHOSEN in response.content.decode()


def test_a_choice_matching_nothing_shares_nothing(client, personas, north_pupil):
    setup_file(personas, north_pupil)
    client.force_login(personas.dsl)
    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/share/", {
        **DECISION, "format": "json", "groups": ["checks"]})
    assert response.status_code == 400 and services.NOTHING_TO_SHARE in response.content.decode()
    assert not AgencyExport.objects.exists()
