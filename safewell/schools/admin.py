"""Django admin for the administrator's odd job; term dates are imported (docs/calendar-import.md)."""

from __future__ import annotations

from django.contrib import admin

from safewell.schools.models import AcademicYear, Closure, Organisation, PlacingSchool, Site, Term


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class PlacingSchoolInline(admin.TabularInline):
    model = PlacingSchool
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "local_authority_name"]
    inlines = [SiteInline, PlacingSchoolInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = [
        "name", "code", "organisation", "am_register_opens_at", "am_register_closes_at",
        "pm_register_opens_at", "pm_register_closes_at", "am_session_ends_at", "pm_session_ends_at",
    ]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "starts_on", "ends_on"]
    inlines = [TermInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "sessions", "site", "kind", "part", "reason"]
    list_filter = ["kind", "site"]
    date_hierarchy = "date"
