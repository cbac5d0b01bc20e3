from django import forms
from django.contrib import admin

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


class PrideAdminForm(forms.ModelForm):
    """The admin checks images as the prides pages do."""

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
