from django.contrib import admin

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin

from .models import Contact, Stakeholder


@admin.register(Stakeholder)
class StakeholderAdmin(TerritoryScopedAdmin):
    list_display = ["name", "category", "group", "acknowledged", "territory"]
    list_filter = [("territory", SCOPED_FILTER), "category", "acknowledged"]
    search_fields = ["name"]


@admin.register(Contact)
class ContactAdmin(TerritoryScopedAdmin):
    list_display = ["last_name", "first_name", "stakeholder", "priority", "contacted_by", "status", "territory"]
    list_filter = [("territory", SCOPED_FILTER), "priority", "status"]
    list_select_related = ["stakeholder", "territory"]
    search_fields = ["last_name", "first_name", "stakeholder__name"]
