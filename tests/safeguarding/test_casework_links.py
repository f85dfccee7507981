"""Where case work is reached from: the navigation by role, the pupil page, the alert page."""

from __future__ import annotations

from safewell.config.navigation import nav_links_for


def labels(roles: set[str]) -> set[str]:
    return {link.label for link in nav_links_for(roles, current_path="/")}


def test_the_dsl_team_has_safeguarding_and_all_staff_can_raise_a_concern():
    assert {"Safeguarding", "Raise a concern"} <= labels({"dsl"}) and "Safeguarding" in labels({"deputy_dsl"})
    for role in ("teacher", "attendance_officer", "pastoral", "admin"):
        assert "Raise a concern" in labels({role}) and "Safeguarding" not in labels({role})
    assert not {"Safeguarding", "Raise a concern"} & labels({"external"})


def test_the_pupil_page_links_the_dsl_to_the_record_and_staff_to_a_concern(client, personas, north_pupil):
    record = f'href="/safeguarding/pupils/{north_pupil.pk}/"'
    concern = f'href="/safeguarding/concerns/new/?pupil={north_pupil.pk}"'
    client.force_login(personas.dsl)
    page = client.get(f"/pupils/{north_pupil.pk}/").content.decode()
    assert record in page and concern in page
    client.force_login(personas.teacher)
    page = client.get(f"/pupils/{north_pupil.pk}/").content.decode()
    assert record not in page and concern in page
    client.force_login(personas.external)
    page = client.get(f"/pupils/{north_pupil.pk}/").content.decode()
    assert record not in page and concern not in page
