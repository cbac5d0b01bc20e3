"""The back-office: Django's admin, scoped to the territories of the signed-in team."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from pacte.core.access import territory_ids_for_request
from pacte.core.models import JournalEntry, TerritoryOwned
from pacte.territories.models import Territory

admin.site.site_header = _("Pacte industrie-territoire — espace de gestion")
admin.site.site_title = _("Espace de gestion")
admin.site.index_title = _("Contenu de mon territoire")
admin.site.site_url = "/espace/"


def _admin_sign_in_form():
    from pacte.accounts.forms import AdminSignInForm

    return AdminSignInForm


admin.site.login_form = _admin_sign_in_form()

# Filters on a relation list only the values present in the (scoped) rows, never the whole table.
SCOPED_FILTER = admin.RelatedOnlyFieldListFilter


class TerritoryScopedAdmin(admin.ModelAdmin):
    """A team sees and changes only the rows of its own territories; read-only members only read.

    `territory_path` is the lookup from the model to its territory.
    """

    territory_path = "territory"

    def _writable(self, request):
        return territory_ids_for_request(request, write=True)

    def _readable(self, request):
        return territory_ids_for_request(request)

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
        return request.user.is_active and request.user.is_staff and bool(self._readable(request))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self._territory_of(obj).pk in self._readable(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_staff and bool(self._writable(request))
        return self._territory_of(obj).pk in self._writable(request)

    def has_add_permission(self, request, obj=None):
        return request.user.is_staff and bool(self._writable(request))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.territory_path == "territory":
            fields.append("territory")  # a row never moves to another territory
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Territory:
            kwargs["queryset"] = Territory.objects.filter(pk__in=self._writable(request))
        elif issubclass(related, TerritoryOwned) and not request.user.is_superuser:
            kwargs["queryset"] = related.objects.filter(territory__in=self._writable(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if issubclass(related, TerritoryOwned) and not request.user.is_superuser:
            kwargs["queryset"] = related.objects.filter(territory__in=self._writable(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if self._territory_of(obj).pk not in self._writable(request):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class TerritoryScopedInline:
    """Inline rows follow their parent's access (the parent admin is already scoped)."""

    @staticmethod
    def _territory_id(obj):
        return obj.pk if isinstance(obj, Territory) else obj.territory_id

    def has_view_permission(self, request, obj=None):
        readable = territory_ids_for_request(request)
        return bool(readable) if obj is None else self._territory_id(obj) in readable

    def has_change_permission(self, request, obj=None):
        writable = territory_ids_for_request(request, write=True)
        return bool(writable) if obj is None else self._territory_id(obj) in writable

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.register(JournalEntry)
class JournalEntryAdmin(TerritoryScopedAdmin):
    list_display = ["created_at", "territory", "verb", "message", "actor"]
    list_filter = [("territory", SCOPED_FILTER), "verb"]
    list_select_related = ["territory", "actor"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
