"""One log line per request: method, path, status, duration, user (id only), client address."""

import logging
import time

from django.conf import settings
from django.utils.functional import empty

logger = logging.getLogger("pacte.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status in (403, 429) else logging.INFO
        view = getattr(getattr(request, "resolver_match", None), "func", None)
        if level == logging.INFO and (
            getattr(view, "quiet_log", False) or request.path.startswith(settings.STATIC_URL)
        ):
            # health probes of the load balancer, every few seconds, and static files (whitenoise): only when failing
            level = logging.DEBUG
        logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                # request.user is lazy: reading it loads the session; only when the view already did
                "user_id": user.pk if user is not None and _user_loaded(request) and user.is_authenticated else None,
                "client": request.META.get("REMOTE_ADDR", ""),
            },
        )
        return response


def _user_loaded(request) -> bool:
    """Whether the lazy request.user was already evaluated (so that logging it costs no session or user query)."""
    user = request.__dict__.get("user")
    return user is not None and getattr(user, "_wrapped", None) is not empty
