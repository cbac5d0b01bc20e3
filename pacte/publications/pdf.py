"""The pact as a print-ready A4 PDF, built only from the pact document (pacte.publications.document).

WeasyPrint renders a Django template offline (pacte.core.pdf: Marianne from django-dsfr's static files, a URL
fetcher that knows only `file:` and `data:`). The size-class chart and the perimeter map are the same
server-side SVG as on the web page, inlined. Pride images are uploaded files under MEDIA_ROOT, embedded by
their file: URI when the file exists.
"""

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pacte.core.pdf import media_uri, template_to_pdf
from pacte.territories.charts import size_classes_svg

STYLESHEET = "publications/pact-pdf.css"


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _number(value) -> str:
    """12 345 (French grouping, whatever the active locale's settings)."""
    return f"{value:,}".replace(",", "\u202f")


def pact_pdf_context(document: dict, *, version: int | None = None, published_on=None, preview: bool = False) -> dict:
    """The template's context: the document, plus what the template cannot compute (SVG, file URIs, dates)."""
    territory = document["territory"]
    territory_label = _("TI %(name)s") % {"name": territory["name"]}
    prides = [{**pride, "image_uri": media_uri(pride.get("image", ""))} for pride in document["prides"]]
    cover_uri = media_uri(document["pact"].get("cover_image", ""))
    themes = document["themes"]
    number = 0
    numbered_themes = []
    for theme in themes:
        commitments = []
        for commitment in theme["commitments"]:
            number += 1
            commitments.append({**commitment, "number": number})
        numbered_themes.append({**theme, "commitments": commitments})
    events = [{**event, "day": _date(event.get("date"))} for event in document["events"]]
    diagnostic = [axis for axis in document["diagnostic"] if axis["findings"]]
    groups = [(theme, group) for theme in themes for group in theme["groups"]]
    perimeter = document["perimeter"]
    intercommunalities = [
        {**epci, "population_display": _number(epci["population"]) if epci.get("population") is not None else ""}
        for epci in perimeter["intercommunalities"]
    ]
    return {
        "document": document,
        "intercommunalities": intercommunalities,
        "population": _number(perimeter["population"]),
        "territory": territory,
        "pact": document["pact"],
        "cover_uri": cover_uri,
        "version": version,
        "published_on": _date(published_on),
        "preview": preview,
        "size_chart": mark_safe(size_classes_svg(document["size_classes"], territory_label=territory_label)),
        "territory_label": territory_label,
        "map_svg": mark_safe(document["perimeter"].get("map_svg", "")),
        "diagnostic": diagnostic,
        "innovative": [p for p in prides if p["kind"] == "innovative"],
        "emblematic": [p for p in prides if p["kind"] != "innovative"],
        "themes": numbered_themes,
        "commitment_count": number,
        "indicator_themes": [theme for theme in themes if theme["indicators"]],
        "groups": groups,
        "events": events,
        "has_governance": bool(document["principles"] or groups or events),
        "has_acknowledgements": bool(document["pact"]["acknowledgements"] or document["acknowledged"]),
    }


def pact_pdf(
    document: dict,
    *,
    base_url: str | None = None,
    version: int | None = None,
    published_on: datetime.date | str | None = None,
    preview: bool = False,
) -> bytes:
    """The pact document as an A4 PDF (bytes).

    `version` and `published_on` print "Version N publiée le …" on the cover; `preview` marks a working copy
    of the live text (not a published version).
    """
    with translation.override(settings.LANGUAGE_CODE):  # the pact is written in French, whoever asks
        context = pact_pdf_context(document, version=version, published_on=published_on, preview=preview)
        return template_to_pdf("publications/pdf_pact.html", context, stylesheet=STYLESHEET, base_url=base_url)
