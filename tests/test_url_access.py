"""Every URL has an access decision, and every persona gets exactly that decision.

The list of URLs comes from the URL conf itself, so a new view that nobody has decided
about fails `test_every_url_has_an_access_decision` until it is added to ACCESS below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import Personas
from tests.pupils.pupil_factory import make_pupil

SIGNED_IN_PERSONAS = ("admin", "dsl", "deputy_dsl_south", "teacher", "attendance_officer", "external")


@dataclass(frozen=True)
class Access:
    """Who gets through. `allowed` names personas; "anonymous" may be among them."""

    allowed: frozenset[str]
    method: str = "get"
    # Builds the URL's keyword arguments from the personas (for URLs with parameters).
    kwargs: Callable[[Personas], dict] | None = None
    # Not exercised per persona: a third party decides (Django admin) or it needs a token.
    exercised: bool = True
    # Settings the URL needs to exist at all (a page that only the demo's backends have).
    settings: dict[str, str] = field(default_factory=dict, compare=False)
    why: str = field(default="", compare=False)


def public(**options) -> Access:
    return Access(frozenset(SIGNED_IN_PERSONAS) | {"anonymous"}, **options)


def signed_in(**options) -> Access:
    return Access(frozenset(SIGNED_IN_PERSONAS), **options)


def only(*personas: str, **options) -> Access:
    return Access(frozenset(personas), **options)


def not_exercised(why: str) -> Access:
    return Access(frozenset(), exercised=False, why=why)


# allauth's flows: each needs a pending login, a key from an email or a form post, so a
# plain GET is not the gate. allauth itself guards them; we test the flows in tests/accounts.
ALLAUTH_FLOW = not_exercised("an allauth flow step, guarded by allauth and tested in tests/accounts")

ACCESS: dict[str, Access] = {
    "home": signed_in(),
    "healthz": public(),
    # Changing site needs one of your own sites in the form, so an empty POST is refused for
    # everyone; tests/core/test_shell_site_switcher.py covers members and outsiders.
    "core:switch_site": only(method="post"),
    "account_login": public(),
    "account_logout": signed_in(),
    "account_inactive": ALLAUTH_FLOW,
    "account_signup": ALLAUTH_FLOW,
    "account_reauthenticate": ALLAUTH_FLOW,
    "account_email": signed_in(),
    "account_email_verification_sent": ALLAUTH_FLOW,
    "account_change_password": signed_in(),
    "account_set_password": ALLAUTH_FLOW,
    "account_reset_password": public(),
    "account_confirm_login_code": ALLAUTH_FLOW,
    "account_confirm_email": ALLAUTH_FLOW,
    "account_reset_password_from_key_done": ALLAUTH_FLOW,
    "account_reset_password_from_key": ALLAUTH_FLOW,
    "account_reset_password_done": public(),
    "mfa_index": signed_in(),
    "mfa_authenticate": ALLAUTH_FLOW,
    "mfa_reauthenticate": ALLAUTH_FLOW,
    "mfa_activate_totp": ALLAUTH_FLOW,
    "mfa_deactivate_totp": ALLAUTH_FLOW,
    "mfa_view_recovery_codes": ALLAUTH_FLOW,
    "mfa_generate_recovery_codes": ALLAUTH_FLOW,
    "mfa_download_recovery_codes": ALLAUTH_FLOW,
    "mfa_list_webauthn": ALLAUTH_FLOW,
    "mfa_add_webauthn": ALLAUTH_FLOW,
    "mfa_reauthenticate_webauthn": ALLAUTH_FLOW,
    "mfa_remove_webauthn": ALLAUTH_FLOW,
    "mfa_edit_webauthn": ALLAUTH_FLOW,
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    "api:attendance_codes": signed_in(),
    "pupils:list": signed_in(),
    # A pupil at North: everyone with a membership at North; South's deputy DSL gets a 404.
    "pupils:detail": only(
        "admin", "dsl", "teacher", "attendance_officer", "external",
        kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk},
    ),
    "api:api-root": not_exercised("the API root is a prefix, not a page: ninja answers 404 JSON"),
    # Every signed-in person may ask who they are; anonymous gets a JSON 401.
    "api:me": signed_in(),
    "api:unknown-endpoint": not_exercised(
        "the catch-all under /api/: a JSON 404 for everyone, tested in tests/platform"
    ),
    # Who opened a record: the DSL team and administrators of the record's site only.
    "audit:record_opened_by": only(
        "admin", "dsl", kwargs=lambda p: {"target_type": "schools.site", "target_id": str(p.north.pk)}
    ),
    # Administrators' pages (accounts): who has MFA, and the integrations' API tokens.
    "accounts:mfa_status": only("admin"),
    "accounts:api_tokens": only("admin"),
    "accounts:api_token_revoke": only("admin", method="post", kwargs=lambda p: {"token_id": _token_for(p)}),
    # Members of the site (any role) see its calendar; the South deputy is refused North's.
    "schools:site_calendar": only(
        "admin", "dsl", "teacher", "attendance_officer", "external",
        kwargs=lambda p: {"code": p.north.code},
    ),
    # A North pupil's attendance (page, summary, marks): whoever sees the pupil
    # (pupils.selectors.pupil_for_user); South's deputy DSL gets a 404.
    "attendance:pupil_attendance": only(
        "admin", "dsl", "teacher", "attendance_officer", "external",
        kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk},
    ),
    "api:pupil_summary": only(
        "admin", "dsl", "teacher", "attendance_officer", "external",
        kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk},
    ),
    "api:pupil_marks": only(
        "admin", "dsl", "teacher", "attendance_officer", "external",
        kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk},
    ),
    # Group summaries cover the reader's own sites and visible pupils only, so everyone
    # signed in may ask (tests/attendance_summaries covers what each one sees).
    "api:summaries": signed_in(),
    # A whole site's marks as CSV: administrators, the DSL team and attendance officers of
    # a site (South's deputy gets the form for South); teachers and outside agencies 403.
    "attendance:export_marks": only("admin", "dsl", "deputy_dsl_south", "attendance_officer"),
    # Registers (attendance/selectors.py): a North group's register is read by North's staff
    # who take registers; external users 403 (a whole class is not theirs), South's deputy DSL 404.
    "api:register_detail": only(
        "admin", "dsl", "teacher", "attendance_officer",
        kwargs=lambda p: {"group_id": _north_group(p), "day": "2026-09-10", "session": "AM"},
    ),
    # A JSON body names the site and group, so an empty POST is a 400 for everyone;
    # tests/registers/test_register_api_personas.py submits as every persona.
    "api:register_submit": not_exercised(
        "a JSON POST: tests/registers/test_register_api_personas.py tries every persona"
    ),
    # Register pages (attendance/register_views.py): staff who take registers at the site.
    # South's deputy DSL takes South's registers (their current site); external users 403.
    "attendance:my_registers": only("admin", "dsl", "deputy_dsl_south", "teacher", "attendance_officer"),
    # A North group's register page: North's staff; external 403, South's deputy DSL 404.
    "attendance:register": only(
        "admin", "dsl", "teacher", "attendance_officer",
        kwargs=lambda p: {"group_id": str(_north_group(p)), "day": "2026-09-10", "session": "AM"},
    ),
    # A North lesson's register (page and API read): North's staff who take registers (cover
    # included); external users 403, South's deputy DSL 404.
    "attendance:lesson_register": only(
        "admin", "dsl", "teacher", "attendance_officer",
        kwargs=lambda p: {"lesson_id": str(_north_lesson(p)), "day": "2026-09-10"},
    ),
    "api:lesson_register_detail": only(
        "admin", "dsl", "teacher", "attendance_officer",
        kwargs=lambda p: {"lesson_id": _north_lesson(p), "day": "2026-09-10"},
    ),
    "api:lesson_register_submit": not_exercised(
        "a JSON POST: tests/registers/test_lesson_register_api.py tries every persona"
    ),
    # Reception's late book: attendance officers, pastoral staff and administrators.
    "attendance:late_book": only("admin", "attendance_officer"),
    # The missing registers board and the amendments report: attendance officers, the DSL
    # team (South's deputy sees South) and administrators.
    "attendance:missing_registers": only("admin", "dsl", "deputy_dsl_south", "attendance_officer"),
    "attendance:missing_registers_board": only("admin", "dsl", "deputy_dsl_south", "attendance_officer"),
    "attendance:amendments_report": only("admin", "dsl", "deputy_dsl_south", "attendance_officer"),
    # A site's N marks and their deadlines (the N-deadline email links here): the same people.
    "attendance:unexplained_marks": only("admin", "dsl", "deputy_dsl_south", "attendance_officer"),
    # A nudge names its group and session, so an empty POST is refused for everyone;
    # tests/register_pages/test_missing_registers_board.py nudges as each role.
    "attendance:register_nudge": only(method="post"),
    # First-day calling (followup/selectors.py): the attendance officer's day and the live list
    # for attendance officers, pastoral staff and the DSL team (South's deputy reads South's);
    # teachers, administrators and external users 403.
    "followup:day": only("dsl", "deputy_dsl_south", "attendance_officer"),
    "followup:calling_list": only("dsl", "deputy_dsl_south", "attendance_officer"),
    # A North pupil's attempt form and contact history: North's follow-up staff; South's
    # deputy 404 (not their pupil), teachers, admins and external users 403.
    "followup:attempt_new": only("dsl", "attendance_officer", kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk}),
    "followup:contact_history": only("dsl", "attendance_officer", kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk}),
    # POSTs that name what they change: an empty POST is refused for everyone;
    # tests/followup covers each decision per persona.
    "followup:message_send": only(method="post", kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk}),
    "followup:consent_record": only(method="post", kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk}),
    "followup:proposal_decide": only(method="post", kwargs=lambda p: {"proposal_id": 1}),
    "followup:reply_decide": only(method="post", kwargs=lambda p: {"reply_id": 1}),
    "followup:report_decide": only(method="post", kwargs=lambda p: {"report_id": 1}),
    # Telling the agencies now: the attendance officers and the DSL team of the site.
    "followup:agency_notices_send": only("dsl", "deputy_dsl_south", "attendance_officer", method="post"),
    # The school's message wording: administrators and attendance officers.
    "followup:templates": only("admin", "attendance_officer"),
    # The demo's SMS log (the log provider in use): follow-up staff only.
    "followup:sms_log": only("dsl", "deputy_dsl_south", "attendance_officer"),
    # The demo's email log (the log backend in use): the same people.
    "followup:email_log": only("dsl", "deputy_dsl_south", "attendance_officer",
                               settings={"EMAIL_BACKEND": "safewell.core.email_log.LogEmailBackend"}),
    "api:pupil_contact_attempts": only("dsl", "attendance_officer", kwargs=lambda p: {"pupil_id": make_pupil(p.north).pk}),
    "api:contact_attempt_log": not_exercised(
        "a JSON POST: tests/followup/test_contact_attempts_api.py tries each persona"
    ),
    "followup:sms_webhook": not_exercised(
        "the provider's signed webhook: tests/followup/test_reply_webhook.py (bad signatures are 401)"
    ),
    # The parents' absence report form is public (rate limited); so is its confirmation.
    "absence_report": public(kwargs=lambda p: {"site_code": p.north.code}),
    "absence_report_thanks": public(kwargs=lambda p: {"site_code": p.north.code}),
    # Alerts (policy/selectors.py): the DSL team and attendance officers have an inbox; a North
    # DSL alert opens for the lead DSL only (South's deputy 404, the attendance officer 404, as it
    # is not routed to them); teachers, administrators and external users 403.
    "policy:inbox": only("dsl", "deputy_dsl_south", "attendance_officer"),
    "policy:worklist": only("dsl", "deputy_dsl_south", "attendance_officer", kwargs=lambda p: {"rule_id": "persistent_absence"}),
    "policy:alerts_decide_many": not_exercised("a POST with ticked alerts; tested with every refusal in tests/policy_alerts/test_alerts_inbox_by_child.py"),
    "policy:alert_detail": only("dsl", kwargs=lambda p: {"alert_id": _north_alert(p)}),
    "policy:alert_decide": not_exercised(
        "a POST with a decision and a reason: tests/policy_alerts/test_alerts_inbox_access.py tries every persona"
    ),
    "policy:notifications": only("dsl", "deputy_dsl_south", "attendance_officer"),
    "policy:notifications_read": only("dsl", "deputy_dsl_south", "attendance_officer", method="post"),
    # The policy profile of the organisation of the current site (policy/profile_views.py):
    # administrators and the DSL team read it (South's deputy reads the same organisation's);
    # only administrators upload or put a version in force. tests/policy_profiles covers what each sees.
    "policy:profile": only("admin", "dsl", "deputy_dsl_south"),
    "policy:profile_yaml": only("admin", "dsl", "deputy_dsl_south"),
    "policy:profile_history": only("admin", "dsl", "deputy_dsl_south"),
    "policy:profile_version": only("admin", "dsl", "deputy_dsl_south", kwargs=lambda p: {"version": _profile_version(p)}),
    "policy:profile_diff": only(
        "admin", "dsl", "deputy_dsl_south",
        kwargs=lambda p: {"old": _profile_version(p), "new": _profile_version(p)},
    ),
    "policy:profile_upload": only("admin"),
    "policy:profile_activate": only("admin", method="post", kwargs=lambda p: {"version": _profile_version(p)}),
}


# Safeguarding case work (safeguarding/selectors.py): a North child's records are read by the
# DSL team of North and the lead DSL (the `dsl` persona is both); South's deputy DSL gets a 404;
# everyone outside every DSL team (teacher, attendance officer, admin, external) a 403. Any
# member of staff may raise a concern and see their own; external users may not.
NORTH_DSL = ("dsl",)
STAFF = ("admin", "dsl", "deputy_dsl_south", "teacher", "attendance_officer")


def _sg_case(p: Personas, **options):
    from tests.safeguarding.casework_factory import case_of

    return case_of(p, **options)


def _sg_episode(p: Personas):
    from tests.safeguarding.casework_factory import NOW, missing_case

    return missing_case(p, returned_at=NOW - dt.timedelta(hours=3))


def _sg_cme_referral(p: Personas) -> dict:
    from safewell.safeguarding.models import CaseKind

    return {"referral_id": _sg_case(p, kind=CaseKind.CME).referrals.get().pk}


def _sg_assessment(p: Personas) -> dict:
    from safewell.safeguarding import services
    from tests.safeguarding.casework_factory import NOW

    case = _sg_case(p)
    assessment = services.risk_assessment_record(case=case, actor=p.dsl, now=NOW, answers={}, judgement="low",
                                                 rationale="Attendance only.", review_on=dt.date(2026, 12, 1))
    return {"assessment_id": assessment.pk}


def _sg_plan(p: Personas) -> dict:
    from safewell.safeguarding import services
    from tests.safeguarding.casework_factory import NOW, TODAY

    plan = services.reintegration_plan_create(case=_sg_case(p), actor=p.dsl, now=NOW, terms=services.PlanTerms(
        starts_on=TODAY, monitoring_ends_on=TODAY + dt.timedelta(weeks=6), attendance_target_percent=90,
        support="Key adult each morning.", next_review_on=TODAY + dt.timedelta(weeks=2)))
    return {"plan_id": plan.pk}


def _sg_concern(p: Personas) -> dict:
    from safewell.safeguarding import services
    from tests.safeguarding.casework_factory import NOW

    concern = services.concern_raise(pupil=make_pupil(p.north), actor=p.teacher, now=NOW, categories=["neglect"],
                                     description="Hungry every morning.", action_taken="", observed_at=NOW)
    return {"concern_id": concern.pk}


def _sg_document(p: Personas) -> dict:
    from safewell.safeguarding import services
    from tests.safeguarding.casework_factory import NOW
    from tests.safeguarding.uploads import PDF

    document = services.document_upload(pupil=make_pupil(p.north), actor=p.dsl, now=NOW, kind="report",
                                        title="Letter", content=PDF)
    return {"document_id": document.pk}


def _sg_alert(p: Personas) -> dict:
    from tests.safeguarding.casework_factory import alert_of

    return {"alert_id": alert_of(make_pupil(p.north)).pk}


def _sg_pupil(p: Personas) -> dict:
    return {"pupil_id": make_pupil(p.north).pk}


def _sg_case_id(p: Personas) -> dict:
    return {"case_id": _sg_case(p).pk}


def _sg_entry(p: Personas) -> dict:
    return {"entry_id": _sg_case(p).entries.first().pk}


def _sg_task(p: Personas) -> dict:
    from safewell.safeguarding import services
    from tests.safeguarding.casework_factory import NOW, TODAY

    task = services.task_add(case=_sg_case(p), actor=p.dsl, now=NOW,
                             action=services.Action("Home visit", p.dsl, TODAY + dt.timedelta(days=1)))
    return {"task_id": task.pk}


SAFEGUARDING_ACCESS: dict[str, Access] = {
    "safeguarding:dashboard": only("dsl", "deputy_dsl_south"),
    "safeguarding:cme_compliance": only("dsl", "deputy_dsl_south"),
    # Retention review and destruction: the lead DSL only.
    "safeguarding:retention": only("dsl"),
    "safeguarding:pupil_record": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:chronology_print": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:case_open": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:entry_add": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:episode_new": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:profile_edit": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:document_upload": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:share": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:legal_hold": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:retention_destroy": only(*NORTH_DSL, kwargs=_sg_pupil),
    "safeguarding:entry_correct": only(*NORTH_DSL, kwargs=_sg_entry),
    # One click on a North alert: the lead DSL opens the case (a redirect to it).
    "safeguarding:case_open_from_alert": only(*NORTH_DSL, method="post", kwargs=_sg_alert),
    "safeguarding:case_detail": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:case_edit": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:case_close": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:assessment_new": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:referral_new": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:enquiry_add": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:check_new": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:plan_new": only(*NORTH_DSL, kwargs=_sg_case_id),
    "safeguarding:task_new": only(*NORTH_DSL, kwargs=_sg_case_id),
    # An empty POST completes the task (its note is optional).
    "safeguarding:task_complete": only(*NORTH_DSL, method="post", kwargs=_sg_task),
    "safeguarding:assessment_detail": only(*NORTH_DSL, kwargs=_sg_assessment),
    "safeguarding:referral_detail": only(*NORTH_DSL, kwargs=_sg_cme_referral),
    "safeguarding:referral_send": only(*NORTH_DSL, kwargs=_sg_cme_referral),
    "safeguarding:referral_acknowledge": only(*NORTH_DSL, kwargs=_sg_cme_referral),
    "safeguarding:referral_outcome": only(*NORTH_DSL, kwargs=_sg_cme_referral),
    "safeguarding:cme_notification_pdf": only(*NORTH_DSL, kwargs=_sg_cme_referral),
    "safeguarding:episode_detail": only(*NORTH_DSL, kwargs=lambda p: {"episode_id": _sg_episode(p).pk}),
    "safeguarding:episode_police": only(*NORTH_DSL, kwargs=lambda p: {"episode_id": _sg_episode(p).pk}),
    "safeguarding:episode_return": only(*NORTH_DSL, kwargs=lambda p: {"episode_id": _sg_episode(p).pk}),
    "safeguarding:interview_record": only(*NORTH_DSL, kwargs=lambda p: {"episode_id": _sg_episode(p).pk}),
    "safeguarding:police_pack": only(*NORTH_DSL, kwargs=lambda p: {"episode_id": _sg_episode(p).pk}),
    "safeguarding:plan_detail": only(*NORTH_DSL, kwargs=_sg_plan),
    "safeguarding:plan_review": only(*NORTH_DSL, kwargs=_sg_plan),
    "safeguarding:document_download": only(*NORTH_DSL, kwargs=_sg_document),
    "safeguarding:concern_triage": only(*NORTH_DSL, kwargs=_sg_concern),
    "safeguarding:concerns_mine": only(*STAFF),
    "safeguarding:concern_raise": only(*STAFF),
}
ACCESS.update(SAFEGUARDING_ACCESS)


def _north_group(p: Personas) -> int:
    from safewell.pupils.services import registration_group_create

    return registration_group_create(site=p.north, name="7A").pk


def _north_lesson(p: Personas) -> int:
    import datetime as dt

    from safewell.pupils.models import Lesson, Period, Subject, TeachingClass

    period = Period.objects.create(site=p.north, name="P1", starts_at=dt.time(9, 30), ends_at=dt.time(10, 30))
    subject = Subject.objects.create(organisation=p.organisation, name="Maths")
    teaching_class = TeachingClass.objects.create(site=p.north, name="7 Ma1", subject=subject, teacher=p.teacher)
    return Lesson.objects.create(teaching_class=teaching_class, weekday=3, period=period).pk


def _north_alert(p: Personas) -> int:
    from django.utils import timezone

    from safewell.policy.alerts import alerts_sync
    from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope

    pupil = make_pupil(p.north)
    found = AlertCandidate(rule_id="continuous_absence", pupil_id=pupil.pk, site_id=p.north.pk,
                           episode_key="2026-10-28", severity="high", evidence={}, explanation="Absent.", source="")
    scope = EvaluationScope(today=timezone.localdate(), organisation_id=p.organisation.pk, pupil_ids=frozenset({pupil.pk}))
    return alerts_sync(candidates=[found], scope=scope, now=timezone.now()).opened[0]


def _profile_version(p: Personas) -> int:
    from safewell.policy.profile_services import policy_profile_install
    from safewell.policy.profiles import shipped_profile_text

    return policy_profile_install(
        organisation=p.organisation, yaml_text=shipped_profile_text("statutory"), actor=p.admin
    ).version


def _token_for(p: Personas) -> int:
    from safewell.accounts.services import api_token_create

    return api_token_create(user=p.teacher, name="MIS sync", created_by=p.admin)[0].pk


# Django admin (/django-admin/) lets in only is_staff users and guards every page itself.
DJANGO_ADMIN = not_exercised("Django admin: staff users only, enforced by the admin site")


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[tuple[str, str | None]]:
    """(route, name) for every URL in the URL conf, names with their namespaces."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def decision_for(route: str, name: str | None) -> Access | None:
    if route.startswith("django-admin/"):
        return DJANGO_ADMIN
    return ACCESS.get(name or "")


