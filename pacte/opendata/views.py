"""The open-data page and files under /donnees/ (public, read-only, throttled per address, cacheable)."""

import json

from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_GET

from pacte.core.throttle import client_address, throttle

from .datasets import BY_NAME, DATASETS, LICENSE
from .exports import CACHE_SECONDS, FORMATS, datapackage, dataset_urls, export_file, schema_descriptor
from .selectors import public_territories

DOWNLOADS_PER_MINUTE = 60  # per address: a script downloading every file in both formats stays far below


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@require_GET
def index(request):
    datasets = [{"dataset": d, "urls": dataset_urls(d)} for d in DATASETS]
    last_published = public_territories().aggregate(last=Max("pact__published_on"))["last"]  # 1 query
    return _public(
        render(
            request,
            "opendata/index.html",
            {"datasets": datasets, "license": LICENSE, "last_published": last_published},
        )
    )


@require_GET
def dataset(request, name, fmt):
    if name not in BY_NAME or fmt not in FORMATS:
        raise Http404
    throttle(scope="opendata", key=client_address(request), limit=DOWNLOADS_PER_MINUTE, period=60)
    exported = export_file(name, fmt)
    etag = f'"{exported.etag}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return _public(not_modified)
    response = HttpResponse(exported.content, content_type=FORMATS[fmt])
    response["ETag"] = etag
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    response["X-Generated-At"] = exported.generated_at
    return _public(response)


@require_GET
def schema(request, name):
    if name not in BY_NAME:
        raise Http404
    return _public(JsonResponse(schema_descriptor(BY_NAME[name]), json_dumps_params={"ensure_ascii": False}))


@require_GET
def package(request):
    content = json.dumps(datapackage(), ensure_ascii=False, indent=2)
    return _public(HttpResponse(content, content_type="application/json"))
