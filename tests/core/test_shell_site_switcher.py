"""The site switcher: the current site lives in the session, and only the user's own sites."""

from __future__ import annotations

from safewell.accounts.models import Membership, Role
from safewell.config.views import SITE_NOT_YOURS


def _give_teacher_south(personas) -> None:
    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.TEACHER)


def test_the_switcher_lists_only_the_users_own_sites(client, personas):
    _give_teacher_south(personas)
    client.force_login(personas.teacher)
    response = client.get("/")
    assert response.context["user_sites"] == [personas.north, personas.south]
    assert b'<select class="govuk-select safewell-site-switcher__select"' in response.content
    assert f'<option value="{personas.south.pk}"'.encode() in response.content


def test_someone_with_one_site_sees_its_name_and_no_switcher(client, personas):
    client.force_login(personas.dsl)
    response = client.get("/")
    assert response.context["current_site"] == personas.north
    assert b"safewell-site-switcher__select" not in response.content
    assert b"North site" in response.content


def test_switching_to_one_of_your_sites_keeps_it_in_the_session(client, personas):
    _give_teacher_south(personas)
    client.force_login(personas.teacher)
    response = client.post("/site/switch/", {"site_id": personas.south.pk})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["site_id"] == personas.south.pk
    home = client.get("/")
    assert home.context["current_site"] == personas.south
    assert b"You are now working at South site." in home.content


def test_it_refuses_a_site_the_user_is_not_a_member_of(client, personas):
    client.force_login(personas.teacher)
    response = client.post("/site/switch/", {"site_id": personas.south.pk})
    assert response.status_code == 403
    assert SITE_NOT_YOURS.encode() in response.content
    assert "site_id" not in client.session
    assert client.get("/").context["current_site"] == personas.north


def test_it_refuses_a_site_id_that_is_not_a_number(client, personas):
    client.force_login(personas.teacher)
    assert client.post("/site/switch/", {"site_id": "north"}).status_code == 403
    assert client.post("/site/switch/", {}).status_code == 403


def test_switching_needs_a_post(client, personas):
    client.force_login(personas.teacher)
    assert client.get("/site/switch/", {"site_id": personas.north.pk}).status_code == 405


def test_switching_needs_a_signed_in_user(client, personas):
    response = client.post("/site/switch/", {"site_id": personas.north.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_site_removed_from_the_user_stops_being_current(client, personas):
    _give_teacher_south(personas)
    client.force_login(personas.teacher)
    client.post("/site/switch/", {"site_id": personas.south.pk})
    Membership.objects.filter(user=personas.teacher, site=personas.south).delete()
    assert client.get("/").context["current_site"] == personas.north


def test_the_switcher_form_carries_a_csrf_token(client, personas):
    _give_teacher_south(personas)
    client.force_login(personas.teacher)
    response = client.get("/")
    switcher = response.content.split(b'action="/site/switch/"', 1)[1].split(b"</form>", 1)[0]
    assert b'name="csrfmiddlewaretoken"' in switcher
