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
    list_filter = [("territory", SCOPED_FILTER), ("theme", SCOPED_FILTER)]
    search_fields = ["title", "short_title"]
    inlines = [CompanyActionInline, TerritoryActionInline]
    list_display = ["title", "theme", "from_template", "territory"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        commitment = form.instance
        if commitment.from_template and (form.has_changed() or any(f.has_changed() for f in formsets)):
            # Edited by the territory: no longer the generic text of the template.
            commitment.from_template = False
            commitment.save(update_fields=["from_template"])
