"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


workshop_list = workshop_create = workshop_detail = invite = status = _todo
