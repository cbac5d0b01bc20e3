from django.contrib import admin

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin, TerritoryScopedInline

from .models import Commitment, CompanyAction, TerritoryAction, Theme


class CompanyActionInline(TerritoryScopedInline, admin.StackedInline):
    model = CompanyAction
    fields = ["text", "details", "order"]
    extra = 0


class TerritoryActionInline(TerritoryScopedInline, admin.StackedInline):
    model = TerritoryAction
    fields = ["text", "details", "order"]
    extra = 0


@admin.register(Theme)
class ThemeAdmin(TerritoryScopedAdmin):
    list_display = ["name", "code", "territory", "order"]
    list_filter = [("territory", SCOPED_FILTER)]


@admin.register(Commitment)
class CommitmentAdmin(TerritoryScopedAdmin):
    list_display = ["title", "theme", "territory"]
    list_filter = [("territory", SCOPED_FILTER), ("theme", SCOPED_FILTER)]
    search_fields = ["title", "short_title"]
    inlines = [CompanyActionInline, TerritoryActionInline]
