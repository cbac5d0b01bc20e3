"""Work in progress."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


overview = parcel_create = parcel_update = envelope = _todo
