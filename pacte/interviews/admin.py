from django import forms
from django.contrib import admin
from django.urls import reverse

from pacte.core.admin import SCOPED_FILTER, TerritoryScopedAdmin, TerritoryScopedInline

from .forms_prides import image_check
from .models import DiagnosticAxis, Finding, Interview, Pride


class FindingInline(TerritoryScopedInline, admin.TabularInline):
    model = Finding
    fields = ["kind", "text", "order"]
    extra = 1


@admin.register(DiagnosticAxis)
class DiagnosticAxisAdmin(TerritoryScopedAdmin):
    list_display = ["name", "territory", "order"]
    list_filter = [("territory", SCOPED_FILTER)]
    inlines = [FindingInline]


class _LookupURL(str):
    """The stored file's name, with the URL of the view that serves it (media are never served by path)."""

    url = ""


class LookupFileInput(forms.ClearableFileInput):
    def __init__(self, *args, url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_url = url

    def format_value(self, value):
        if self.is_initial(value):
            named = _LookupURL(value.name)
            named.url = self.lookup_url
            return named
        return super().format_value(value)


class PrideAdminForm(forms.ModelForm):
    """The admin checks images as the prides pages do, and links the current image to its access-checked view."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pride = self.instance
        if pride.pk and pride.image:
            url = reverse("interviews:pride_image", args=[pride.territory.slug, pride.pk])
            self.fields["image"].widget = LookupFileInput(url=url, attrs=self.fields["image"].widget.attrs)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            image_check(image)
        return image


@admin.register(Pride)
class PrideAdmin(TerritoryScopedAdmin):
    form = PrideAdminForm
    list_display = ["product", "company", "place", "kind", "territory"]
    list_filter = [("territory", SCOPED_FILTER), "kind"]


@admin.register(Interview)
class InterviewAdmin(TerritoryScopedAdmin):
    list_display = ["__str__", "held_on", "status", "territory"]
    list_filter = [("territory", SCOPED_FILTER), "status"]
    list_select_related = ["territory", "stakeholder"]
