"""The back-office: Django's admin, scoped to the territories of the signed-in team."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from pacte.core.access import territories_for_user
from pacte.core.models import JournalEntry, TerritoryOwned

admin.site.site_header = _("Pacte industrie-territoire — espace de gestion")
admin.site.site_title = _("Espace de gestion")
admin.site.index_title = _("Contenu de mon territoire")
admin.site.site_url = "/espace/"


class TerritoryScopedAdmin(admin.ModelAdmin):
    """A team sees and changes only the rows of its own territories; read-only members only read.

    `territory_path` is the lookup from the model to its territory.
    """

    territory_path = "territory"

    def _writable(self, request):
        return territories_for_user(request.user, write=True)

    def _readable(self, request):
        return territories_for_user(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.territory_path}__in": self._readable(request)})

    def _territory_of(self, obj):
        for part in self.territory_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._readable(request).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self._readable(request).filter(pk=self._territory_of(obj).pk).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_staff and self._writable(request).exists()
        return self._writable(request).filter(pk=self._territory_of(obj).pk).exists()

    def has_add_permission(self, request, obj=None):
        return request.user.is_staff and self._writable(request).exists()

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related._meta.label == "territories.Territory":
            kwargs["queryset"] = self._writable(request)
        elif issubclass(related, TerritoryOwned) and not request.user.is_superuser:
            kwargs["queryset"] = related.objects.filter(territory__in=self._writable(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        territory = self._territory_of(obj)
        if not self._writable(request).filter(pk=territory.pk).exists():
            raise PermissionDenied
        super().save_model(request, obj, form, change)


@admin.register(JournalEntry)
class JournalEntryAdmin(TerritoryScopedAdmin):
    list_display = ["created_at", "territory", "verb", "message", "actor"]
    list_filter = ["verb"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TerritoryScopedInline:
    """Inline rows follow their parent's access (the parent admin is already scoped)."""

    def _parent_writable(self, request, obj):
        if obj is None:
            return territories_for_user(request.user, write=True).exists()
        territory_id = obj.pk if obj._meta.label == "territories.Territory" else obj.territory_id
        return territories_for_user(request.user, write=True).filter(pk=territory_id).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return territories_for_user(request.user).exists()
        return territories_for_user(request.user).filter(pk=obj.territory_id).exists()

    def has_change_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_writable(request, obj)
