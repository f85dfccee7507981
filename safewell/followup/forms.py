"""The forms of first-day calling. They parse; the services validate the record against the
pupil and the rules (services.py), and their errors are shown on the same fields."""

from __future__ import annotations

import datetime as dt

from django import forms

from safewell.followup.models import ContactChannel, ContactOutcome, ReasonCategory, TemplateKind

WHO_PUPIL = "pupil"
WHO_AGENCY = "agency"
WHEREABOUTS_CHOICES = [
    ("", "Not established"),
    ("known", "Known: they said where the child is"),
    ("unknown", "They do not know where the child is either"),
]
SAFE_CHOICES = [("", "Not judged"), ("yes", "Safe and well"), ("no", "Not safe and well")]
# The channels a person logs by hand (texts and emails Safewell sends log themselves).
LOGGED_CHANNELS = [c for c in ContactChannel.choices if c[0] != ContactChannel.ONLINE_FORM]
TIME_INVALID = "Enter the time as hours and minutes, like 09:40."


class ContactAttemptForm(forms.Form):
    """One screen, a few keystrokes: who (the first contact is chosen), how (phone), what
    happened, and what was learnt."""

    who = forms.ChoiceField(label="Who did you try to reach?", widget=forms.RadioSelect)
    agency_name = forms.CharField(label="Agency and person (when another agency)", required=False, max_length=200)
    channel = forms.ChoiceField(label="How", choices=LOGGED_CHANNELS, initial=ContactChannel.PHONE, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label="What happened", choices=ContactOutcome.choices, widget=forms.RadioSelect)
    whereabouts = forms.ChoiceField(label="Where is the child?", choices=WHEREABOUTS_CHOICES, required=False,
                                    widget=forms.RadioSelect)
    reason_category = forms.ChoiceField(label="Reason given", choices=[("", "None recorded"), *ReasonCategory.choices],
                                        required=False)
    reason_text = forms.CharField(label="Reason, in their words", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    child_seen = forms.BooleanField(label="The child was seen", required=False)
    child_safe_and_well = forms.ChoiceField(label="Was the child safe and well?", choices=SAFE_CHOICES, required=False,
                                            widget=forms.RadioSelect)
    accompanied_by = forms.ChoiceField(label="Went with you (home visits are made by two staff)", required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    at = forms.CharField(label="Time of the attempt", max_length=5, help_text="For example, 09:40")
    also_for = forms.MultipleChoiceField(label="The same call was about", required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, contacts, staff, siblings=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["also_for"].choices = [(str(p.pk), f"{p.display_name}, absent too") for p in siblings]
        if not siblings:
            del self.fields["also_for"]
        who = [(str(c.pk), f"{c.name} ({c.get_relationship_display()})" + (": do not contact" if c.do_not_contact else ""))
               for c in contacts]
        who += [(WHO_PUPIL, "The pupil themselves"), (WHO_AGENCY, "Another agency")]
        self.fields["who"].choices = who
        self.fields["accompanied_by"].choices = [("", "No one")] + [(str(u.pk), u.get_full_name() or u.username) for u in staff]

    def clean_at(self) -> dt.time:
        try:
            return dt.time.fromisoformat(self.cleaned_data["at"].strip())
        except ValueError:
            raise forms.ValidationError(TIME_INVALID) from None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Do not accept")])
    note = forms.CharField(required=False, max_length=2000)


class ReplyDecisionForm(DecisionForm):
    pupil = forms.IntegerField(required=False)
    reason_category = forms.ChoiceField(choices=[("", "None"), *ReasonCategory.choices], required=False)
    whereabouts = forms.ChoiceField(choices=WHEREABOUTS_CHOICES, required=False)


class ReportDecisionForm(DecisionForm):
    pupil = forms.IntegerField(required=False)


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(choices=TemplateKind.choices, widget=forms.HiddenInput)
    subject = forms.CharField(required=False, max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))


class AbsenceReportForm(forms.Form):
    """The public form for parents: plain questions, GOV.UK date inputs as three fields."""

    child_name = forms.CharField(label="Your child's full name", max_length=200)
    dob_day = forms.IntegerField(label="Day", min_value=1, max_value=31)
    dob_month = forms.IntegerField(label="Month", min_value=1, max_value=12)
    dob_year = forms.IntegerField(label="Year", min_value=1990, max_value=2100)
    first_day = forms.DateField(label="First day of absence", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day of absence", widget=forms.DateInput(attrs={"type": "date"}))
    reason_category = forms.ChoiceField(label="Reason", choices=ReasonCategory.choices)
    reason_text = forms.CharField(label="Anything else the school should know (optional)", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reporter_name = forms.CharField(label="Your name", max_length=200)
    reporter_relationship = forms.CharField(label="Your relationship to the child", max_length=100)
    reporter_phone = forms.CharField(label="A phone number we can call you on", max_length=32, required=False)

    def date_of_birth(self) -> dt.date | None:
        data = self.cleaned_data
        try:
            return dt.date(data["dob_year"], data["dob_month"], data["dob_day"])
        except (KeyError, TypeError, ValueError):
            return None
