"""The pact as a print-ready PDF (issue #5): everything the document says is in it, pictures render, versions
stay frozen, drafts stay with their team.

The text is read back with poppler's pdftotext in `-raw` mode (content-stream order): `-layout` would interleave
the two side-by-side columns of the commitments (companies | territory) line by line, cutting every long action
in pieces. Pages are rendered with pdftoppm. Without poppler-utils, those assertions are skipped.
"""

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
from django.urls import reverse

from pacte.commitments.models import Commitment
from pacte.core.pdf import media_uri
from pacte.publications.document import pact_document
from pacte.publications.models import PactVersion
from pacte.publications.pdf import pact_pdf

POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed")

_cache: dict[str, object] = {}  # one Rochefort PDF for the module: the data are the session's reference case


def _url(territory, **query):
    url = reverse("documents:pdf", args=[territory.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def normalised(text: str) -> str:
    """Whitespace collapsed; a line broken after a hyphen or a slash joined again; ligatures decomposed."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=[-/]) ", "", text).strip()


def pdf_text(content: bytes, *, mode: str = "-raw") -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return subprocess.run(["pdftotext", mode, file.name, "-"], capture_output=True, text=True, check=True).stdout


def rochefort(client, territory_a) -> tuple[bytes, dict]:
    """The published Rochefort PDF as a citizen gets it, and the document it was built from."""
    if "pdf" not in _cache:
        response = client.get(_url(territory_a))
        assert response.status_code == 200
        _cache["pdf"] = response.content
        _cache["disposition"] = response["Content-Disposition"]
        _cache["document"] = PactVersion.objects.for_territory(territory_a).order_by("-number").first().content
    return _cache["pdf"], _cache["document"]


def expected_texts(document: dict) -> list[str]:
    texts = [document["pact"]["editorial_title"], *document["pact"]["ambitions"]]
    for theme in document["themes"]:
        texts.append(theme["name"])
        for commitment in theme["commitments"]:
            texts += [
                commitment["title"],
                commitment["company_intro"],
                commitment["territory_intro"],
                commitment["note"],
            ]
            for action in commitment["company_actions"] + commitment["territory_actions"]:
                texts += [action["text"], *action["details"]]
        texts += theme["indicators"]
        for group in theme["groups"]:
            texts += [group["name"], *group["objectives"], *group["example_indicators"], *group["partners"]]
    texts += [finding["text"] for axis in document["diagnostic"] for finding in axis["findings"]]
    texts += [event["name"] for event in document["events"]]
    texts += [principle["title"] for principle in document["principles"]]
    texts += [pride["product"] for pride in document["prides"]]
    texts += [epci["name"] for epci in document["perimeter"]["intercommunalities"]]
    texts += [group["group"] for group in document["acknowledged"] if group["group"]]
    return [text for text in texts if text]


def test_it_serves_the_published_pact_as_an_inline_pdf_to_citizens(client, territory_a):
    content, _document = rochefort(client, territory_a)
    assert content.startswith(b"%PDF")
    assert _cache["disposition"] == f'inline; filename="pacte-{territory_a.slug}-v1.pdf"'


@needs_poppler
def test_it_contains_every_commitment_action_finding_indicator_group_and_event(client, territory_a):
    content, document = rochefort(client, territory_a)
    text = normalised(pdf_text(content))
    expected = expected_texts(document)
    commitments = [c for theme in document["themes"] for c in theme["commitments"]]
    assert len(commitments) >= 12 and sum(len(c["company_actions"]) for c in commitments) > 20  # the real pact
    missing = [item for item in expected if normalised(item) not in text]
    assert missing == []
    assert "Pacte industrie-territoire" in text
    assert "Version 1 publiée le" in text


@needs_poppler
def test_it_has_a_table_of_contents_with_page_numbers_and_a_running_footer(client, territory_a):
    content, document = rochefort(client, territory_a)
    pages = pdf_text(content, mode="-layout").split("\f")
    contents = normalised(pages[1])
    assert "Sommaire" in contents
    for theme in document["themes"]:
        number = re.search(re.escape(normalised(theme["name"])) + r"[ .]*(\d+)", contents)
        assert number, theme["name"]
        # The page announced for the theme is the page where the theme starts.
        assert normalised(theme["name"]) in normalised(pages[int(number.group(1)) - 1])
    last = len([page for page in pages if page.strip()])
    assert f"Page {last} / {last}" in pages[last - 1]


@needs_poppler
def test_it_renders_every_page_and_draws_the_size_class_chart(client, territory_a):
    from PIL import Image

    content, _document = rochefort(client, territory_a)
    pages = pdf_text(content).split("\f")
    chart_page = next(i for i, page in enumerate(pages, start=1) if "Les établissements par taille" in page)
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "pacte.pdf"
        source.write_bytes(content)
        subprocess.run(["pdftoppm", "-r", "30", "-png", source, Path(directory) / "page"], check=True)
        images = sorted(Path(directory).glob("page-*.png"))
        assert len(images) == len([page for page in pages if page.strip()]) >= 15
        for path in images:
            with Image.open(path) as image:
                image.load()
        with Image.open(images[chart_page - 1]) as image:
            data = image.convert("RGB").tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    not_white = sum(1 for r, g, b in pixels if r + g + b < 700)
    blue_france = sum(1 for r, g, b in pixels if r < 40 and g < 40 and b > 100)  # the territory's bars
    assert not_white > len(pixels) // 20
    assert blue_france > 150


def test_it_keeps_drafts_to_their_team(client, client_for, bob, territory_b):
    assert client.get(_url(territory_b)).status_code == 404
    response = client_for(bob).get(_url(territory_b))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="pacte-{territory_b.slug}-apercu.pdf"'
    assert response.content.startswith(b"%PDF")


def test_it_refuses_an_unknown_version_and_previews_to_citizens(client, territory_a):
    assert client.get(_url(territory_a, version=99)).status_code == 404
    assert client.get(_url(territory_a, version="x")).status_code == 404
    assert client.get(_url(territory_a, apercu=1)).status_code == 404


@needs_poppler
def test_it_keeps_a_published_version_identical_after_the_data_change(client, client_for, alice, territory_a):
    commitment = Commitment.objects.for_territory(territory_a).order_by("theme__order", "order", "pk").first()
    old_title = commitment.title
    commitment.title = "Ouvrir chaque usine aux écoles du territoire une fois par an"
    commitment.save()

    published = normalised(pdf_text(client.get(_url(territory_a)).content))
    assert normalised(old_title) in published
    assert commitment.title not in published
    assert normalised(old_title) in normalised(pdf_text(client.get(_url(territory_a, version=1)).content))

    response = client_for(alice).get(_url(territory_a, apercu=1))
    assert response["Content-Disposition"] == f'inline; filename="pacte-{territory_a.slug}-apercu.pdf"'
    preview = normalised(pdf_text(response.content))
    assert commitment.title in preview
    assert "Aperçu de travail" in preview


def test_it_embeds_pride_images_from_media_root_only(territory_a, media_root):
    from PIL import Image

    folder = Path(media_root) / "fiertes"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    (folder / "bateau.png").write_bytes(buffer.getvalue())
    document = pact_document(territory_a)
    assert len(document["prides"]) >= 2
    document["prides"][0]["image"] = "fiertes/bateau.png"
    document["prides"][1]["image"] = "fiertes/absente.png"  # a missing file: no picture, no error

    content = pact_pdf(document)
    assert content.startswith(b"%PDF")
    if shutil.which("pdfimages"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(content)
            file.flush()
            listing = subprocess.run(["pdfimages", "-list", file.name], capture_output=True, text=True).stdout
        assert len(listing.strip().splitlines()) == 3  # two header lines, one image
    assert media_uri("fiertes/bateau.png").startswith("file://")
    assert media_uri("fiertes/absente.png") == ""
    assert media_uri("../../etc/passwd") == ""
    assert media_uri("https://example.org/image.png") == ""
