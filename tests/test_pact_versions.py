"""Published versions of the pact on the public page: frozen, numbered, listed with what changed.

A published version never changes when the data change later; the team previews the live text with ?apercu=1;
?version=N reads an older version; the PDF and the PowerPoint links follow the text shown.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test.html import parse_html
from django.urls import reverse
from django.utils.html import escape

from pacte.commitments.models import Commitment
from pacte.interviews.models import Finding, Pride, PrideKind
from pacte.publications.models import Pact, PactStatus, PactVersion
from pacte.publications.services import pact_publish, pact_validate
from pacte.territories.models import KeyFigure

from .test_public_pact import find_all, section, text_of

NEW_TITLE = "Former 200 apprentis par an dans l'industrie du territoire"
NEW_FINDING = "Un constat écrit après la publication"
NEW_FIGURE = "12 345 emplois industriels"


def _url(territory, query=""):
    return reverse("public:pact", args=[territory.slug]) + query


def _page(client, territory, query=""):
    response = client.get(_url(territory, query))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def edited(territory_a):
    """After v1 was published: a commitment retitled, a finding and a key figure rewritten, a pride deleted."""
    commitment = Commitment.objects.filter(territory=territory_a).order_by("theme__order", "order", "pk").first()
    finding = Finding.objects.filter(territory=territory_a, retained=True).order_by("axis__order", "order").first()
    figure = KeyFigure.objects.filter(territory=territory_a).order_by("order", "pk").first()
    pride = Pride.objects.filter(territory=territory_a).order_by("order", "pk").first()
    old = {"title": commitment.title, "finding": finding.text, "figure": figure.value, "pride": pride.product}
    Commitment.objects.filter(pk=commitment.pk).update(title=NEW_TITLE)
    Finding.objects.filter(pk=finding.pk).update(text=NEW_FINDING)
    KeyFigure.objects.filter(pk=figure.pk).update(value=NEW_FIGURE)
    pride.delete()
    return old


# --- a published version stays as it was published ---------------------------------------------------------


def test_it_keeps_showing_the_published_text_after_the_data_change(client, territory_a, edited):
    page = _page(client, territory_a)
    for old in edited.values():
        assert escape(old) in page, old
    for new in (NEW_TITLE, NEW_FINDING, NEW_FIGURE):
        assert escape(new) not in page, new


def test_it_shows_the_live_text_to_the_team_as_a_preview(client_for, alice, territory_a, edited):
    page = _page(client_for(alice), territory_a, "?apercu=1")
    for new in (NEW_TITLE, NEW_FINDING, NEW_FIGURE):
        assert escape(new) in page, new
    assert escape(edited["title"]) not in page
    assert escape(edited["pride"]) not in page
    assert "Aperçu réservé à l'équipe du territoire" in page
    assert "Les citoyens lisent la version 1 publiée le" in page


def test_it_shows_the_published_text_to_the_team_without_apercu(client_for, alice, territory_a, edited):
    page = _page(client_for(alice), territory_a)
    assert escape(edited["title"]) in page
    assert "Aperçu réservé" not in page
    assert f'href="{_url(territory_a)}?apercu=1"' in page  # the team may switch to its preview


def test_it_offers_no_preview_link_to_citizens(client, territory_a):
    assert "?apercu=1" not in _page(client, territory_a)


def test_it_does_not_change_the_frozen_content_when_the_data_change(territory_a, edited):
    content = PactVersion.objects.get(territory=territory_a, number=1).content
    titles = [c["title"] for theme in content["themes"] for c in theme["commitments"]]
    assert edited["title"] in titles and NEW_TITLE not in titles
    assert edited["pride"] in [p["product"] for p in content["prides"]]


# --- publishing again: v2, the list of versions, reading v1 -----------------------------------------------------


@pytest.fixture
def republished(territory_a, edited):
    pact_publish(pact=territory_a.pact)
    return edited


def test_it_shows_the_new_version_after_publishing_again(client, territory_a, republished):
    page = _page(client, territory_a)
    today = datetime.date.today()
    assert f"Version 2 publiée le {today.day} " in page
    for new in (NEW_TITLE, NEW_FINDING, NEW_FIGURE):
        assert escape(new) in page, new
    assert escape(republished["pride"]) not in page


def test_it_lists_the_previous_version_with_what_changed_in_words(client, territory_a, republished):
    document = parse_html(_page(client, territory_a))
    versions = section(document, "versions")
    items = find_all(versions, "li", "pacte-version-item")
    assert [text_of(find_all(item, "h3")[0]).split(" publiée")[0] for item in items] == ["Version 2", "Version 1"]
    changes = [text_of(li) for li in find_all(items[0], "li")]
    assert "Chiffres clés" in changes
    assert "Diagnostic industriel" in changes
    assert "Fiertés locales" in changes
    assert any(f"engagement nouveau ou reformulé : « {NEW_TITLE} »" in c for c in changes), changes
    assert any(f"engagement retiré ou reformulé : « {republished['title']} »" in c for c in changes), changes
    assert "Première version publiée." in text_of(items[1])
    links = [dict(a.attributes)["href"] for a in find_all(items[1], "a")]
    assert links == [_url(territory_a, "?version=1")]


def test_it_still_shows_the_old_text_of_version_1(client, territory_a, republished):
    page = _page(client, territory_a, "?version=1")
    text = page.split('id="versions"')[0]  # the list of versions names what changed in v2, in words
    for old in republished.values():
        assert escape(old) in text, old
    for new in (NEW_TITLE, NEW_FINDING, NEW_FIGURE):
        assert escape(new) not in text, new
    assert "Vous lisez la version 1 du pacte" in page
    assert f'href="{_url(territory_a)}">Lire la dernière version (version 2)' in page


def test_it_does_not_mark_the_latest_version_as_an_old_one(client, territory_a, republished):
    assert "Vous lisez la version" not in _page(client, territory_a)
    assert "Vous lisez la version" not in _page(client, territory_a, "?version=2")


def test_it_publishes_the_template_pact_of_territory_b_as_its_first_version(client, territory_b):
    from .test_publication_readiness import make_ready

    make_ready(territory_b)
    pact_validate(pact=territory_b.pact)
    pact_publish(pact=territory_b.pact)
    page = _page(client, territory_b)
    assert "Version 1 publiée le" in page
    assert escape(Pact.objects.get(territory=territory_b).title) in page


# --- downloads follow the text shown --------------------------------------------------------------------------


def _downloads(page):
    return [
        dict(a.attributes)["href"]
        for a in find_all(parse_html(page), "a")
        if "/pacte." in dict(a.attributes).get("href", "")
    ]


def test_it_links_to_the_pdf_and_the_slides_of_the_version_shown(client, territory_a, republished):
    pdf, pptx = (reverse(f"documents:{kind}", args=[territory_a.slug]) for kind in ("pdf", "pptx"))
    assert _downloads(_page(client, territory_a)) == [f"{pdf}?version=2", f"{pptx}?version=2"]
    assert _downloads(_page(client, territory_a, "?version=1")) == [f"{pdf}?version=1", f"{pptx}?version=1"]


def test_it_links_the_preview_to_the_live_documents(client_for, alice, territory_a):
    pdf, pptx = (reverse(f"documents:{kind}", args=[territory_a.slug]) for kind in ("pdf", "pptx"))
    assert _downloads(_page(client_for(alice), territory_a, "?apercu=1")) == [f"{pdf}?apercu=1", f"{pptx}?apercu=1"]


# --- who reads what -------------------------------------------------------------------------------------------


def test_it_refuses_the_preview_to_a_citizen(client, territory_a):
    assert client.get(_url(territory_a, "?apercu=1")).status_code == 404


def test_it_refuses_a_draft_to_a_citizen(client, territory_b):
    for query in ("", "?apercu=1", "?version=1"):
        assert client.get(_url(territory_b, query)).status_code == 404, query


@pytest.mark.parametrize("query", ["?version=9", "?version=0", "?version=abc", "?version=-1"])
def test_it_answers_404_for_an_unknown_version(client, territory_a, query):
    assert client.get(_url(territory_a, query)).status_code == 404


def test_it_refuses_as_preview_to_the_team_of_another_territory(client_for, bob, territory_a):
    client = client_for(bob)
    assert client.get(_url(territory_a, "?apercu=1")).status_code == 404
    assert client.get(_url(territory_a)).status_code == 200  # the published version is public


def test_it_shows_the_draft_of_territory_b_to_bob_only(client, client_for, bob, territory_b):
    assert client.get(_url(territory_b)).status_code == 404
    page = _page(client_for(bob), territory_b)
    assert "Aperçu réservé à l'équipe du territoire : ce pacte n'est pas encore publié." in page
    assert "Version 1 publiée" not in page
    assert 'id="versions"' not in page


def test_it_lets_a_read_only_member_preview_the_live_text(client_for, victor, territory_a, edited):
    assert escape(NEW_TITLE) in _page(client_for(victor), territory_a, "?apercu=1")


# --- pictures and charts of a frozen version ---------------------------------------------------------------------


def test_it_shows_the_picture_of_a_pride_frozen_with_the_version(client, territory_a):
    pride = Pride.objects.filter(territory=territory_a, kind=PrideKind.INNOVATIVE).first()
    pride.image.save("helice.png", ContentFile(b"\x89PNG fake"), save=True)
    version = pact_publish(pact=territory_a.pact).version
    frozen = PactVersion.objects.get(territory=territory_a, number=version).content["prides"]
    ((index, path),) = [(i, p["image"]) for i, p in enumerate(frozen) if p["image"]]
    assert path.startswith(f"versions/{territory_a.pk}/v{version}/")
    url = reverse("public:pride_image", args=[territory_a.slug, version, index])
    assert f'src="{url}"' in _page(client, territory_a)
    assert b"".join(client.get(url).streaming_content) == b"\x89PNG fake"


def test_it_keeps_a_published_picture_when_the_pride_changes_it_later(client, territory_a):
    from django.core.files.storage import default_storage

    pride = Pride.objects.filter(territory=territory_a).first()
    pride.image.save("helice.png", ContentFile(b"\x89PNG ancienne"), save=True)
    pact_publish(pact=territory_a.pact)
    pride.image.storage.delete(pride.image.name)  # replaced or deleted by the team afterwards
    pride.image.save("helice.png", ContentFile(b"\x89PNG nouvelle"), save=True)
    page = _page(client, territory_a)
    version = PactVersion.objects.filter(territory=territory_a).first()
    ((index, path),) = [(i, p["image"]) for i, p in enumerate(version.content["prides"]) if p["image"]]
    assert f'src="{reverse("public:pride_image", args=[territory_a.slug, version.number, index])}"' in page
    with default_storage.open(path, "rb") as stream:
        assert stream.read() == b"\x89PNG ancienne"


def test_it_draws_the_size_class_chart_of_the_version(client, territory_a):
    block = section(parse_html(_page(client, territory_a)), "chiffres")
    charts = [svg for svg in find_all(block, "svg") if "pacte-chart" in dict(svg.attributes).get("class", "")]
    assert len(charts) == 1
    assert "Rochefort-Royan-Marennes-Oléron" in text_of(charts[0])


def test_it_lists_the_pact_on_the_home_page_under_its_published_title(client, territory_a):
    published = territory_a.pact.title
    Pact.objects.filter(pk=territory_a.pact.pk).update(title="Titre en cours de rédaction")
    page = client.get(reverse("public:home")).content.decode()
    assert escape(published) in page
    assert "Titre en cours de rédaction" not in page


def test_it_keeps_the_status_published_while_a_new_version_is_prepared(territory_a):
    """Republishing needs no new validation: the pact stays published (the services' rule, relied on here)."""
    assert territory_a.pact.status == PactStatus.PUBLISHED
    assert pact_publish(pact=territory_a.pact).version == 2
