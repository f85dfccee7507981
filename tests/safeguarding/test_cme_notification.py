"""The CME notification to the LA: due on the 10th school day of absence (the policy
engine's clock), reasonable enquiries beside it (statutory.md §3.4), a PDF with the
evidence, its sent date and acknowledgement, and the report "was the LA told on time?"."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from safewell.policy.models import Alert, AlertState
from safewell.safeguarding import selectors, services
from safewell.safeguarding.models import CaseKind
from tests.safeguarding.casework_factory import NOW, alert_of, case_of


# Counted on the conftest's calendar: half term 26-30 Oct 2026, INSET Mon 2 Nov, Christmas
# from 19 Dec to 4 Jan; school days only (statutory.md §9 [U]: days on which the school meets).
@pytest.mark.parametrize(("first_day_absent", "school_days", "due"), [
    (dt.date(2026, 10, 19), 10, dt.date(2026, 11, 9)),   # across half term and the INSET day (docs/demo.md)
    (dt.date(2026, 11, 3), 10, dt.date(2026, 11, 16)),   # two full school weeks
    (dt.date(2026, 10, 24), 10, dt.date(2026, 11, 16)),  # a Saturday: counting starts Tue 3 Nov
    (dt.date(2026, 12, 14), 10, dt.date(2027, 1, 11)),   # across Christmas
    (dt.date(2026, 11, 3), 8, dt.date(2026, 11, 12)),    # a stricter profile (8 school days)
    (dt.date(2026, 11, 3), 1, dt.date(2026, 11, 3)),     # the first day is the first school day
])
def test_the_notification_is_due_on_the_nth_school_day_of_absence(term_dates, first_day_absent, school_days, due):
    site = term_dates.north
    assert services.cme_due_date(site=site, first_day_absent=first_day_absent, school_days=school_days) == due


def test_a_cme_case_opened_by_hand_counts_the_due_date_from_the_first_day_absent(client, term_dates, north_pupil):
    client.force_login(term_dates.dsl)
    client.post(f"/safeguarding/pupils/{north_pupil.pk}/cases/new/", {
        "kind": "cme", "summary": "Not seen since half term; the family has left the address.",
        "owner": term_dates.dsl.pk, "first_day_absent": "2026-10-19",
    })
    case = north_pupil.safeguarding_cases.get()
    assert case.kind == CaseKind.CME and case.cme_due_on == dt.date(2026, 11, 9)
    assert case.referrals.get().due_on == dt.date(2026, 11, 9)


def test_a_cme_case_without_its_first_day_absent_is_refused(client, term_dates, north_pupil):
    client.force_login(term_dates.dsl)
    response = client.post(f"/safeguarding/pupils/{north_pupil.pk}/cases/new/", {
        "kind": "cme", "summary": "Missing.", "owner": term_dates.dsl.pk})
    assert response.status_code == 400 and services.CME_DUE_REQUIRED in response.content.decode()
    assert not north_pupil.safeguarding_cases.exists()


def cme_case(personas, pupil, due=dt.date(2026, 11, 9)):
    return case_of(personas, pupil, kind=CaseKind.CME, cme_due_on=due)


def test_the_notification_pdf_reads_back_with_the_child_the_due_date_and_the_enquiries(client, personas, north_pupil):
    case = cme_case(personas, north_pupil)
    services.reasonable_enquiry_record(case=case, actor=personas.dsl, now=NOW, kind="siblings_schools",
                                       made_on=dt.date(2026, 11, 2), who="Brookfield Primary office",
                                       outcome="The younger sister has not attended since 16 October either.")
    client.force_login(personas.dsl)

    response = client.get(f"/safeguarding/referrals/{case.referrals.get().pk}/notification.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "To: the children missing education officer, Suffolk" in text
    assert "Child missing education: Nia Northway" in text and north_pupil.upn in text
    assert "This notification is due by Monday 9 November 2026" in text
    assert "The younger sister has not attended since 16 October either." in text
    assert reader.metadata.title == "Child missing education notification: Nia Northway"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and "/StructTreeRoot" in root, "a tagged PDF for screen readers"


def test_the_checklist_shows_which_reasonable_enquiries_are_made(client, personas, north_pupil):
    case = cme_case(personas, north_pupil)
    services.reasonable_enquiry_record(case=case, actor=personas.dsl, now=NOW, kind="home_visit",
                                       made_on=dt.date(2026, 11, 2), who="Two of us", outcome="No answer; curtains drawn.")
    detail = selectors.case_detail_for_user(personas.dsl, case.pk)
    assert detail.enquiry_kinds_done == {"home_visit"}


def test_sending_the_notification_closes_its_alert_and_records_the_date(personas, north_pupil):
    case = cme_case(personas, north_pupil)
    alert = Alert.objects.get(rule_id="cme_notification_due", pupil=north_pupil)
    assert alert.evidence["due_on"] == "2026-11-09"

    notification = case.referrals.get()
    services.referral_send(referral=notification, actor=personas.dsl, now=NOW, sending=services.Sending(
        sent_on=dt.date(2026, 11, 2), lawful_basis="legal_obligation", reference="CME-0417"))

    alert.refresh_from_db()
    assert alert.state == AlertState.ACTIONED and alert.condition_cleared_at == NOW
    notification.refresh_from_db()
    assert notification.sent_on_time is True


def test_an_unsent_notification_past_its_due_date_becomes_urgent(personas, north_pupil):
    from safewell.safeguarding.casework_alerts import casework_alerts_sync

    cme_case(personas, north_pupil, due=dt.date(2026, 10, 30))
    alert = Alert.objects.get(rule_id="cme_notification_due")
    assert alert.severity == "urgent" and alert.evidence["overdue"] is True
    casework_alerts_sync(now=NOW)
    assert Alert.objects.filter(rule_id="cme_notification_due").count() == 1


def test_the_compliance_report_says_whether_the_la_was_told_on_time(personas, north_pupil, south_pupil):
    from tests.pupils.pupil_factory import make_pupil

    on_time, late, overdue = (cme_case(personas, p) for p in (north_pupil, make_pupil(personas.north), south_pupil))
    not_due = cme_case(personas, make_pupil(personas.north), due=dt.date(2026, 11, 20))
    for case, sent in ((on_time, dt.date(2026, 11, 9)), (late, dt.date(2026, 11, 12))):
        services.referral_send(referral=case.referrals.get(), actor=personas.dsl, now=NOW + dt.timedelta(days=20),
                               sending=services.Sending(sent_on=sent, lawful_basis="legal_obligation"))

    rows = {r.case.pk: r for r in selectors.cme_compliance_for_user(personas.dsl, today=dt.date(2026, 11, 13))}

    assert (rows[on_time.pk].on_time, rows[on_time.pk].days_late) == (True, 0)
    assert (rows[late.pk].on_time, rows[late.pk].days_late) == (False, 3)
    assert (rows[overdue.pk].on_time, rows[overdue.pk].days_late, rows[overdue.pk].sent_on) == (False, 4, None)
    assert rows[not_due.pk].on_time is None
    south_rows = selectors.cme_compliance_for_user(personas.deputy_dsl_south, today=dt.date(2026, 11, 13))
    assert [r.case.pk for r in south_rows] == [overdue.pk]


def test_the_notification_is_a_letter_with_the_address_the_carers_the_absence_and_the_dsl(client, term_dates,
                                                                                          north_pupil):
    """What an LA's CME officer needs first (issue 11 §7; reg 13(4)(b)-(d) [C]), in words: no
    field names, Python values or ISO dates."""
    from safewell.attendance.store import MarkInput, mark_write
    from safewell.pupils import services as pupil_services
    from safewell.pupils.models import Pupil

    personas = term_dates
    Pupil.objects.filter(pk=north_pupil.pk).update(home_address="12 Example Road\nNorthtown", postcode="ZX1 2AB")
    pupil_services.contact_add(pupil=north_pupil, name="Rhian Northway", relationship="mother", lives_with=True,
                               parental_responsibility=True, mobile_phone="07700 900111")
    pupil_services.contact_add(pupil=north_pupil, name="Dai Northway", relationship="father", lives_with=False,
                               parental_responsibility=True, home_phone="07700 900112",
                               address="3 Other Street\nSouthtown", postcode="zx12cd")
    mark_write(marks=[MarkInput(north_pupil.pk, dt.date(2026, 10, 16), "PM", "\\", None)]
               + [MarkInput(north_pupil.pk, day, session, "O", None)
                  for day in (dt.date(2026, 10, 19), dt.date(2026, 10, 20)) for session in ("AM", "PM")])
    alert = alert_of(north_pupil, rule="cme_ten_days", evidence={
        "first_day": "2026-10-19", "dates": ["2026-10-19", "2026-10-20"], "la_notification_due_on": "2026-11-09",
        "sessions_by_code": {"O": 4}})
    case = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)
    services.reasonable_enquiry_record(case=case, actor=personas.dsl, now=NOW, kind="home_visit",
                                       made_on=dt.date(2026, 11, 2), who="Two members of staff",
                                       outcome="No answer; the curtains were drawn.")
    client.force_login(personas.dsl)

    response = client.get(f"/safeguarding/referrals/{case.referrals.get().pk}/notification.pdf")

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Dear children missing education officer",
        "12 Example Road Northtown ZX1 2AB",
        "Rhian Northway", "Mother, has parental responsibility, lives with the child", "07700 900111 (mobile)",
        "Dai Northway", "3 Other Street Southtown ZX1 2CD", "07700 900112 (home)",
        "At school on Friday 16 October 2026, afternoon session",
        "Not known. Last known address: 12 Example Road, Northtown, ZX1 2AB.",
        "2: Monday 19 October to Tuesday 20 October 2026",
        "4 sessions of O (absent in other or unknown circumstances)",
        "Monday 2 November 2026", "No answer; the curtains were drawn.",
        f"Please contact {personas.dsl.get_full_name() or personas.dsl.username}",
        "Yours faithfully",
    ):
        assert expected in text, expected
    for raw in ("2026-10-19", "Sessions_by_code", "{'O'", "None", "True", "False", "cme_due_on", "+44"):
        assert raw not in text, raw
