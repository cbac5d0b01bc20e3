from django.contrib import admin

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin

from .models import Indicator


@admin.register(Indicator)
class IndicatorAdmin(TerritoryScopedAdmin):
    list_display = ["name", "theme", "territory"]
    list_filter = [("territory", SCOPED_FILTER), ("theme", SCOPED_FILTER)]
