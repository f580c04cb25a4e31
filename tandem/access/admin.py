from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tandem.access.login import ThrottledAdminAuthenticationForm
from tandem.access.models import ApiToken, Team, User


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "team", "is_active", "is_available_for_leads")
    list_filter = ("role", "team", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Tandem", {"fields": ("role", "team", "is_available_for_leads")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash")


# Django's admin login is a sign-in door like /login/: the same throttle holds it.
admin.site.login_form = ThrottledAdminAuthenticationForm
