from __future__ import annotations

import pytest

URL = "/api/attendance-codes"


@pytest.mark.parametrize(
    "persona", ["admin", "dsl", "deputy_dsl_south", "teacher", "attendance_officer", "external"]
)
def test_every_signed_in_persona_can_read_the_code_catalogue(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.json()["codes"]) == 37


def test_the_code_catalogue_needs_a_signed_in_user(client, db):
    assert client.get(URL).status_code == 401


def test_the_catalogue_gives_each_code_with_its_category_flag_and_source(client, personas):
    client.force_login(personas.teacher)
    body = client.get(URL).json()
    assert body["in_force_from"] == "2024-08-19"
    by_code = {row["code"]: row for row in body["codes"]}
    assert by_code["N"] == {
        "code": "N",
        "meaning": by_code["N"]["meaning"],
        "category": "unauthorised",
        "is_possible": True,
        "store_byte": 30,
        "in_force": True,
        "withdrawn_on": None,
        "replaced_by": [],
        "source": by_code["N"]["source"],
    }
    assert "5 school days" in by_code["N"]["meaning"]
    assert by_code["N"]["source"]["certainty"] == "S"
    assert by_code["N"]["source"]["checked_against_primary"] is False
    assert by_code["/"]["source"]["certainty"] == "C"
    assert by_code["D"]["is_possible"] is False


def test_the_catalogue_lists_withdrawn_codes_as_not_in_force_with_their_replacements(
    client, personas
):
    client.force_login(personas.external)
    by_code = {row["code"]: row for row in client.get(URL).json()["codes"]}
    assert by_code["J"]["in_force"] is False
    assert by_code["J"]["withdrawn_on"] == "2024-08-19"
    assert by_code["J"]["replaced_by"] == ["J1"]
    assert by_code["Y"]["replaced_by"] == ["Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"]
    assert by_code["H"]["replaced_by"] == []


def test_the_catalogue_is_in_the_openapi_document(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/attendance-codes" in paths
