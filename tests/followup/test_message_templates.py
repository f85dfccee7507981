"""The school edits the wording of its messages (issue 6 §5); placeholders are checked."""

from __future__ import annotations

from django.urls import reverse

from safewell.followup import templates
from safewell.followup.models import MessageTemplate


def test_an_administrator_saves_the_schools_own_wording(client, school):
    client.force_login(school.personas.admin)
    response = client.post(reverse("followup:templates"), {
        "kind": "first_day_sms", "subject": "", "body": "{school}: {forename} is not in today. Please call.",
    })
    assert response.status_code == 302
    assert MessageTemplate.objects.get().body == "{school}: {forename} is not in today. Please call."


def test_an_unknown_placeholder_is_refused_and_named(client, school):
    client.force_login(school.personas.attendance_officer)
    response = client.post(reverse("followup:templates"), {"kind": "first_day_sms", "body": "{forename} {surname}"})
    assert response.status_code == 400
    assert "{surname} is not a placeholder here" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_problems_are_found_by_field():
    problems = templates.template_problems(kind="first_day_email", subject="", body="Hello {forename")
    assert problems["subject"] == [templates.SUBJECT_REQUIRED]
    assert problems["body"][0].startswith("Check the curly brackets")
    long_text = templates.template_problems(kind="first_day_sms", subject="", body="x" * 500)
    assert long_text["body"] == [templates.SMS_TOO_LONG.format(limit=459, length=500)]


def test_teachers_may_not_edit_the_templates(client, school):
    client.force_login(school.personas.teacher)
    assert client.get(reverse("followup:templates")).status_code == 403
