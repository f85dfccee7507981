"""The pupil attendance page through the test client: the figures with their period, the
heat-map (one titled cell per session, letters, no inline style), its tables, and who may
open it. The 2025/26 year is over on the machine's "today", so the page shows it whole."""

from __future__ import annotations

import re

import pytest

from tests.attendance_summaries.summaries_school import PRESENT as P, WEEK_1, WEEK_2, admit, write_marks
from tests.pupils.pupil_factory import make_pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(school):
    pupil = admit(school.north, "Ada", surname="Northcott")
    write_marks(pupil, [P] * 8 + ["I", "U"], WEEK_1)
    write_marks(pupil, [P] * 9 + ["D"], WEEK_2)
    return pupil


def page_of(client, user, pupil, **query) -> str:
    client.force_login(user)
    response = client.get(f"/attendance/pupils/{pupil.pk}/", query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_figures_show_the_period_beside_persistent_absence(client, school, ada):
    html = page_of(client, school.teacher, ada)

    # 19 possible sessions (D is not one), 2 absent: 10.5%, persistent; 17 present.
    assert "Figures for 2025/26, 1 August 2025 to 31 July 2026" in html
    assert re.search(r"Persistent absence \(10% or more\), 2025/26, 1 August 2025 to 31 July 2026</dt>\s*"
                     r'<dd[^>]*>\s*<strong class="govuk-tag govuk-tag--orange">Yes, persistent absence', html)
    assert re.search(r"Severe absence \(50% or more\), 2025/26, 1 August 2025 to 31 July 2026</dt>\s*<dd[^>]*>No<", html)
    assert re.search(r"Possible sessions</th>\s*<td[^>]*>19</td>", html)
    assert re.search(r"Overall absence</th>\s*<td[^>]*>2</td>\s*<td[^>]*>10.5%</td>", html)
    assert re.search(r"Attendance \(present, late or approved educational activity\)</th>\s*<td[^>]*>17</td>\s*<td[^>]*>89.5%", html)


def test_totals_by_code_and_by_category(client, school, ada):
    html = page_of(client, school.teacher, ada)

    assert re.search(r'<th scope="row" class="govuk-table__header">D</th>\s*<td[^>]*>Dual registered[^<]*<span[^>]*>'
                     r"Not a possible session</span></td>\s*<td[^>]*>1</td>", html)
    assert re.search(r"Unauthorised absence</th>\s*<td[^>]*>1</td>", html)
    assert re.search(r"Present \(including late, L\)</th>\s*<td[^>]*>17</td>", html)


def test_the_heat_map_is_an_inline_svg_with_a_titled_cell_per_session_and_no_inline_style(client, school, ada):
    html = page_of(client, school.teacher, ada)
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", html, re.S).group(0)

    assert 'aria-labelledby="heatmap-title heatmap-desc"' in svg
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "<title>Fri 12 Sep 2025, morning: I, Illness (not a medical or dental appointment); authorised absence</title>" in svg
    assert "<title>Fri 19 Sep 2025, afternoon: D, Dual registered" in svg
    assert "<title>Sat 13 Sep 2025: weekend</title>" in svg
    assert "<title>Wed 3 Sep 2025: school closed (Staff training)</title>" in svg
    assert "<title>Thu 25 Dec 2025: bank holiday, Christmas Day</title>" in svg
    assert "<title>Mon 27 Oct 2025: holiday</title>" in svg
    assert "<title>Mon 22 Sep 2025, morning: no mark yet</title>" in svg
    # One titled half per session marked: 20 in the two weeks.
    assert len(re.findall(r"<title>[^<]*(?:morning|afternoon): [A-Z0-9/\\#]{1,2}, [^<]*</title>", svg)) == 20
    assert '>I</text>' in svg and '>U</text>' in svg


def test_the_month_table_holds_the_same_data(client, school, ada):
    html = page_of(client, school.teacher, ada)
    row = re.search(r"September 2025</th>(.*?)</tr>", html, re.S).group(1)

    # On roll from 1 Sep: Thu 4 to Tue 30 Sep has 19 school days (38 sessions); 20 marked,
    # 18 with no mark yet. Possible 19, attended 17, authorised 1, unauthorised 1,
    # attendance 89.5%, not possible 1.
    assert re.findall(r">([^<]+)</td>", row) == ["19", "17", "1", "1", "89.5%", "1", "18"]


def test_the_week_table_lists_each_session(client, school, ada):
    html = page_of(client, school.teacher, ada)
    row = re.search(r"8 Sep 2025</th>(.*?)</tr>", html, re.S).group(1)

    cells = [re.sub(r"<[^>]+>", "", cell).split() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[0] == ["morning", "/", "|", "afternoon", "\\"]
    assert cells[4] == ["morning", "I", "|", "afternoon", "U"]


def test_the_lesson_section_is_left_out_while_there_are_no_lesson_marks(client, school, ada):
    html = page_of(client, school.teacher, ada)

    assert 'id="lessons"' not in html


def test_the_pupil_page_links_to_the_attendance_page(client, school, ada):
    client.force_login(school.teacher)

    html = client.get(f"/pupils/{ada.pk}/").content.decode()

    assert f'href="/attendance/pupils/{ada.pk}/"' in html


def test_a_pupil_at_another_site_is_not_found(client, school, ada):
    client.force_login(school.deputy_dsl_south)

    assert client.get(f"/attendance/pupils/{ada.pk}/").status_code == 404


def test_an_unknown_academic_year_is_not_found(client, school, ada):
    client.force_login(school.teacher)

    assert client.get(f"/attendance/pupils/{ada.pk}/", {"year": "1999/00"}).status_code == 404


def test_without_term_dates_the_page_says_there_is_no_year_to_show(client, personas):
    pupil = make_pupil(personas.north)

    html = page_of(client, personas.teacher, pupil)

    assert "There are no term dates for Testbridge Academy yet" in html
    assert 'id="heatmap"' not in html
