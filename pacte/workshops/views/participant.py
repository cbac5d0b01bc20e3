"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


workshop_page = personal_link = react = post_it = _todo
