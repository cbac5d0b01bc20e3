"""Work in progress."""

from django.http import Http404


def _todo(request, slug, pk=None):
    raise Http404


campaign = interview_create = interview_detail = _todo
