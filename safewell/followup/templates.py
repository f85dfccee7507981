"""The wording of first-day messages and agency notices: Safewell's defaults, a school's own
(MessageTemplate), the placeholders each may use, and filling them in.

Parents complain most about blunt, context-blind messages (issue 6 §5), so the defaults are
plain and kind, and under-5s and pupils with a recorded medical reason get gentler ones.
A first-day message says no more than the family already knows (their child is not in
school); an agency notice says who, when and that the reason is not yet known, nothing of
the child's safeguarding record.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from safewell.followup.models import MessageTemplate, TemplateKind

# What each kind may say. Family messages name only the child's forename.
FAMILY_PLACEHOLDERS = frozenset({"forename", "school", "date"})
AGENCY_PLACEHOLDERS = frozenset({"pupil_name", "date_of_birth", "school", "date", "sessions", "why_you"})
PLACEHOLDERS = {
    TemplateKind.FIRST_DAY_SMS: FAMILY_PLACEHOLDERS,
    TemplateKind.FIRST_DAY_EMAIL: FAMILY_PLACEHOLDERS,
    TemplateKind.GENTLE_SMS: FAMILY_PLACEHOLDERS,
    TemplateKind.GENTLE_EMAIL: FAMILY_PLACEHOLDERS,
    TemplateKind.STUDENT_SMS: FAMILY_PLACEHOLDERS,
    TemplateKind.STUDENT_EMAIL: FAMILY_PLACEHOLDERS,
    TemplateKind.AGENCY_EMAIL: AGENCY_PLACEHOLDERS,
}
SMS_KINDS = frozenset({TemplateKind.FIRST_DAY_SMS, TemplateKind.GENTLE_SMS, TemplateKind.STUDENT_SMS})
# Three SMS segments: longer texts cost more and arrive in pieces on older phones.
MAX_SMS_LENGTH = 459

UNKNOWN_PLACEHOLDER = "{{{name}}} is not a placeholder here: use {allowed}."
BROKEN_BRACES = "Check the curly brackets: {problem}. Write a placeholder as {{forename}}."
SMS_TOO_LONG = "A text message is at most {limit} characters; this one is {length} before the placeholders are filled in."
SUBJECT_REQUIRED = "An email needs a subject."
BODY_REQUIRED = "Write the message."


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


DEFAULTS: dict[str, Wording] = {
    TemplateKind.FIRST_DAY_SMS: Wording("", (
        "{school}: {forename} is not in school today ({date}) and we have not heard why. "
        "Please reply to this message or call the school to tell us. Thank you."
    )),
    TemplateKind.FIRST_DAY_EMAIL: Wording("{forename} is not in school today", (
        "Dear parent or carer,\n\n"
        "{forename} is not in school today, {date}, and we have not heard why.\n\n"
        "Please reply to this email or call the school to tell us the reason, so that we know "
        "{forename} is safe.\n\n"
        "Thank you,\n{school}"
    )),
    TemplateKind.GENTLE_SMS: Wording("", (
        "{school}: we hope {forename} is all right. We have not seen them in school today ({date}). "
        "When you can, please reply or call to let us know how they are. Thank you."
    )),
    TemplateKind.GENTLE_EMAIL: Wording("Checking in about {forename}", (
        "Dear parent or carer,\n\n"
        "We hope {forename} is all right. We have not seen them in school today, {date}.\n\n"
        "When you have a moment, please reply to this email or call the school to let us know how "
        "they are. There is no need to send a long explanation.\n\n"
        "Kind regards,\n{school}"
    )),
    # To the student themselves (18 or over): "you", never "your child" (issue 11 §3).
    TemplateKind.STUDENT_SMS: Wording("", (
        "{school}: {forename}, you are not in school today ({date}) and we have not heard from you. "
        "Please reply to this message or call the school to let us know you are all right. Thank you."
    )),
    TemplateKind.STUDENT_EMAIL: Wording("{forename}, you are not in school today", (
        "Dear {forename},\n\n"
        "You are not in school today, {date}, and we have not heard from you.\n\n"
        "Please reply to this email or call the school to let us know you are all right and when "
        "we will see you.\n\n"
        "Thank you,\n{school}"
    )),
    TemplateKind.AGENCY_EMAIL: Wording("Absence notice: {pupil_name}, {date}", (
        "{pupil_name} (date of birth {date_of_birth}) is absent from {school} on {date} ({sessions}) "
        "and no reason has been given yet.\n\n"
        "The school is contacting the family today and will tell you what it learns.\n\n"
        "You are told because {why_you}.\n\n"
        "{school}"
    )),
}


def placeholders_in(text: str) -> set[str]:
    """The placeholder names in `text`; ValueError when its braces do not parse."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def template_problems(*, kind: str, subject: str, body: str) -> dict[str, list[str]]:
    """Every problem with a school's wording, by field (empty when it is fine)."""
    problems: dict[str, list[str]] = {}
    allowed = PLACEHOLDERS[kind]
    texts = {"body": body} if kind in SMS_KINDS else {"subject": subject, "body": body}
    if not body.strip():
        problems.setdefault("body", []).append(BODY_REQUIRED)
    if kind not in SMS_KINDS and not subject.strip():
        problems.setdefault("subject", []).append(SUBJECT_REQUIRED)
    for field, text in texts.items():
        try:
            names = placeholders_in(text)
        except ValueError as error:
            problems.setdefault(field, []).append(BROKEN_BRACES.format(problem=error))
            continue
        for name in sorted(names - allowed):
            shown = ", ".join("{" + n + "}" for n in sorted(allowed))
            problems.setdefault(field, []).append(UNKNOWN_PLACEHOLDER.format(name=name or "", allowed=shown))
    if kind in SMS_KINDS and len(body) > MAX_SMS_LENGTH:
        problems.setdefault("body", []).append(SMS_TOO_LONG.format(limit=MAX_SMS_LENGTH, length=len(body)))
    return problems


def wording_for(organisation_id: int, kind: str) -> Wording:
    """The organisation's own wording of `kind`, or Safewell's default."""
    own = MessageTemplate.objects.filter(organisation_id=organisation_id, kind=kind).values_list("subject", "body").first()
    return Wording(*own) if own else DEFAULTS[kind]


def filled(wording: Wording, values: dict[str, str]) -> Wording:
    return Wording(wording.subject.format(**values), wording.body.format(**values))
