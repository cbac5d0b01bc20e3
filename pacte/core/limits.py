"""Requests too large are refused before their body is read: the Content-Length header is checked first, so a 60 MB
upload is not received (nor spooled to disk) to be refused afterwards. The largest legitimate request is a land
application (5 attachments of 10 Mo each, and the form): settings.MAX_REQUEST_BYTES is a little above it."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _


def request_too_large(request, limit: int):
    response = render(request, "413.html", {"limit_mb": limit // (1024 * 1024)}, status=413)
    response["Connection"] = "close"  # the body that was not read must not be taken for the next request
    return response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return render(request, "400.html", {"reason": _("Longueur de requête invalide.")}, status=400)
        if length > limit:
            return request_too_large(request, limit)
        return self.get_response(request)
