"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


committee = scoring = ranking_page = decision = decision_pdf = _todo
