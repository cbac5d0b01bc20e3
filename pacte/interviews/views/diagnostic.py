"""Work in progress."""

from django.http import Http404


def _todo(request, slug, pk=None):
    raise Http404


diagnostic = finding_update = finding_merge = _todo
