"""The documents case work produces, as PDFs (WeasyPrint, from templates in
templates/safeguarding/pdf/): the CME notification to the local authority, the police's
missing-person pack (Philomena Protocol parts 1 and 2), and a printed chronology (the agency
export's PDF too). They are rendered from what the selectors return, so every PDF is read
(and audited) through them, and they carry no script: WeasyPrint runs none. They are tagged
(PDF/UA-1) for screen readers."""

from __future__ import annotations

import base64
import datetime as dt

from django.template.loader import render_to_string
from weasyprint import HTML

from safewell.safeguarding.models import Document


# Tagged PDF/UA-1: headings, tables and the photo's alt text reach a screen reader, and the
# language is set (public-sector accessibility applies to documents too, design.md §9).
PDF_VARIANT = "pdf/ua-1"


def _pdf(template: str, context: dict) -> bytes:
    return HTML(string=render_to_string(template, context)).write_pdf(pdf_variant=PDF_VARIANT)


def data_uri(document: Document | None) -> str:
    """An image inlined into the PDF (WeasyPrint fetches nothing over the network)."""
    if document is None or not document.is_image:
        return ""
    return f"data:{document.content_type};base64,{base64.b64encode(bytes(document.content)).decode()}"


def cme_notification_pdf(*, detail, letter, attendance: dict, generated_at: dt.datetime) -> bytes:
    """The CME notification (s436A Education Act 1996 [C]; seed 000 §7) as a letter from the
    school to the LA's CME officer, in words (issue 11 §7): the child and their home address,
    the parents and carers with their numbers (reg 13(4)(b)-(d) [C]), when last seen and the
    whereabouts, the absence in dates and sessions, the reasonable enquiries made
    (statutory.md §3.4 [S]), checks and referrals, and the DSL to contact."""
    return _pdf("safeguarding/pdf/cme_notification.html", {
        "detail": detail, "letter": letter, "case": detail.case, "pupil": detail.case.pupil,
        "notification": detail.notification, "attendance": attendance,
        "generated_at": generated_at, "site": detail.case.site, "organisation": detail.case.organisation,
    })


def police_pack_pdf(*, pack, generated_at: dt.datetime) -> bytes:
    """Philomena Protocol (statutory.md §7.3 [C]): part 1 kept in advance, part 2 of this
    episode, given to the police when the child is reported missing. Who the child is, the
    description and the photo come first, as on the Philomena form (issue 11 §7)."""
    from safewell.pupils.age import age_on

    pupil = pack.episode.pupil
    return _pdf("safeguarding/pdf/police_pack.html", {
        "pack": pack, "episode": pack.episode, "pupil": pupil, "profile": pack.profile,
        "photo": data_uri(pack.profile.photo if pack.profile else None), "generated_at": generated_at,
        "age": age_on(pupil.date_of_birth, generated_at.date()),
    })


def chronology_pdf(*, pupil, items, filters, generated_at: dt.datetime, sharing: dict | None = None) -> bytes:
    """The chronology as filtered, to print or to share (with the sharing decision on it)."""
    return _pdf("safeguarding/pdf/chronology.html", {
        "pupil": pupil, "items": items, "filters": filters, "generated_at": generated_at, "sharing": sharing,
    })
