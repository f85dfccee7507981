"""The missing-person profile (Philomena part 1) is kept in advance, versioned; one click
makes the police pack with part 1, part 2 and the photograph."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from safewell.safeguarding import services
from safewell.safeguarding.documents import PHOTO_NOT_AN_IMAGE
from safewell.safeguarding.models import Document, MissingPersonProfile
from tests.safeguarding.casework_factory import NOW, missing_case
from tests.safeguarding.uploads import JPEG, PDF

DETAILS = services.ProfileDetails(
    physical_description="About 160 cm, slim, short dark hair, scar through the left eyebrow.",
    next_review_on=dt.date(2027, 2, 1), friends_and_associates="Two older boys from the estate (names known to police)",
    places_frequented="The bus station; the skate park on Mill Lane", medical_information="Asthma: blue inhaler",
)


def test_each_save_is_a_new_version_and_keeps_the_photo(personas, north_pupil):
    first = services.missing_person_profile_save(pupil=north_pupil, actor=personas.dsl, now=NOW, details=DETAILS, photo=JPEG)
    second = services.missing_person_profile_save(pupil=north_pupil, actor=personas.dsl, now=NOW, details=DETAILS)
    assert (first.version, second.version) == (1, 2)
    assert second.photo == first.photo and first.photo.content_type == "image/jpeg"
    assert MissingPersonProfile.objects.count() == 2


def test_the_profiles_photo_must_be_an_image_by_its_content(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        services.missing_person_profile_save(pupil=north_pupil, actor=personas.dsl, now=NOW, details=DETAILS, photo=PDF)
    assert refused.value.message_dict == {"photo": [PHOTO_NOT_AN_IMAGE]}
    assert not Document.objects.exists()


def test_the_police_pack_has_both_parts_the_photo_and_earlier_episodes(client, personas, north_pupil):
    services.missing_person_profile_save(pupil=north_pupil, actor=personas.dsl, now=NOW, details=DETAILS, photo=JPEG)
    earlier = missing_case(personas, north_pupil, returned_at=NOW - dt.timedelta(hours=30))
    sighting = services.Sighting(missing_from="care_placement", last_seen_at=NOW - dt.timedelta(hours=2),
                                 last_seen_place="Bus station, stand 4", clothing="Red puffer jacket, grey joggers")
    episode = services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting,
                                              case=earlier.case, police=services.PoliceReport(reference="CC-26-1102-9",
                                                                                               risk_grade="high"))
    client.force_login(personas.dsl)

    response = client.get(f"/safeguarding/missing/{episode.pk}/police-pack.pdf")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in ("Missing person information: Nia Northway", "Red puffer jacket, grey joggers",
                     "Bus station, stand 4", "scar through the left eyebrow", "Asthma: blue inhaler",
                     "Police reference CC-26-1102-9", "High (the police's)", "Previous missing episodes (1)"):
        assert expected in text, expected
    photos = {image.name: image.image.size for page in reader.pages for image in page.images}
    assert list(photos.values()) == [(40, 30)], "the photograph (40 x 30 pixels) is in the pack, once"
    # Identity, description and photo first, as on the Philomena form; this episode after.
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert first_page.index("Who the child is") < first_page.index("scar through the left eyebrow") \
        < first_page.index("This time: when and where last seen")
    assert [image.name for image in reader.pages[0].images], "the photograph is on page 1"


def test_the_pack_is_refused_to_the_other_sites_deputy(client, personas, north_pupil):
    episode = missing_case(personas, north_pupil)
    client.force_login(personas.deputy_dsl_south)
    assert client.get(f"/safeguarding/missing/{episode.pk}/police-pack.pdf").status_code == 404
