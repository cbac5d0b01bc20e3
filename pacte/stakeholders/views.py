"""Pages of the stakeholder tracking file (work in progress: filled in by the tracking-file work)."""

from django.http import Http404


def tracking_file(request, slug):
    raise Http404


contact_create = contact_update = import_upload = export = tracking_file


def import_preview(request, slug, pk):
    raise Http404


contact_update = import_preview
