"""The public page of a published version, rendered once per version and kept in Django's cache.

A published version never changes, so its page reads the same for every anonymous visitor until something
that the page shows changes: a new publication (the page of every version then names the latest one) or a
version withdrawn. The key carries all of that: the territory (pk and slug), the version shown, every version
of the territory (pk, number, date frozen: one small query, never cached), the pact's state (withdrawn from
publication or not, read with the territory), the language, and the release (the
templates' dates and the static files' manifest), so that nothing is ever invalidated by hand and a stale key
simply expires.

Only anonymous visitors share a rendering: a signed-in user's page shows their own header (and, for the
territory's team, the preview link), so it is rendered for them and never stored. `?apercu=1` and pages
carrying a flash message are never cached either.
"""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from .models import PactVersion

PAGE_TIMEOUT = 24 * 60 * 60  # keys change with the content; the timeout only clears keys no longer asked for


@functools.cache
def _release() -> str:
    """What changes the page's HTML at a deployment: the templates (their dates) and the hashed static files."""
    parts = [getattr(staticfiles_storage, "manifest_hash", "") or ""]
    folders = [Path(folder) for folder in settings.TEMPLATES[0].get("DIRS", [])]
    folders.append(Path(__file__).resolve().parent.parent / "public" / "templates")
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            parts.append(f"{path}:{path.stat().st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def public_page_cache_key(request, territory) -> str | None:
    """The cache key of the page this request reads, or None when its rendering must not be shared."""
    if request.method != "GET" or request.user.is_authenticated or request.GET.get("apercu"):
        return None
    if len(messages.get_messages(request)):  # a message for this visitor only (counting does not consume it)
        return None
    wanted = request.GET.get("version", "")
    if wanted and not wanted.isdigit():
        return None
    versions = list(
        PactVersion.objects.for_territory(territory).order_by("-number").values_list("pk", "number", "created_at")
    )
    if not versions:  # a pact published before versions were frozen: the page freezes it, next time is cached
        return None
    shown = int(wanted) if wanted else versions[0][1]
    if shown not in {number for _, number, _ in versions}:
        return None  # 404, rendered by the view
    signature = ";".join(f"{pk}.{number}.{created.isoformat()}" for pk, number, created in versions)
    pact = territory.pact  # selected with the territory: a withdrawal (or a republication) changes the key
    state = f"{pact.status}.{pact.withdrawn_at.isoformat() if pact.withdrawn_at else ''}"
    parts = f"{territory.slug}|{shown}|{signature}|{state}|{get_language()}|{_release()}"
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    return f"pacte:public-pact:{territory.pk}:v{shown}:{digest}"


def cached_public_page(request, territory, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page from the cache for an anonymous visitor, else `render()` (stored when it may be shared)."""
    key = public_page_cache_key(request, territory)
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
    response = render()
    if key is not None and response.status_code == 200 and not response.streaming:
        cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT)
    return response
