from django.contrib import admin

from .models import TerritoryMembership


@admin.register(TerritoryMembership)
class TerritoryMembershipAdmin(admin.ModelAdmin):
    """Granting access is a national (superuser) task."""

    list_display = ["user", "territory", "role"]
    list_filter = ["territory", "role"]
