"""The pact as an editable PowerPoint file (issue #5): python-pptx reads it back; every commitment and action is
in real text (text frames and table cells, never pictures of text); the size-class comparison is a native chart;
one slide (or more) per theme; drafts stay with their team; a published version stays frozen.

The Rochefort file is built once for the module (the data are the session's reference case, read-only here).
"""

import io
import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pacte.commitments.models import Commitment
from pacte.interviews.models import Pride
from pacte.publications.models import PactVersion
from pacte.publications.slides import pact_pptx

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_cache: dict[str, object] = {}


def _url(territory, **query):
    url = reverse("documents:pptx", args=[territory.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def rochefort(client, territory_a):
    """The published Rochefort deck as a citizen gets it, and the document it was built from."""
    if "pptx" not in _cache:
        response = client.get(_url(territory_a))
        assert response.status_code == 200
        _cache["pptx"] = response.content
        _cache["response"] = response
        _cache["document"] = PactVersion.objects.for_territory(territory_a).order_by("-number").first().content
    return Presentation(io.BytesIO(_cache["pptx"])), _cache["document"]


def shape_texts(shape):
    """The texts of one shape: its text frame, or each cell of its table, or those of a group's shapes."""
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [t for child in shape.shapes for t in shape_texts(child)]
    if shape.has_text_frame:
        return [shape.text_frame.text] if shape.text_frame.text.strip() else []
    if getattr(shape, "has_table", False) and shape.has_table:
        return [cell.text for row in shape.table.rows for cell in row.cells if cell.text.strip()]
    return []


def all_text(presentation) -> str:
    return "\n".join(t for slide in presentation.slides for shape in slide.shapes for t in shape_texts(shape))


def titles(presentation) -> list[str]:
    return [slide.shapes.title.text if slide.shapes.title is not None else "" for slide in presentation.slides]


def test_it_serves_the_published_pact_as_a_16_9_pptx_named_after_its_version(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    response = _cache["response"]
    assert response["Content-Type"] == PPTX
    assert response["Content-Disposition"] == f'attachment; filename="pacte-{territory_a.slug}-v1.pptx"'
    assert (presentation.slide_width, presentation.slide_height) == (12192000, 6858000)
    assert len(presentation.slides) >= 2 + len(document["themes"])
    first = titles(presentation)[0]
    assert first == "Rochefort-Royan-Marennes-Oléron"
    assert "Version 1 du" in all_text(presentation)


def test_it_contains_every_commitment_and_every_action_of_the_rochefort_pact(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    text = all_text(presentation)
    expected = []
    for theme in document["themes"]:
        for commitment in theme["commitments"]:
            expected += [commitment["title"], commitment["company_intro"], commitment["territory_intro"]]
            for action in commitment["company_actions"] + commitment["territory_actions"]:
                expected += [action["text"], *action["details"]]
    missing = [t for t in expected if t and t not in text]
    assert not missing, missing
    assert len(expected) > 60
    # The document is the database's: every commitment of the territory is in it (and so in the file).
    for title in Commitment.objects.filter(theme__territory=territory_a).values_list("title", flat=True):
        assert title in text
    # A few source strings written out, so that an empty document cannot pass.
    for source in (
        "Améliorer l'image de l'industrie",
        "Garantir un immobilier sobre, attractif et bas-carbone",
        "Les entreprises s'engagent à…",
        "Le territoire s'engage à…",
    ):
        assert source in text


def test_it_contains_every_finding_indicator_and_the_other_sections(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    text = all_text(presentation)
    expected = [f["text"] for axis in document["diagnostic"] for f in axis["findings"]]
    expected += [axis["name"] for axis in document["diagnostic"]]
    expected += [i for theme in document["themes"] for i in theme["indicators"]]
    expected += [*document["pact"]["editorial"], *document["pact"]["ambitions"]]
    expected += [f["value"] for f in document["key_figures"]] + [f["label"] for f in document["key_figures"]]
    expected += [e["name"] for e in document["perimeter"]["intercommunalities"]]
    expected += [p["product"] for p in document["prides"]] + [p["company"] for p in document["prides"]]
    expected += [p["title"] for p in document["principles"]]
    expected += [paragraph for p in document["principles"] for paragraph in p["paragraphs"]]
    expected += [g["name"] for theme in document["themes"] for g in theme["groups"]]
    expected += [partner for theme in document["themes"] for g in theme["groups"] for partner in g["partners"]]
    expected += [e["name"] for e in document["events"]] + [e["organiser"] for e in document["events"]]
    expected += [name for group in document["acknowledged"] for name in group["names"]]
    missing = [t for t in expected if t and t not in text]
    assert not missing, missing
    assert len([f for axis in document["diagnostic"] for f in axis["findings"]]) >= 10


def test_it_draws_the_size_class_comparison_as_a_native_chart(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    charts = [shape.chart for slide in presentation.slides for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 1
    plot = charts[0].plots[0]
    assert list(plot.categories) == [row["label"] for row in document["size_classes"]]
    assert len(plot.categories) == 4
    series = {s.name: list(s.values) for s in plot.series}
    assert series == {
        document["territory"]["name"]: [row["territory"] for row in document["size_classes"]],
        "TI de France (hors Mayotte)": [row["national"] for row in document["size_classes"]],
    }
    assert series[document["territory"]["name"]] == [59.0, 33.0, 6.0, 2.0]  # the source's figures


def test_it_has_a_slide_per_theme_with_its_commitments_in_two_columns(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    slide_titles = titles(presentation)
    for number, theme in enumerate(document["themes"], start=1):
        own = [i for i, title in enumerate(slide_titles) if title.startswith(f"{number}. {theme['name']}")]
        assert own, theme["name"]
        slide_text = "\n".join(t for i in own for shape in presentation.slides[i].shapes for t in shape_texts(shape))
        for commitment in theme["commitments"]:
            assert commitment["title"] in slide_text
            for action in commitment["territory_actions"]:
                assert action["text"] in slide_text
        for indicator in theme["indicators"]:
            assert indicator in slide_text
    assert len(document["themes"]) == 6


def test_it_keeps_all_text_in_text_frames_and_tables_never_in_pictures(client, territory_a):
    presentation, document = rochefort(client, territory_a)
    text_shapes = pictures = 0
    for slide in presentation.slides:
        assert slide.shapes.title is not None and slide.shapes.title.text.strip()  # every slide has a real title
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                pictures += 1
            elif shape_texts(shape):
                text_shapes += 1
        assert sum(1 for shape in slide.shapes if shape_texts(shape)) >= 2
    assert pictures == 0  # no pride of the reference case has an image
    assert text_shapes >= 6 * len(presentation.slides)
    tables = [
        s for slide in presentation.slides for s in slide.shapes if getattr(s, "has_table", False) and s.has_table
    ]
    assert len(tables) >= 3  # perimeter, size classes, calendar (and the thematic groups)
    # The map is drawn as editable shapes, one per commune.
    freeforms = [s for slide in presentation.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.FREEFORM]
    assert len(freeforms) == document["perimeter"]["communes"]


def test_it_shows_a_prides_image_as_its_only_picture(client_for, alice, territory_a):
    pride = Pride.objects.filter(territory=territory_a, product="Aéronef à énergie e-hybride").get()
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "fiertes"), exist_ok=True)
    Image.new("RGB", (120, 80), (0, 0, 145)).save(os.path.join(settings.MEDIA_ROOT, "fiertes", "voltaero.png"))
    pride.image.name = "fiertes/voltaero.png"
    pride.save(update_fields=["image"])
    response = client_for(alice).get(_url(territory_a, apercu=1))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="pacte-{territory_a.slug}-apercu.pptx"'
    presentation = Presentation(io.BytesIO(response.content))
    pictures = [s for slide in presentation.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [p.name for p in pictures] == ["Aéronef à énergie e-hybride"]
    assert "Aperçu" in all_text(presentation)


def test_it_skips_an_image_missing_from_media_root_or_outside_it(territory_a):
    document = PactVersion.objects.for_territory(territory_a).order_by("-number").first().content
    document["prides"][0]["image"] = "fiertes/absente.png"
    document["prides"][1]["image"] = "../../etc/passwd"
    presentation = Presentation(io.BytesIO(pact_pptx(document)))
    assert not any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for slide in presentation.slides for s in slide.shapes)


def test_it_splits_a_long_theme_over_continued_slides_without_shrinking_text(territory_a):
    document = PactVersion.objects.for_territory(territory_a).order_by("-number").first().content
    theme = document["themes"][0]
    theme["commitments"] = theme["commitments"] * 3
    long = theme["commitments"][0] = dict(theme["commitments"][0])
    long["company_actions"] = [{"text": f"action numéro {n} " + "x" * 150, "details": []} for n in range(30)]
    presentation = Presentation(io.BytesIO(pact_pptx(document)))
    own = [t for t in titles(presentation) if t.startswith(f"1. {theme['name']}")]
    assert len(own) >= 3
    assert all(t.endswith("(suite)") or t.endswith("indicateurs") for t in own[1:])
    text = all_text(presentation)
    assert f"{long['title']} (suite)" in text  # the commitment itself continues on the next slide
    assert all(f"action numéro {n} " in text for n in range(30))
    sizes = {
        run.font.size.pt
        for slide in presentation.slides
        for shape in slide.shapes
        if shape.has_text_frame
        for paragraph in shape.text_frame.paragraphs
        for run in paragraph.runs
        if run.font.size is not None
    }
    assert min(sizes) >= 10


def test_it_converts_with_libreoffice_where_installed(client, territory_a, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    rochefort(client, territory_a)
    source = tmp_path / "pacte.pptx"
    source.write_bytes(_cache["pptx"])
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "pacte.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_it_hides_a_draft_from_citizens_and_shows_its_team_a_preview(client, client_for, bob, territory_b):
    assert client.get(_url(territory_b)).status_code == 404
    assert client.get(_url(territory_b, apercu=1)).status_code == 404
    response = client_for(bob).get(_url(territory_b))
    assert response.status_code == 200
    assert response["Content-Type"] == PPTX
    assert response["Content-Disposition"] == 'attachment; filename="pacte-dunkerque-apercu.pptx"'
    presentation = Presentation(io.BytesIO(response.content))
    assert titles(presentation)[0] == "Dunkerque"
    assert "Aperçu" in all_text(presentation)


def test_it_answers_404_for_an_unknown_version_or_territory(client, territory_a):
    assert client.get(_url(territory_a, version=99)).status_code == 404
    assert client.get(_url(territory_a, version="abc")).status_code == 404
    assert client.get(reverse("documents:pptx", args=["inconnu"])).status_code == 404


def test_it_refuses_the_preview_of_a_published_pact_to_citizens_and_other_teams(client, client_for, bob, territory_a):
    assert client.get(_url(territory_a, apercu=1)).status_code == 404
    assert client_for(bob).get(_url(territory_a, apercu=1)).status_code == 404


def test_it_keeps_a_frozen_versions_text_after_a_data_change(client, client_for, alice, territory_a):
    commitment = Commitment.objects.filter(theme__territory=territory_a, title="Améliorer l'image de l'industrie").get()
    before = client.get(_url(territory_a, version=1))
    assert before.status_code == 200
    commitment.title = "Changer l'image de l'industrie, reformulé après publication"
    commitment.save(update_fields=["title"])
    after = client.get(_url(territory_a, version=1))
    text = all_text(Presentation(io.BytesIO(after.content)))
    assert "Améliorer l'image de l'industrie" in text
    assert "reformulé après publication" not in text
    assert all_text(Presentation(io.BytesIO(before.content))) == text
    preview = client_for(alice).get(_url(territory_a, apercu=1))
    assert "reformulé après publication" in all_text(Presentation(io.BytesIO(preview.content)))
