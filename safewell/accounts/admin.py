"""The Django admin (/django-admin/, staff only) for users and their memberships.

Staff sign in through allauth like everyone else, so the admin gets the lock-out and MFA too:
Django's own admin login form would skip both.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from safewell.accounts.models import ApiToken, Membership, User


def sign_in_through_allauth(request: HttpRequest, extra_context=None) -> HttpResponse:
    if request.user.is_authenticated:
        # Signed in but not staff: sending them to sign in again would loop.
        raise PermissionDenied("The Django admin is for staff accounts only.")
    next_url = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


admin.site.login = sign_in_through_allauth
admin.site.site_header = "Safewell administration"
admin.site.site_title = "Safewell administration"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff", "last_login"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "site", "created_at"]
    list_filter = ["role", "site__organisation", "site"]
    search_fields = ["user__username", "user__email", "site__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "site"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are made on /staff/tokens/ or by `safewell api_token_create`."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
