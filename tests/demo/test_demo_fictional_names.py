"""The demo's people and places are invented: none is a name in the seed policies."""

from __future__ import annotations

import re
from pathlib import Path

from safewell.demo.demo_data.plan import demo_plan
from safewell.pupils.models import Contact, ProfessionalContact, Pupil
from safewell.schools.models import Organisation, PlacingSchool, Site

SEEDS = Path("/work/shared/seeds")
# The seed files as the tests found them; when they are not on this machine, the names
# they were known to contain (the settings and their sites; the people are "[name withheld]").
KNOWN_SEED_NAMES = {"Phoenix Progress", "Cambian Wisbech School", "Anglia Way", "Sessions House"}


def seed_text() -> str:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    return "\n".join(f.read_text(errors="replace") for f in files) + "\n" + "\n".join(KNOWN_SEED_NAMES)


def capitalised_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b", text)}


def demo_people() -> set[str]:
    names = {p.name for p in demo_plan().staff} | {s.name for s in demo_plan().stories}
    names |= {f"{p.legal_forename} {p.legal_surname}" for p in Pupil.objects.all()}
    names |= set(Contact.objects.exclude(relationship="residential_key_worker").values_list("name", flat=True))
    names |= set(ProfessionalContact.objects.filter(role="social_worker").values_list("name", flat=True))
    return names


def test_no_demo_person_has_a_name_that_appears_in_the_seeds(db, demo):
    text = seed_text().lower()
    words = capitalised_words(seed_text())
    people = demo_people()
    assert len(people) > 300
    for name in people:
        assert name.lower() not in text, name
        assert name.split()[-1].lower() not in words, f"{name}: the surname appears in a seed"


def test_no_demo_setting_site_or_placing_school_is_named_after_the_seeds(db, demo):
    text = seed_text().lower()
    places = set(Organisation.objects.values_list("name", flat=True)) | set(Site.objects.values_list("name", flat=True))
    places |= set(PlacingSchool.objects.values_list("name", flat=True))
    for place in places:
        assert place.lower() not in text, place
    for seed_name in KNOWN_SEED_NAMES:
        assert not any(seed_name.lower() in place.lower() for place in places)


def test_demo_phones_are_drama_numbers_and_emails_are_example_org(db, demo):
    phones = set(Contact.objects.values_list("mobile_phone", flat=True)) | set(
        ProfessionalContact.objects.values_list("phone", flat=True)
    )
    assert phones and all(re.fullmatch(r"\+447700900\d{3}", p) for p in phones if p)
    emails = set(Contact.objects.exclude(email="").values_list("email", flat=True))
    assert emails and all(e.endswith("@example.org") for e in emails)
