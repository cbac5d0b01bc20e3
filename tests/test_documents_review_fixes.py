"""What the review of steps 3–4 found, each pinned by a test."""

import io

from django.urls import reverse
from pptx import Presentation

from pacte.publications.models import PactStatus, PactVersion


def _texts(pptx_bytes) -> str:
    deck = Presentation(io.BytesIO(pptx_bytes))
    return " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)


def test_it_never_shows_territory_a_live_pdf_to_bob(client_for, bob, territory_a):
    response = client_for(bob).get(reverse("documents:pdf", args=[territory_a.slug]) + "?apercu=1")
    assert response.status_code == 404


def test_it_writes_one_intercommunality_in_the_singular_in_the_slides(client_for, bob, territory_b):
    response = client_for(bob).get(reverse("documents:pptx", args=[territory_b.slug]) + "?apercu=1")
    assert response.status_code == 200
    assert "1 intercommunalité," in _texts(response.content)


def test_it_freezes_once_a_pact_published_before_versions_existed(client, territory_a):
    PactVersion.objects.filter(territory=territory_a).delete()
    assert territory_a.pact.status == PactStatus.PUBLISHED
    url = reverse("public:pact", args=[territory_a.slug])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert list(PactVersion.objects.filter(territory=territory_a).values_list("number", flat=True)) == [1]
