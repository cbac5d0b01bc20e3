"""Operations views: the health check of the load balancer (readiness) and a liveness ping."""

import logging
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger("pacte.health")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 did not return 1")


def _cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was just written")
    finally:
        cache.delete(key)


def _storage() -> None:
    """A round trip through the storage of uploaded files: it exists, can be written, read back and cleaned."""
    name = default_storage.save(f".sante-{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as stream:
            if stream.read() != b"ok":
                raise RuntimeError("the storage did not return what was just written")
    finally:
        default_storage.delete(name)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage}


def quiet_log(view):
    """Marks a view whose successful requests are logged at DEBUG only (probes every few seconds are noise)."""
    view.quiet_log = True
    return view


def sessionless(view):
    """Marks a view that never reads the session nor the user (probes): the session checks of
    pacte.accounts.middleware are skipped, so that it costs no session or user query."""
    view.sessionless = True
    return view


@quiet_log
@sessionless
@csrf_exempt
@require_safe
@never_cache
def health(request):
    """GET /sante/ → {"database": "ok", "cache": "ok", "storage": "ok"}, 200; 503 when one of them fails.

    Cheap (one SELECT 1, a cache round trip, a tiny file written and removed), no session read, no CSRF, no
    detail of the failure in the response (it goes to the log)."""
    report, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("health check failed: %s", name)
            report[name], healthy = "error", False
        else:
            report[name] = "ok"
    return JsonResponse(report, status=200 if healthy else 503)


@quiet_log
@sessionless
@require_safe
@never_cache
def ping(request):
    """Liveness: the process answers (no database, cache or storage). Also the smallest Django page of this server,
    what bench/page_cost.py compares the real pages with."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
