"""Users and their memberships: what each person may do, and where."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships, not from here."""


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    DSL = "dsl", "Designated safeguarding lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy DSL"
    ATTENDANCE_OFFICER = "attendance_officer", "Attendance officer"
    TEACHER = "teacher", "Teacher"
    PASTORAL = "pastoral", "Pastoral staff"
    # A placing school, LA CME officer or social worker: read-only and scoped.
    EXTERNAL = "external", "External (placing school or agency)"


# These roles see safeguarding records or manage users, so they must use MFA (design.md §6).
ROLES_REQUIRING_MFA = frozenset({Role.ADMIN, Role.DSL, Role.DEPUTY_DSL})
SAFEGUARDING_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL})


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey("schools.Site", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.site}"
