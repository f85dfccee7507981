"""Organisations and their sites. The school calendar builds on these."""

from __future__ import annotations

from django.db import models


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", "School"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    TRUST = "trust", "Trust"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    # The LA owns the CME duty (s436A Education Act 1996) for its area.
    local_authority_code = models.CharField(max_length=3, blank=True)
    local_authority_name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return self.name
