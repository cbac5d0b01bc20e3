"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


application_detail = public_calls = public_call = apply = _todo
