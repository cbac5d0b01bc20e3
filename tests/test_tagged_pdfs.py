"""Every generated PDF is tagged (RGAA, PDF/UA-1): a structure tree, the document language, a title shown by the
reader, and a reading order that follows the page (issue 17).

The PDFs are compressed (their catalog sits in an object stream), so the checks inflate every Flate stream and
read the bytes: /StructTreeRoot, /MarkInfo << /Marked true >>, /Lang (fr), /Title and /DisplayDocTitle true.
"""

import datetime
import re
import shutil
import subprocess
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.core.pdf import html_to_pdf
from pacte.land.services_committee import allocation_record, decision_sign, opinion_set
from pacte.publications.document import pact_document
from pacte.publications.pdf import pact_pdf
from pacte.workshops.documents import handout_pdf, link_sheet_pdf, synthesis_pdf
from pacte.workshops.models import WorkshopKind
from pacte.workshops.services import workshop_create
from tests.test_land_committee import complete_scoring, make_call, member, score_all

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def inflated(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream decompressed after it (object streams hold the catalog)."""
    parts = [pdf]
    for match in STREAM.finditer(pdf):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # an image or a font in another encoding
    return b"\n".join(parts)


def pdf_title(data: bytes) -> str:
    """The /Title of the document information dictionary (a UTF-16 hex string or a literal)."""
    match = re.search(rb"/Producer \(WeasyPrint[^)]*\)/Title (<feff[0-9a-f]+>|\([^)]*\))", data)
    assert match, "no /Title in the document information"
    raw = match.group(1)
    if raw.startswith(b"<"):
        return bytes.fromhex(raw[1:-1].decode()).decode("utf-16")
    return raw[1:-1].decode("latin-1")


def assert_tagged(pdf: bytes, title_contains: str) -> None:
    assert pdf.startswith(b"%PDF")
    data = inflated(pdf)
    assert b"/StructTreeRoot" in data, "untagged PDF: no structure tree"
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true\s*>>", data), "no /MarkInfo << /Marked true >>"
    assert re.search(rb"/Lang\s*\(fr\)", data), "the document language is not French"
    assert re.search(rb"/DisplayDocTitle\s+true", data), "readers would show the file name, not the title"
    assert re.search(rb"/S\s*/H1\b", data), "no heading in the structure tree"
    assert title_contains in pdf_title(data)


@pytest.fixture
def workshop(territory_a):
    return workshop_create(
        territory=territory_a,
        kind=WorkshopKind.COMMITMENTS,
        title="Atelier des engagements du 12 mars",
        starts_at=timezone.make_aware(datetime.datetime(2025, 3, 12, 14, 0)),
        place="Salle Pierre Loti, Rochefort",
    )


def test_the_pact_pdf_is_tagged_in_french_with_its_title(client, territory_a):
    response = client.get(reverse("documents:pdf", args=[territory_a.slug]))
    assert response.status_code == 200
    assert_tagged(response.content, territory_a.name)


def test_the_pact_pdf_reads_in_the_order_of_the_page(territory_a):
    """The structure tree follows the document: the cover's title first, then the sections' headings in order."""
    pdf = pact_pdf(pact_document(territory_a))
    assert len(re.findall(rb"/S\s*/H[12]\b", inflated(pdf))) > 5
    # WeasyPrint numbers marked content in the order of the HTML: on the cover page, the /MCID follow each other.
    contents = [_inflate(m.group(1)) for m in STREAM.finditer(pdf)]
    cover = next(content for content in contents if b"/MCID" in content)
    mcids = [int(n) for n in re.findall(rb"/MCID (\d+)", cover)]
    assert len(mcids) > 3 and mcids == sorted(mcids)


def _inflate(raw: bytes) -> bytes:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return b""


def test_the_workshop_documents_are_tagged(workshop):
    assert_tagged(handout_pdf(workshop=workshop), "Les engagements réciproques")
    assert_tagged(link_sheet_pdf(workshop=workshop, url="https://example.org/a/xyz/"), workshop.title)
    assert_tagged(synthesis_pdf(workshop=workshop), "Synthèse de l'atelier")


def test_the_land_decision_pdf_is_tagged(territory_a, alice, client_for):
    call, criteria, apps, _parcel = make_call(territory_a)
    m1 = member(call)
    score_all(m1, apps, criteria, {0: [5, 5], 1: [3, 3], 2: [1, 1]}, alice)
    for application in apps:
        opinion_set(call=call, application=application, opinion="favourable", justification="Solide", actor=alice)
    complete_scoring(call)
    decision = decision_sign(call=call, actor=alice)
    allocation_record(decision=decision, application=apps[0], reason="", actor=alice)
    response = client_for(alice).get(reverse("land:decision_pdf", args=[territory_a.slug, call.pk]))
    assert response.status_code == 200
    assert_tagged(response.content, "Avis du comité ad hoc")


def test_a_pdf_without_language_or_title_is_refused():
    with pytest.raises(ValueError, match="language"):
        html_to_pdf(
            "<html><head><title>T</title></head><body><h1>T</h1></body></html>", stylesheet="publications/pact-pdf.css"
        )
    with pytest.raises(ValueError, match="title"):
        html_to_pdf(
            '<html lang="fr"><head></head><body><h1>T</h1></body></html>', stylesheet="publications/pact-pdf.css"
        )


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_tagged_pact_still_renders(territory_a, tmp_path):
    """Tagging changes no pixel of substance: the cover renders, not a blank page."""
    from PIL import Image

    path = tmp_path / "pact.pdf"
    path.write_bytes(pact_pdf(pact_document(territory_a)))
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01


def test_the_interview_sheet_is_tagged(client_for, alice, territory_a):
    response = client_for(alice).get(reverse("interviews:sheet", args=[territory_a.slug]))
    assert response.status_code == 200
    assert_tagged(b"".join(response.streaming_content) if response.streaming else response.content, "Fiche d'entretien")
