"""The pages' forms: they parse what was typed (dates, choices, numbers) and render GOV.UK
fields. The rules of the domain are the services' (services.py): a service's
ValidationError({field: message}) is shown against the form field of the same name
(`show_errors`), so a rule is written once."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from safewell.safeguarding import questions
from safewell.safeguarding.models import (
    CaseKind,
    CaseOutcome,
    CaseStatus,
    CheckedBy,
    CheckOutcome,
    ConcernCategory,
    ConcernTriage,
    DocumentKind,
    EnquiryKind,
    EntryKind,
    ExportFormat,
    InterviewStatus,
    Judgement,
    LawfulBasis,
    MissingFrom,
    PoliceRiskGrade,
    ReferralKind,
    ReferralOutcome,
    ReturnHow,
    TaskDoneWhen,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
TEXT = forms.Textarea(attrs={"rows": 4})


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE, help_text=help_text)


def _moment(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, input_formats=[DATETIME_FORMAT],
                               help_text=help_text)


def _text(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=TEXT, help_text=help_text, strip=True)


def _choices(choices, *, blank: str | None = None) -> list[tuple[str, str]]:
    return ([("", blank)] if blank is not None else []) + list(choices)


def _checkboxes(label: str, choices, *, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False, help_text=help_text,
                                     widget=forms.CheckboxSelectMultiple)


def _radios(label: str, choices, *, required: bool = False, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=required, help_text=help_text,
                             widget=forms.RadioSelect)


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's errors on the form: by field where the form has it, else above it,
    named ("Action 2, owner: This is required.")."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for field, texts in messages.items():
        if field in form.fields:
            form.add_error(field, texts)
        else:
            form.add_error(None, [f"{_field_words(field)}: {text}" if field != "__all__" else text for text in texts])


def _field_words(field: str) -> str:
    parts = field.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        return f"{parts[0].rstrip('s').capitalize()} {int(parts[1]) + 1}, {parts[2].replace('_', ' ')}"
    return field.replace("_", " ").capitalize()


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label="What kind of case", choices=_choices(CaseKind.choices, blank="Choose"))
    summary = _text("Why the case is open", required=True)
    owner = _UserChoiceField(label="Owner", queryset=None, empty_label="Choose",
                             help_text="A DSL or deputy DSL of the child's site, or the lead DSL.")
    first_day_absent = _date("First day of absence (CME cases only)", required=False,
                             help_text="Safewell counts 10 school days from it for the date the local authority must be told by.")
    next_review_on = _date("Case review date", required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CaseEditForm(forms.Form):
    owner = _UserChoiceField(label="Owner", queryset=None, empty_label=None)
    status = _radios("Status", [(CaseStatus.OPEN, CaseStatus.OPEN.label), (CaseStatus.MONITORING, CaseStatus.MONITORING.label)],
                     required=True)
    next_review_on = _date("Case review date", required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CaseCloseForm(forms.Form):
    outcome = _radios("How did the case end?", CaseOutcome.choices, required=True)
    rationale = _text("Why the case can close", required=True)


class EntryForm(forms.Form):
    kind = _radios("What is it?", [(k.value, k.label) for k in (EntryKind.NOTE, EntryKind.MEETING, EntryKind.DECISION)],
                   required=True)
    event_at = _moment("When did it happen?",
                       help_text="An entry written later keeps its place by this date and shows when it was written.")
    title = forms.CharField(label="Title", max_length=300)
    body = _text("What happened", required=True)
    attendees = _text("Who attended (meetings)")


class CorrectionForm(forms.Form):
    correction = _text("The correction", required=True,
                       help_text="Say what is wrong and what is right. The entry itself stays as written.")


class ConcernForm(forms.Form):
    pupil = forms.ModelChoiceField(label="Pupil", queryset=None, empty_label="Choose the pupil")
    categories = _checkboxes("What is the concern about?", ConcernCategory.choices, help_text="Choose all that apply.")
    description = _text("What did you see or hear?", required=True,
                        help_text="In your own words, and the child's if they told you. Facts, not opinions.")
    observed_at = _moment("When?")
    action_taken = _text("What have you done about it so far?")

    def __init__(self, *args, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils


class TriageForm(forms.Form):
    decision = _radios("What happens next?", ConcernTriage.choices, required=True)
    case = forms.ModelChoiceField(label="Add it to (when adding to a case)", queryset=None, required=False,
                                  empty_label="Choose a case")
    rationale = _text("Why", required=True)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class AssessmentForm(forms.Form):
    """The questions of seed 004 as radios with notes, then the factors and the judgement."""

    push_factors = _checkboxes("Push factors", questions.PUSH_FACTORS)
    pull_factors = _checkboxes("Pull factors", questions.PULL_FACTORS)
    contextual_factors = _checkboxes("Contextual factors", questions.CONTEXTUAL_FACTORS,
                                     help_text="Those recorded on the pupil's record are already ticked.")
    other_factors = _text("Other factors")
    online_considerations = _text("Online and digital footprint",
                                  help_text="Social media activity, online gaming, encrypted messaging apps (seed 004).")
    online_safety_lead_consulted = forms.BooleanField(label="The online safety lead was consulted", required=False)
    online_safety_lead_name = forms.CharField(label="Online safety lead's name", required=False, max_length=200)
    judgement = _radios("Your judgement", Judgement.choices, required=True)
    rationale = _text("Rationale", required=True)
    review_on = _date("Review by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in questions.SECTIONS:
            for question in section.questions:
                self.fields[f"q_{question.key}"] = _radios(question.text, questions.ANSWERS)
                self.fields[f"n_{question.key}"] = forms.CharField(label="Notes", required=False, max_length=2000)

    def answers(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            q.key: {"answer": data.get(f"q_{q.key}", ""), "notes": data.get(f"n_{q.key}", "")}
            for s in questions.SECTIONS for q in s.questions
            if data.get(f"q_{q.key}") or data.get(f"n_{q.key}")
        }

    def sections(self):
        """(section, [(answer field, notes field)]) for the template."""
        return [(s, [(self[f"q_{q.key}"], self[f"n_{q.key}"]) for q in s.questions]) for s in questions.SECTIONS]


class SendForm(forms.Form):
    sent_on = _date("Sent on")
    lawful_basis = _radios("Lawful basis for sharing", LawfulBasis.choices,
                           help_text="Without one, only the designated safeguarding lead may send it, with a recorded override.")
    consent_details = _text("Whose consent, and when (consent only)")
    override_reason = _text("The DSL's override: why it is sent without a lawful basis")
    reference = forms.CharField(label="The agency's reference", required=False, max_length=100)


class ReferralForm(SendForm):
    """A referral prepared, or recorded as already sent (then with how it was sent)."""

    kind = forms.ChoiceField(label="Referral to", choices=_choices(
        [c for c in ReferralKind.choices if c[0] != ReferralKind.CME_NOTIFICATION], blank="Choose"))
    agency = forms.CharField(label="Agency or team", max_length=200)
    reason = _text("What is shared, and why", required=True)
    already_sent = forms.BooleanField(label="It has been sent (fill in how below)", required=False)
    sent_on = _date("Sent on", required=False)
    field_order = ["kind", "agency", "reason", "already_sent", "sent_on", "lawful_basis", "consent_details",
                   "override_reason", "reference"]


class AcknowledgeForm(forms.Form):
    acknowledged_on = _date("Acknowledged on")
    reference = forms.CharField(label="The agency's reference", required=False, max_length=100)


class OutcomeForm(forms.Form):
    outcome = _radios("Outcome", ReferralOutcome.choices, required=True)
    outcome_on = _date("Date of the outcome")
    notes = _text("Notes")


class EnquiryForm(forms.Form):
    kind = _radios("Enquiry made with", EnquiryKind.choices, required=True)
    made_on = _date("Made on")
    who = forms.CharField(label="Who was asked", max_length=200)
    outcome = _text("What they said", required=True)
    whereabouts_found = forms.BooleanField(label="This found where the child is", required=False)


class CheckForm(forms.Form):
    checked_by = _radios("Who made the check", CheckedBy.choices, required=True)
    checked_by_name = forms.CharField(label="Their name and role", max_length=200)
    checked_at = _moment("When")
    child_seen = forms.BooleanField(label="The child was seen", required=False)
    outcome = _radios("Outcome", CheckOutcome.choices, required=True)
    notes = _text("Notes")


class EpisodeForm(forms.Form):
    missing_from = _radios("Missing from", MissingFrom.choices, required=True)
    last_seen_at = _moment("Last seen at")
    last_seen_place = forms.CharField(label="Where last seen", max_length=300)
    last_seen_with = forms.CharField(label="Who they were with", max_length=300, required=False)
    clothing = _text("What they were wearing", required=True)
    circumstances = _text("Circumstances")
    reported_to_police_at = _moment("Reported to the police at", required=False)
    police_reference = forms.CharField(label="Police reference", max_length=100, required=False)
    police_risk_grade = _radios("The police's risk grade", _choices(PoliceRiskGrade.choices, blank="Not given yet"),
                                help_text="Recorded as the police graded it: Safewell never assigns a grade.")


class PoliceForm(forms.Form):
    reported_to_police_at = _moment("Reported to the police at", required=False)
    police_reference = forms.CharField(label="Police reference", max_length=100, required=False)
    police_risk_grade = _radios("The police's risk grade", _choices(PoliceRiskGrade.choices, blank="Not given yet"),
                                help_text="Recorded as the police graded it: Safewell never assigns a grade.")


class ReturnForm(forms.Form):
    returned_at = _moment("Found or came back at")
    return_how = _radios("How", ReturnHow.choices, required=True)
    return_notes = _text("Where found, and how they were")


class InterviewForm(forms.Form):
    status = _radios("Where the interview stands", InterviewStatus.choices, required=True)
    offered_at = _moment("Offered at")
    offered_by = forms.CharField(label="Offered by (name and organisation)", max_length=200,
                                 help_text="Independent of the placement and the responsible LA where possible.")
    responded_at = _moment("The child accepted or declined at", required=False)
    completed_at = _moment("Completed at", required=False)
    conducted_by = forms.CharField(label="Conducted by (name and organisation)", max_length=200, required=False)
    push_factors = _checkboxes("Push factors the child spoke of", questions.PUSH_FACTORS)
    pull_factors = _checkboxes("Pull factors the child spoke of", questions.PULL_FACTORS)
    findings = _text("What was learned")
    declined_reason = _text("Why it was declined, if the child said")


class ProfileForm(forms.Form):
    physical_description = _text("Physical description", required=True,
                                 help_text="Height, build, hair, eyes, marks, scars, tattoos.")
    photo = forms.FileField(label="A recent photograph (PNG or JPEG)", required=False,
                            help_text="Leave empty to keep the current one.")
    friends_and_associates = _text("Friends and associates")
    places_frequented = _text("Addresses and places they go")
    phones_and_social_media = _text("Phone numbers and social media")
    vulnerabilities = _text("Vulnerabilities")
    medical_information = _text("Medical information and medication")
    financial_information = _text("Bank cards and money")
    transport = _text("Transport they use")
    next_review_on = _date("Review by")


class PlanForm(forms.Form):
    starts_on = _date("Starts on")
    monitoring_ends_on = _date("Monitoring until")
    attendance_target_percent = forms.IntegerField(label="Attendance target (%)", min_value=1, max_value=100,
                                                   help_text="Of the sessions the child is expected at, checked against the register.")
    part_time_timetable = forms.ModelChoiceField(label="Part-time timetable (C2)", queryset=None, required=False,
                                                 empty_label="No part-time timetable")
    support = _text("Support in place", required=True, help_text="Pastoral and mental health support, who the child can go to.")
    digital_safety_checks = _text("Digital safety checks")
    next_review_on = _date("First review by")

    def __init__(self, *args, timetables=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part_time_timetable"].queryset = timetables
        self.fields["part_time_timetable"].label_from_instance = (
            lambda t: f"Part-time timetable (C2) from {t.starts_on:%A %-d %B %Y} to {t.ends_on:%A %-d %B %Y}, "
                      f"to be reviewed by {t.review_on:%A %-d %B %Y}")


class ReviewForm(forms.Form):
    reviewed_on = _date("Reviewed on")
    notes = _text("What the review found", required=True)
    next_review_on = _date("Next review by", required=False, help_text="Leave empty to end the plan.")
    end_reason = _text("Why the plan ends (when it ends)")


class TaskForm(forms.Form):
    title = forms.CharField(label="What is to be done", max_length=300)
    owner = _UserChoiceField(label="Owner", queryset=None, empty_label="Choose")
    due_on = _date("Due by")
    done_when = _radios("Done", TaskDoneWhen.choices,
                        help_text="A task that asks for a record is done when that record is written.")

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class DocumentForm(forms.Form):
    kind = _radios("Kind", DocumentKind.choices, required=True)
    title = forms.CharField(label="Title", max_length=200)
    file = forms.FileField(label="File (a PNG or JPEG image, or a PDF)")


# Oldest first reads as a story (and is how agencies expect a chronology); newest first is
# what a DSL checking the latest wants (issue 11 §7).
CHRONOLOGY_ORDERS = [("", "Oldest first"), ("newest", "Newest first")]


class ChronologyFilterForm(forms.Form):
    groups = _checkboxes("Show", [])
    start = _date("From", required=False)
    end = _date("To", required=False)
    order = _radios("Order", CHRONOLOGY_ORDERS)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = list(groups)


class ShareForm(ChronologyFilterForm):
    recipient = forms.CharField(label="Shared with (agency and person)", max_length=200)
    purpose = _text("Why it is shared", required=True)
    lawful_basis = _radios("Lawful basis for sharing", LawfulBasis.choices, required=True)
    format = _radios("Format", ExportFormat.choices, required=True)


class ReasonForm(forms.Form):
    reason = _text("Reason", required=True)


class DestroyForm(forms.Form):
    confirm_upn = forms.CharField(label="Type the child's UPN to confirm", max_length=13)
