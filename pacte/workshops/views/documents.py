"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


handout = link_sheet = results_xlsx = synthesis = _todo
