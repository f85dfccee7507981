"""Users and their memberships: what each person may do, and where."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships, not from here."""

    # Bumped whenever one of this user's memberships changes. Sessions cache the user's roles
    # (for the MFA gate and the idle timeout) keyed by this number, so a new role takes effect
    # on the very next request without a roles query on every request.
    roles_version = models.PositiveIntegerField(default=0, editable=False)

    def save(self, *args, **kwargs) -> None:
        # Only the membership receiver moves roles_version (with an UPDATE ... + 1). A full
        # save of a User loaded earlier must not write back its stale number.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "roles_version"
            ]
        super().save(*args, **kwargs)

    class Meta(AbstractUser.Meta):
        constraints = [
            # People sign in by email as well as by username, so an email names one person.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message="Another user already has this email address.",
            ),
        ]


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


class ApiToken(models.Model):
    """A per-user token for an integration (an MIS, an LA system) calling /api/.

    Only a SHA-256 of the token is stored: a copy of the database is not a set of working
    credentials. The first characters (`prefix`) are kept in the clear so people can tell
    their tokens apart, and so a lookup is one indexed query.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="api_token_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
