"""PDF rendering shared by the apps: WeasyPrint from a Django template, offline, with the DSFR's Marianne font.

The font is read from django-dsfr's installed static files and every URL is fetched by a fetcher that
only knows `file:` and `data:`: a document never calls the network.

Every PDF is tagged (PDF/UA-1, RGAA): a structure tree in the order of the HTML (which is the reading order of
the page: the templates never reorder content with floats or absolute positions), the document language from
`<html lang="fr">`, and the title from `<title>`, shown by readers instead of the file name.
"""

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

MARIANNE = [  # (file, weight, style) in django-dsfr's static files
    ("Marianne-Regular.woff2", 400, "normal"),
    ("Marianne-Regular_Italic.woff2", 400, "italic"),
    ("Marianne-Medium.woff2", 500, "normal"),
    ("Marianne-Bold.woff2", 700, "normal"),
]


def static_uri(path: str) -> str:
    """The file: URI of a static file (found by the staticfiles finders)."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"static file {path} not found (is django-dsfr installed?)")
    return Path(found).as_uri()


@cache
def font_faces() -> str:
    """@font-face rules of the Marianne font, pointing at django-dsfr's woff2 files."""
    return "\n".join(
        f'@font-face {{ font-family: "Marianne"; src: url("{static_uri("dsfr/dist/fonts/" + name)}") '
        f'format("woff2"); font-weight: {weight}; font-style: {style}; }}'
        for name, weight, style in MARIANNE
    )


def offline_fetcher():
    """A WeasyPrint URL fetcher that never reaches the network."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file", "data"})


def media_uri(name: str) -> str:
    """The file: URI of an uploaded file (a path under settings.MEDIA_ROOT), or "" if there is no such file.

    Never a URL of the network, and never a file outside MEDIA_ROOT (a name like "../x" gives "").
    """
    from django.conf import settings

    if not name or not settings.MEDIA_ROOT:
        return ""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return ""
    return path.as_uri()


# The options of every generated PDF: PDF/UA-1 makes WeasyPrint tag the document (structure tree, /MarkInfo
# /Marked true), write /Lang from the root element's lang, the <title> as /Title and XMP dc:title, and ask
# readers to display that title (/ViewerPreferences /DisplayDocTitle).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def write_pdf(html, *, stylesheets, font_config) -> bytes:
    """A WeasyPrint HTML written with the project's PDF options (tagged PDF/UA-1).

    A template without `<html lang>` or `<title>` is a programming error: the PDF would be untitled or read in
    the wrong language by a screen reader.
    """
    from weasyprint import DEFAULT_OPTIONS

    options = {**DEFAULT_OPTIONS, **PDF_OPTIONS}
    document = html.render(font_config=font_config, **{**options, "stylesheets": stylesheets})
    if not document.metadata.lang:
        raise ValueError('a PDF needs the document language: <html lang="fr">')
    if not (document.metadata.title or "").strip():
        raise ValueError("a PDF needs a title: <title> in the template's <head>")
    return document.write_pdf(**options)


def html_to_pdf(html: str, *, stylesheet: str, base_url: str | None = None) -> bytes:
    """Render an HTML string to PDF with the Marianne font and one stylesheet (a static path, e.g. "app/x.css").

    Relative URLs of the HTML resolve against `base_url` (by default, the stylesheet's own file: URI).
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = offline_fetcher()
    font_config = FontConfiguration()
    stylesheets = [
        CSS(string=font_faces(), font_config=font_config, url_fetcher=fetcher),
        CSS(url=static_uri(stylesheet), font_config=font_config, url_fetcher=fetcher),
    ]
    return write_pdf(
        HTML(string=html, base_url=base_url or static_uri(stylesheet), url_fetcher=fetcher),
        stylesheets=stylesheets,
        font_config=font_config,
    )


def template_to_pdf(template: str, context: dict, *, stylesheet: str, base_url: str | None = None) -> bytes:
    """Render a Django template to PDF (see html_to_pdf)."""
    return html_to_pdf(render_to_string(template, context), stylesheet=stylesheet, base_url=base_url)
