"""The material gathered for a theme (interview ideas, findings, post-its), each usable to write its commitments."""

from django.http import Http404


def theme(request, slug, theme_pk):
    raise Http404
