"""Form widgets of the DSFR that django-dsfr does not give by itself."""

from django import forms


class UploadInput(forms.FileInput):
    """A file input in the DSFR upload component: `fr-upload-group` around, `fr-upload` on the input (django-dsfr's
    field template reads the widget's `group_class`)."""

    group_class = "fr-upload-group"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "fr-upload", **(attrs or {})})
