"""The DSL inbox per persona: the deputy sees their site, the lead DSL every site, the
attendance officer only what is routed to them; teachers, administrators and external users
are refused. Opening an alert is an audited safeguarding read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from safewell.audit.models import AuditEvent
from safewell.policy import rule_ids
from safewell.policy.alerts import alerts_sync
from safewell.policy.models import Alert, AlertState
from tests.attendance_summaries.summaries_school import TERM_DATES_2025_26, WEEK_1, admit, write_marks
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope


@pytest.fixture
def alerts(personas, north_pupil, south_pupil) -> dict[str, Alert]:
    alerts_sync(candidates=[
        candidate(north_pupil),
        candidate(south_pupil, severity="urgent", rule=rule_ids.CME_TEN_DAYS, episode="2026-10-12"),
        candidate(north_pupil, rule=rule_ids.PENALTY_NOTICE_THRESHOLD, episode="2026-09-07", severity="medium"),
    ], scope=full_scope(personas), now=NOW)
    return {
        "north": Alert.objects.get(rule_id=rule_ids.CONTINUOUS_ABSENCE),
        "south": Alert.objects.get(rule_id=rule_ids.CME_TEN_DAYS),
        "penalty": Alert.objects.get(rule_id=rule_ids.PENALTY_NOTICE_THRESHOLD),
    }


def inbox_ids(client, user, **query) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("policy:inbox"), query)
    assert response.status_code == 200
    page = response.content.decode()
    return {alert.pk for alert in Alert.objects.all() if f'id="alert-{alert.pk}"' in page}


def test_the_lead_dsl_sees_the_dsl_alerts_of_every_site(client, personas, alerts):
    assert inbox_ids(client, personas.dsl) == {alerts["north"].pk, alerts["south"].pk}


def test_the_deputy_dsl_sees_only_their_site(client, personas, alerts):
    assert inbox_ids(client, personas.deputy_dsl_south) == {alerts["south"].pk}


def test_the_attendance_officer_sees_only_the_alerts_routed_to_them(client, personas, alerts):
    # The penalty threshold is routed to them, as a worklist (one line, not a row).
    client.force_login(personas.attendance_officer)
    page = client.get(reverse("policy:inbox")).content.decode()
    assert inbox_ids(client, personas.attendance_officer) == set()
    assert "Penalty notice threshold: 1 pupil" in page


@pytest.mark.parametrize("persona", ["teacher", "admin", "external"])
def test_people_without_an_alert_role_are_refused_the_inbox(client, personas, alerts, persona):
    client.force_login(personas.all_signed_in()[persona])

    assert client.get(reverse("policy:inbox")).status_code == 403
    assert client.get(reverse("policy:alert_detail", args=[alerts["north"].pk])).status_code == 403
    response = client.post(reverse("policy:alert_decide", args=[alerts["north"].pk]),
                           {"decision": "dismiss", "reason": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(("persona", "alert", "status"), [
    ("dsl", "north", 200), ("dsl", "south", 200), ("dsl", "penalty", 404),
    ("deputy_dsl_south", "south", 200), ("deputy_dsl_south", "north", 404), ("deputy_dsl_south", "penalty", 404),
    ("attendance_officer", "penalty", 200), ("attendance_officer", "north", 404),
])
def test_an_alert_opens_only_for_the_people_it_is_routed_to(client, personas, alerts, persona, alert, status):
    client.force_login(personas.all_signed_in()[persona])

    assert client.get(reverse("policy:alert_detail", args=[alerts[alert].pk])).status_code == status


@pytest.mark.parametrize(("persona", "alert", "status"), [
    ("dsl", "south", 302), ("deputy_dsl_south", "south", 302), ("deputy_dsl_south", "north", 404),
    ("attendance_officer", "penalty", 302), ("attendance_officer", "north", 404), ("dsl", "penalty", 404),
])
def test_only_the_people_an_alert_is_routed_to_can_act_on_it(client, personas, alerts, persona, alert, status):
    client.force_login(personas.all_signed_in()[persona])

    response = client.post(reverse("policy:alert_decide", args=[alerts[alert].pk]), {"decision": "acknowledge"})

    assert response.status_code == status
    alerts[alert].refresh_from_db()
    assert (alerts[alert].state == AlertState.ACKNOWLEDGED) == (status == 302)


def test_opening_an_alert_is_an_audited_read_and_listing_is_not(client, personas, alerts):
    client.force_login(personas.dsl)
    client.get(reverse("policy:inbox"))
    client.get(reverse("policy:alert_detail", args=[alerts["north"].pk]))

    reads = AuditEvent.objects.filter(action="read", target_type="policy.alert")
    assert list(reads.values_list("target_id", "actor_username")) == [(str(alerts["north"].pk), "dsl")]
    assert f"about pupil {alerts['north'].pupil_id}" in reads.get().detail


def test_the_inbox_filters_by_site_severity_and_state(client, personas, alerts):
    assert inbox_ids(client, personas.dsl, site="south") == {alerts["south"].pk}
    assert inbox_ids(client, personas.dsl, severity="urgent") == {alerts["south"].pk}
    assert inbox_ids(client, personas.dsl, state="dismissed") == set()
    # Unknown values are ignored, never a 500.
    assert inbox_ids(client, personas.dsl, severity="dire", state="?", age="x") == {alerts["north"].pk, alerts["south"].pk}


def test_the_inbox_filters_by_age(client, personas, alerts):
    Alert.objects.filter(pk=alerts["south"].pk).update(raised_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    Alert.objects.filter(pk=alerts["north"].pk).update(raised_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))

    assert inbox_ids(client, personas.dsl, age="7") == {alerts["south"].pk}


def test_overdue_alerts_are_highlighted_and_can_be_listed_alone(client, personas, alerts):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    Alert.objects.filter(pk=alerts["south"].pk).update(due_by=past)
    Alert.objects.filter(pk=alerts["north"].pk).update(due_by=dt.datetime.now(dt.UTC) + dt.timedelta(hours=5))
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:inbox")).content.decode()
    south_row = page.split(f'id="alert-{alerts["south"].pk}"')[1].split("</tr>")[0]
    north_row = page.split(f'id="alert-{alerts["north"].pk}"')[1].split("</tr>")[0]

    assert "Overdue" in south_row and "Overdue" not in north_row
    assert "1 not acknowledged in time" in page
    assert inbox_ids(client, personas.dsl, overdue="1") == {alerts["south"].pk}


def test_the_inbox_orders_by_site_then_severity(client, personas, north_pupil):
    alerts_sync(candidates=[
        candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="a", severity="low"),
        candidate(north_pupil, rule=rule_ids.PATTERN_SUBJECT, episode="b", severity="urgent"),
        candidate(north_pupil, rule=rule_ids.PATTERN_TEACHER, episode="c", severity="medium"),
    ], scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:inbox")).content.decode()
    positions = [page.index(f'id="alert-{Alert.objects.get(rule_id=r).pk}"')
                 for r in (rule_ids.PATTERN_SUBJECT, rule_ids.PATTERN_TEACHER, rule_ids.PATTERN_LATENESS)]
    assert positions == sorted(positions)


def test_the_detail_shows_the_explanation_rule_source_lessons_and_peers(client, personas, north_pupil):
    peer = admit(personas.north, "Linden")
    alerts_sync(candidates=[candidate(
        north_pupil, rule=rule_ids.PATTERN_PE_SWIMMING, episode="2026-27", peers=(peer.pk,),
        evidence={"lessons_missed": [{"date": "2026-10-06", "session": "AM", "class": "8X/PE", "subject": "PE", "period": "P3", "teacher": "Mx Example", "code": "N", "lesson": 17}], "lessons": 5,
                  "figures": {"PE lessons missed": "4 of 5"}},
        explanation="Missed 4 of the last 5 PE lessons while attending others.",
    )], scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:alert_detail", args=[Alert.objects.get().pk])).content.decode()

    assert "Missed 4 of the last 5 PE lessons while attending others." in page
    assert "PE or swimming lessons missed" in page  # the rule's meaning
    assert "design.md main flows" in page  # the source
    assert "8X/PE" in page and "Mx Example" in page and "4 of 5" in page
    assert "Linden" in page


def test_the_detail_puts_the_flagged_sessions_on_the_pupils_calendar(client, personas):
    from safewell.schools.services import term_dates_import_csv

    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    pupil = admit(personas.north, "Hazel")
    write_marks(pupil, [".", ".", "N", "N", "O", "O", ".", ".", ".", "."], WEEK_1)
    alerts_sync(candidates=[candidate(pupil, evidence={"sessions": [
        {"date": "2025-09-09", "session": "AM", "code": "N"}, {"date": "2025-09-09", "session": "PM", "code": "N"},
        {"date": "2025-09-10", "session": "AM", "code": "O"}, {"date": "2025-09-10", "session": "PM", "code": "O"},
    ]})], scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:alert_detail", args=[Alert.objects.get().pk])).content.decode()

    svg = page.split('id="heatmap">')[1].split("</svg>")[0]
    assert svg.count("(flagged by the alert)") == 4
    assert "Tue 9 Sep 2025, morning: N" in svg
    flagged_titles = [t for t in svg.split("<title>") if "flagged by the alert" in t]
    assert all(("9 Sep 2025" in t or "10 Sep 2025" in t) for t in flagged_titles)
    assert "style=" not in svg and "<style" not in page
    table = page.split('id="flagged-sessions"')[1].split("</table>")[0]
    assert "Tuesday 9 September 2025" in table and "Wednesday 10 September 2025" in table
    assert "N (reason for absence not yet established)" in table


def test_sessions_the_evidence_names_by_date_only_show_the_registers_codes(client, personas):
    """A run's evidence lists its dates, not its codes: the table shows the codes the
    calendar above it shows, never a dash (issue 11 §6)."""
    from safewell.schools.services import term_dates_import_csv

    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    pupil = admit(personas.north, "Hazel")
    write_marks(pupil, [".", ".", "O", "O", "O", "O", ".", ".", ".", "."], WEEK_1)
    alerts_sync(candidates=[candidate(pupil, evidence={"dates": ["2025-09-09", "2025-09-10"], "overdue": False,
                                                       "sessions_by_code": {"O": 4},
                                                       "returned_at": "2025-09-10T01:40:00+00:00"})],
                scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:alert_detail", args=[Alert.objects.get().pk])).content.decode()

    table = page.split('id="flagged-sessions"')[1].split("</table>")[0]
    assert table.count("O (absent in other or unknown circumstances)") == 4
    assert "–" not in table
    assert "4 sessions of O (absent in other or unknown circumstances)" in page
    assert "Wednesday 10 September 2025 at 02:40" in page
    for raw in ("2025-09-10T01:40", "False", "sessions_by_code", "Sessions_by_code"):
        assert raw not in page


def test_the_detail_lists_who_outside_the_school_to_tell(client, personas, north_pupil):
    from safewell.pupils.models import ProfessionalContact

    ProfessionalContact.objects.create(
        pupil=north_pupil, role="social_worker", name="Sam Example", organisation="Suffolk CSC",
        phone="+447700900456", email="sam.example@example.org", starts_on=dt.date(2026, 1, 1),
    )
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE, episode="2026-11-02")],
                scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:alert_detail", args=[Alert.objects.get().pk])).content.decode()

    table = page.split('id="to-tell"')[1].split("</table>")[0]
    assert "Social worker" in table and "Sam Example" in table and "07700 900456" in table


def test_a_group_alert_shows_its_members_and_whose_lessons_were_missed(client, personas):
    from tests.pupils.pupil_factory import make_pupil

    members = [make_pupil(personas.north, forename=name, surname="Groupson") for name in ("Alder", "Birch", "Cherry")]
    lessons = [{"date": "2026-10-13", "session": "PM", "period": "P5", "subject": "Science", "class": "9Y/Sc",
                "teacher": "Mx Example", "lesson": 9, "code": "N", "pupil": m.pk} for m in members]
    alerts_sync(candidates=[candidate(
        None, site=personas.north, rule=rule_ids.PATTERN_CO_ABSENCE_GROUP, episode="group:1-2-3",
        peers=tuple(m.pk for m in members),
        evidence={"rule": rule_ids.PATTERN_CO_ABSENCE_GROUP, "members": [m.pk for m in members],
                  "lessons_missed_together": 3, "lessons_missed": lessons,
                  "pairs": {f"{members[0].pk}-{members[1].pk}": 3}},
        explanation="3 pupils missed the same lessons together 3 times in the last 6 school weeks.",
    )], scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:alert_detail", args=[Alert.objects.get().pk])).content.decode()

    peers = page.split('id="peers"')[1].split("</ul>")[0]
    assert all(f"{name} Groupson" in peers for name in ("Alder", "Birch", "Cherry"))
    table = page.split('id="lessons"')[1].split("</table>")[0]
    assert table.count("9Y/Sc") == 3 and "Birch Groupson" in table
    assert "Lessons missed together" in page
    assert "Alder Groupson and Birch Groupson: 3 together" in page
    assert 'id="heatmap"' not in page  # a group has no one calendar
