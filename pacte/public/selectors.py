"""Everything the public pact page shows, read from the pact DOCUMENT (a frozen version, or the team's preview).

The page never reads the live models of a published pact: it reads the dictionary frozen in its PactVersion
(pacte.publications.document), so a published version never changes when the data change later.
"""

import datetime
import json
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils.safestring import mark_safe

from pacte.core.access import territory_ids_for_request
from pacte.interviews.models import Pride
from pacte.publications.models import PactVersion
from pacte.publications.selectors import document_for_request
from pacte.territories.charts import size_classes_svg


def version_picture(territory, number: int, index: int) -> str:
    """The stored name of the picture of the `index`-th pride frozen in version `number` ('' if none)."""
    lists = PactVersion.objects.for_territory(territory).filter(number=number).values_list(KT("content__prides"))
    found = lists.first()  # 1 query, the prides only (not the whole document)
    prides = json.loads(found[0] or "[]") if found else []
    return prides[index].get("image", "") if 0 <= index < len(prides) else ""


def _image_urls(territory, document, version) -> dict[str, str]:
    """The URL of each picture the document shows, by its stored name: a view that looks it up (never a /media/
    path). A picture whose file is gone (a frozen version may outlive it) has none."""
    if version is not None:
        return {
            pride["image"]: reverse("public:pride_image", args=[territory.slug, version.number, index])
            for index, pride in enumerate(document["prides"])
            if pride["image"] and default_storage.exists(pride["image"])
        }
    # The team's preview of the live text: its prides' own pictures (1 query).
    names = {pride["image"] for pride in document["prides"] if pride["image"]}
    return {
        name: reverse("interviews:pride_image", args=[territory.slug, pk])
        for name, pk in Pride.objects.for_territory(territory).filter(image__in=names).values_list("image", "pk")
        if default_storage.exists(name)
    }


def _prides(document, kind, image_urls) -> list[dict]:
    return [
        {**pride, "image_url": image_urls.get(pride["image"], "")}
        for pride in document["prides"]
        if pride["kind"] == kind
    ]


def _events(document) -> list[dict]:
    return [{**event, "date": datetime.date.fromisoformat(event["date"])} for event in document["events"]]


def _download_urls(territory, version) -> dict:
    """The PDF and the PowerPoint file of the text shown: the same version, or the same preview."""
    query = "?" + urlencode({"version": version.number} if version else {"apercu": "1"})
    return {
        "pdf_url": reverse("documents:pdf", args=[territory.slug]) + query,
        "pptx_url": reverse("documents:pptx", args=[territory.slug]) + query,
    }


def pact_page(request, territory) -> dict:
    """The context of the public pact page: 2 queries for a published version, the live document for a preview."""
    document, version = document_for_request(request, territory)  # 1 query (a version), ~20 (the live preview)
    versions = list(PactVersion.objects.for_territory(territory).defer("content").order_by("-number"))  # 1 query
    latest = versions[0] if versions else None
    image_urls = _image_urls(territory, document, version)  # no query for a version, 1 for the preview
    return {
        "territory": territory,
        "document": document,
        "pact": document["pact"],
        # The text shown: a published version (None for the team's preview of the live text).
        "version": version,
        "latest_version": latest,
        "is_latest": version is not None and version.number == latest.number,
        "is_preview": version is None,
        "versions": versions,
        "can_preview": territory.pk in territory_ids_for_request(request),  # no query for a citizen
        "size_classes_chart": mark_safe(  # built with format_html: every value is escaped
            size_classes_svg(document["size_classes"], territory_label=document["territory"]["name"])
        ),
        "perimeter_svg": mark_safe(document["perimeter"]["map_svg"]),  # built with format_html, frozen as str
        "innovative_prides": _prides(document, "innovative", image_urls),
        "emblematic_prides": _prides(document, "emblematic", image_urls),
        "events": _events(document),
        **_download_urls(territory, version),
    }
