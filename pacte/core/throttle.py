"""Throttling of anonymous and costly writes, through the cache (Redis when REDIS_URL is set, so that every server
process counts together).

    throttle(scope="land-application", key=client_address(request), limit=5, period=3600)

counts one attempt in a fixed window of `period` seconds and raises `Throttled` past `limit`; the middleware turns
it into a French 429 page that says when to try again (and a Retry-After header).
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass
class Throttled(Exception):
    retry_after: int  # seconds
    scope: str = ""


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, which gunicorn behind a trusted proxy (forwarded_allow_ips) already sets
    from X-Forwarded-For; never the header itself, which any client can forge."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _cache_key(scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def throttle(*, scope: str, key: str, limit: int, period: int, now: float | None = None) -> int:
    """Count one attempt of `key` in `scope`; raise Throttled past `limit` attempts in the current window.

    Returns the number of attempts counted in the window, this one included."""
    now = time.time() if now is None else now
    window = int(now // period)
    cache_key = _cache_key(scope, key, window)
    # add() is a no-op when the counter exists; incr() is atomic on Redis. On the file cache two processes may
    # count the same attempt once: a throttle, not an accounting.
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        raise Throttled(retry_after=max(1, math.ceil((window + 1) * period - now)), scope=scope)
    return count


def throttle_count(*, scope: str, key: str, period: int, now: float | None = None) -> tuple[int, int]:
    """The attempts of `key` counted in the current window, and the seconds until that window ends."""
    now = time.time() if now is None else now
    window = int(now // period)
    return cache.get(_cache_key(scope, key, window)) or 0, max(1, math.ceil((window + 1) * period - now))


def throttle_reset(*, scope: str, key: str, period: int, now: float | None = None) -> None:
    """Forget the attempts of `key` in the current window (e.g. after a successful sign-in)."""
    now = time.time() if now is None else now
    cache.delete(_cache_key(scope, key, int(now // period)))


def retry_after_text(seconds: int) -> str:
    if seconds < 60:
        return ngettext("dans %(n)d seconde", "dans %(n)d secondes", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext("dans %(n)d minute", "dans %(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("dans %(n)d heure", "dans %(n)d heures", hours) % {"n": hours}


def too_many_requests(request, retry_after: int):
    response = render(
        request,
        "429.html",
        {"retry_after": retry_after, "retry_after_text": retry_after_text(retry_after), "title": _("Trop de demandes")},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


class ThrottleMiddleware:
    """Turns a Throttled raised by a view into the French 429 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Throttled):
            return too_many_requests(request, exception.retry_after)
        return None
