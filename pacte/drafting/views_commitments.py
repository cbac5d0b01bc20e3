"""The commitments and actions of one theme, written in the workspace (step 3)."""

from django.http import Http404


def theme(request, slug, theme_pk):
    raise Http404