def test_every_url_has_an_access_decision():
    undecided = [f"{route} (name={name})" for route, name in url_patterns() if decision_for(route, name) is None]
    assert not undecided, "Views without an access decision in tests/test_url_access.py:\n" + "\n".join(undecided)


def test_every_decision_names_a_real_url():
    names = {name for _, name in url_patterns()}
    assert not set(ACCESS) - names, f"Stale entries in ACCESS: {sorted(set(ACCESS) - names)}"


def exercised_cases() -> list[tuple[str, str]]:
    return [
        (name, persona)
        for name, access in sorted(ACCESS.items())
        if access.exercised
        for persona in (*SIGNED_IN_PERSONAS, "anonymous")
    ]


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "persona"), exercised_cases())
def test_each_persona_gets_the_decided_access(client, personas, settings, name, persona):
    access = ACCESS[name]
    for setting, value in access.settings.items():
        setattr(settings, setting, value)
    if persona != "anonymous":
        client.force_login(personas.all_signed_in()[persona])
    url = reverse(name, kwargs=access.kwargs(personas) if access.kwargs else None)
    response = getattr(client, access.method)(url)

    if persona in access.allowed:
        assert response.status_code < 400 and not is_login_redirect(response), (
            f"{persona} should reach {url}, got {response.status_code}"
        )
    elif persona == "anonymous":
        assert is_login_redirect(response) or response.status_code == 401, (
            f"anonymous should be sent to sign in at {url}, got {response.status_code}"
        )
    else:
        assert response.status_code in (403, 404), f"{persona} should be refused {url}, got {response.status_code}"
