"""The risk assessment's questions and factors, as the seed policies word them.

Seed 004 ("Children Absent/Missing from Education") lists what the DSL and staff consider
when a child is absent, in three groups: "The DSL and staff considerations", "Single missing
days" and "Continuous missing days"; its push and pull factors ("Children Missing from Home
or Care"); and the "other factors that can impact attendance". The wording below is the
seed's, lightly shortened; the keys are ours and are stored with each answer, so a
reworded question never changes what an old assessment meant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    text: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]


SECTIONS: tuple[Section, ...] = (
    Section("considerations", "The DSL and staff considerations", (
        Question("lesson_patterns", "Are there patterns in the lessons that are being missed?"),
        Question("more_than_avoidance", "Is this more than avoidance of a subject or a teacher?"),
        Question("on_site", "Does the child remain on the school site, or are they absent from the site?"),
        Question("exploited_during_absence", "Is the child being exploited during this time?"),
        Question("caring_responsibility", "Are they late because of a caring responsibility?"),
        Question("substance_misuse", "Have they been directly or indirectly affected by substance misuse?"),
        Question("peers_missing_same_lessons",
                 "Are other pupils routinely missing the same lessons, and does this raise other risks "
                 "(sexual violence or harm between children, exploitation, gang behaviour, substance misuse)?"),
        Question("injuries_visible", "Is the lesson being missed one that would cause bruising or injuries to become visible?"),
    )),
    Section("single_days", "Single missing days", (
        Question("day_pattern", "Is there a pattern in the day missed?"),
        Question("around_weekend", "Is it before or after the weekend, suggesting the child is away from the area?"),
        Question("specific_lessons_or_staff", "Are there specific lessons or members of staff on these days?"),
        Question("parent_informs", "Is the parent or carer telling the school of the absence on the day (under 18)?"),
        Question("parent_confirms", "Are missing days reported back to the parent or carer to confirm they know (under 18)?"),
        Question("sexually_exploited", "Is the child being sexually exploited during this day?"),
        Question("avoiding_abuse", "Is the child avoiding abusive behaviour from peers or staff on this day?"),
        Question("parent_condoning", "Do the parents or carers appear to know, and are they condoning it?"),
        Question("peers_comments", "Are peers making comments or suggestions about where the child is?"),
        Question("can_be_contacted", "Can the parent or the pupil be contacted and made aware (under 18)?"),
    )),
    Section("continuous_days", "Continuous missing days", (
        Question("parent_contacted", "Has the school been able to contact the parent or carer (under 18)?"),
        Question("medical_evidence", "Is medical evidence being provided?"),
        Question("siblings_attending", "Are siblings attending school (ours or local schools)?"),
        Question("harm_concerns",
                 "Did we have any concerns about radicalisation, FGM, forced marriage, honour-based violence "
                 "or sexual exploitation?"),
        Question("abuse_concerns", "Have we had any concerns about physical or sexual abuse?"),
        Question("parent_medical_needs", "Does the parent have any known medical needs? Is the child safe?"),
    )),
)

QUESTION_KEYS: frozenset[str] = frozenset(q.key for s in SECTIONS for q in s.questions)

# How a question is answered.
ANSWERS: tuple[tuple[str, str], ...] = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))

# seed 004 "Push factors include": reasons a child is pushed away from school.
PUSH_FACTORS: tuple[tuple[str, str], ...] = (
    ("poor_relationships", "Poor relationships with staff or peers"),
    ("feeling_unsafe", "Feeling unsafe"),
    ("bullying", "Bullying"),
    ("unsupported_additional_needs", "Lack of support for additional needs"),
    ("unsupported_mental_health", "Unidentified or unsupported mental health needs"),
    ("violence_on_site", "Exposure to violence or abuse on site"),
    ("online_harassment", "Online harassment or harmful content during school hours"),
)

# seed 004 "Pull factors include": reasons a child is pulled away.
PULL_FACTORS: tuple[tuple[str, str], ...] = (
    ("grooming", "Grooming"),
    ("exploitation", "Exploitation"),
    ("gang_involvement", "Gang involvement"),
    ("substance_misuse", "Substance misuse"),
    ("online_coercion", "Online coercion or radicalisation"),
    ("incentives", "Incentives offered by exploiters (money, status, digital rewards such as gaming credits)"),
    ("encrypted_messaging", "Manipulation via encrypted messaging or anonymous social media accounts"),
)

# seed 004 "Other factors that can impact attendance", with the pupil characteristic that
# pre-ticks each (pupils.models.CharacteristicKind), where there is one.
CONTEXTUAL_FACTORS: tuple[tuple[str, str], ...] = (
    ("youth_justice", "Involvement in the youth justice system"),
    ("newly_arrived", "A newly migrant background"),
    ("service_family", "Parents who are service personnel"),
    ("gypsy_roma_traveller", "A Gypsy, Roma or Travelling background"),
    ("neurodiversity", "Neurodiverse conditions (sensory processing, anxiety, lack of support)"),
    ("young_carer", "A young carer, with responsibilities that grow or are hidden"),
)
CHARACTERISTIC_OF_FACTOR: dict[str, str] = {
    "youth_justice": "youth_justice",
    "newly_arrived": "newly_arrived",
    "service_family": "service_child",
    "gypsy_roma_traveller": "gypsy_roma_traveller",
    "young_carer": "young_carer",
}


def labels(choices: tuple[tuple[str, str], ...], keys: list[str]) -> list[str]:
    """The labels of the chosen keys, in the seed's order."""
    chosen = set(keys)
    return [label for key, label in choices if key in chosen]


def answered(answers: dict[str, dict]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """An assessment's answers by section, with the questions' words: (section title,
    [(question, answer, notes)]), leaving out the questions not answered."""
    words = dict(ANSWERS)
    return [
        (section.title, [(q.text, words.get(answers[q.key].get("answer", ""), "Not answered"), answers[q.key].get("notes", ""))
                         for q in section.questions if q.key in answers])
        for section in SECTIONS
    ]
