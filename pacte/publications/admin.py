from django.contrib import admin

from pacte.core.admin import TerritoryScopedAdmin

from .models import Pact


@admin.register(Pact)
class PactAdmin(TerritoryScopedAdmin):
    list_display = ["title", "territory", "status", "version", "published_on"]
    readonly_fields = ["status", "version", "published_on"]

    def has_add_permission(self, request, obj=None):
        return False  # a territory's pact is created with the territory

    def has_delete_permission(self, request, obj=None):
        return False
