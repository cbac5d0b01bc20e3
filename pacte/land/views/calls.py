"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


call_create = call_detail = grid = call_status = _todo
