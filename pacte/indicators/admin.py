from django.contrib import admin

from pacte.core.admin import TerritoryScopedAdmin

from .models import Indicator


@admin.register(Indicator)
class IndicatorAdmin(TerritoryScopedAdmin):
    list_display = ["name", "theme", "territory"]
    list_filter = ["territory", "theme__name"]
