"""Work in progress."""

from django.http import Http404


def _todo(request, slug, pk=None):
    raise Http404


prides = pride_create = pride_update = pride_delete = _todo
