"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


versions = version_freeze = version_detail = version_diff = _todo
