from django.contrib import admin

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin

from .models import EconomicEvent, GovernancePrinciple, ThematicGroup


@admin.register(GovernancePrinciple)
class GovernancePrincipleAdmin(TerritoryScopedAdmin):
    list_display = ["title", "territory", "order"]
    list_filter = [("territory", SCOPED_FILTER)]


@admin.register(ThematicGroup)
class ThematicGroupAdmin(TerritoryScopedAdmin):
    list_display = ["name", "theme", "territory"]
    list_filter = [("territory", SCOPED_FILTER)]


@admin.register(EconomicEvent)
class EconomicEventAdmin(TerritoryScopedAdmin):
    list_display = ["name", "date", "organiser", "territory"]
    list_filter = [("territory", SCOPED_FILTER)]
