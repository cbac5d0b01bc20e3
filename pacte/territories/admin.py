from django.contrib import admin

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin

from .models import KeyFigure, SizeClassShare, Territory


@admin.register(Territory)
class TerritoryAdmin(TerritoryScopedAdmin):
    territory_path = "pk"
    list_display = ["name", "region", "department", "slug", "archived_at"]
    filter_horizontal = ["intercommunalities"]
    # The slug never changes here (published links); archiving and deleting are ANCT's pages (/espace/territoires/).
    readonly_fields = ["slug", "archived_at"]

    def _territory_of(self, obj):
        return obj

    def get_queryset(self, request):
        qs = super(TerritoryScopedAdmin, self).get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self._readable(request))

    def has_add_permission(self, request, obj=None):
        # New territories are created from the template (page "Nouveau territoire" or command).
        return False

    def has_delete_permission(self, request, obj=None):
        # Deletion is ANCT's page "Supprimer" (never-published territories only, name typed, journalled): the admin's
        # would skip those rules, and refuses anyway (a pact, its published versions, cannot be deleted in it).
        return False

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "intercommunalities"]


@admin.register(KeyFigure)
class KeyFigureAdmin(TerritoryScopedAdmin):
    list_display = ["value", "label", "territory", "order"]
    list_filter = [("territory", SCOPED_FILTER)]


@admin.register(SizeClassShare)
class SizeClassShareAdmin(TerritoryScopedAdmin):
    list_display = ["size_class", "territory_share", "national_share", "territory"]
    list_filter = [("territory", SCOPED_FILTER)]
