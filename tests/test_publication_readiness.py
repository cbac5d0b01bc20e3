"""Publication as a deliberate act: readiness check, confirmation, withdrawal, back to draft, territory's name."""

import html

import pytest
from django.urls import reverse

from pacte.commitments.models import Commitment
from pacte.core.models import JournalEntry
from pacte.publications.models import Pact, PactStatus
from pacte.publications.services import (
    PactTransitionError,
    pact_publish,
    pact_readiness,
    pact_validate,
    pact_withdraw,
)
from pacte.workshops.models import ReactionKind, WorkshopStatus
from pacte.workshops.services import workshop_set_status

from .test_workshop_resolution import commitments_of, open_workshop, react


def make_ready(territory):
    """What a team does before publishing: its own editorial, its commitments adapted from the template's text."""
    Pact.objects.filter(territory=territory).update(editorial=f"Notre édito pour {territory.name}.")
    Commitment.objects.filter(territory=territory).update(from_template=False)


def _url(name, territory, *args):
    return reverse(f"publications:{name}", args=[territory.slug, *args])


def _labels(readiness):
    return [item.label for item in readiness.blocking]


def test_a_template_territory_is_blocked_by_its_template_texts(territory_b):
    labels = _labels(pact_readiness(territory_b))
    assert "L'édito est encore au texte du modèle" in labels
    assert "6 thématiques encore au texte du modèle" in labels
    make_ready(territory_b)
    assert pact_readiness(territory_b).blocking == []


def test_it_blocks_on_an_empty_title_and_editorial(territory_b):
    make_ready(territory_b)
    Pact.objects.filter(territory=territory_b).update(title="  ", editorial="")
    assert _labels(pact_readiness(territory_b)) == ["Le titre du pacte est vide", "L'édito est vide"]


def test_it_blocks_on_an_open_workshop_and_an_undecided_adjustment(territory_b):
    make_ready(territory_b)
    workshop = open_workshop(territory_b, "Atelier de Dunkerque")
    react(workshop, commitments_of(territory_b)[0], ReactionKind.ADJUST, "Préciser")
    blocking = pact_readiness(territory_b).blocking
    assert [b.label for b in blocking] == [
        "1 veto ou ajustement sans décision",
        "Atelier encore ouvert aux réactions : « Atelier de Dunkerque »",
    ]
    assert blocking[0].url == reverse("workshops:resolutions", args=[territory_b.slug])
    assert blocking[1].url == reverse("workshops:detail", args=[territory_b.slug, workshop.pk])
    with pytest.raises(PactTransitionError, match="ne peut pas être validé"):
        pact_validate(pact=territory_b.pact)
    assert Pact.objects.get(territory=territory_b).status == PactStatus.DRAFT


def test_it_warns_without_blocking(territory_b):
    make_ready(territory_b)
    warnings = [item.label for item in pact_readiness(territory_b).warnings]
    assert warnings == [
        "Peu d'entretiens réalisés",
        "Catégories d'acteurs sans entretien",
        "Aucune fierté locale",
        "Personne n'est remercié",
        "Restitution pas encore engagée",
    ]


def test_the_readiness_page_links_blocking_items_and_is_read_by_read_only_members(client_for, victor, territory_a):
    workshop = open_workshop(territory_a, "Atelier ouvert")
    page = client_for(victor).get(_url("readiness", territory_a)).content.decode()
    assert "Atelier encore ouvert aux réactions" in html.unescape(page)
    assert reverse("workshops:detail", args=[territory_a.slug, workshop.pk]) in page
    assert "Vérifier ce qui sera publié" not in page  # read-only: no control


def test_the_readiness_page_is_refused_to_another_territory(client_for, bob, territory_a):
    assert client_for(bob).get(_url("readiness", territory_a)).status_code == 403


def test_publishing_is_refused_while_something_blocks(client_for, alice, territory_a):
    open_workshop(territory_a, "Atelier ouvert")
    response = client_for(alice).post(_url("transition", territory_a, "publier"), follow=True)
    assert "Le pacte ne peut pas être publié" in html.unescape(response.content.decode())
    assert Pact.objects.get(territory=territory_a).version == 1


def test_the_confirmation_page_shows_the_next_version_and_the_changes(client_for, alice, territory_a):
    Pact.objects.filter(territory=territory_a).update(editorial="Un nouvel édito.")
    client = client_for(alice)
    page = html.unescape(client.get(_url("transition", territory_a, "publier")).content.decode())
    assert "Publier la version publiée v2 du pacte" in page
    assert "Ce qui change depuis la version publiée v1" in page and "<li>Édito</li>" in page
    assert "Engagements réciproques : 6 thématiques" in page
    assert Pact.objects.get(territory=territory_a).version == 1  # nothing published by reading
    client.post(_url("transition", territory_a, "publier"))
    assert Pact.objects.get(territory=territory_a).version == 2
    entry = JournalEntry.objects.filter(territory=territory_a, verb="pact_published").first()
    assert entry.actor == alice and "Version 2" in entry.message


def test_withdraw_then_republish(client, client_for, alice, territory_a):
    public = reverse("public:pact", args=[territory_a.slug])
    assert territory_a.pact.title in html.unescape(client.get(public).content.decode())  # now in the page cache
    team = client_for(alice)
    refused = team.post(_url("withdraw", territory_a), {"reason": "  "})
    assert refused.status_code == 400 and "Indiquez la raison du retrait" in html.unescape(refused.content.decode())
    team.post(_url("withdraw", territory_a), {"reason": "Erreur dans les chiffres clés."})
    assert Pact.objects.get(territory=territory_a).status == PactStatus.WITHDRAWN
    assert "Pacte retiré de la publication" in JournalEntry.objects.filter(territory=territory_a).first().message
    team.logout()
    page = html.unescape(client.get(reverse("public:pact", args=[territory_a.slug])).content.decode())
    assert "Erreur dans les chiffres clés." in page and "Ce pacte a été retiré de la publication" in page
    assert territory_a.pact.title not in page.split("</h1>")[1]
    assert client.get(reverse("documents:pdf", args=[territory_a.slug])).status_code == 404
    assert client.get(reverse("documents:pptx", args=[territory_a.slug])).status_code == 404
    assert reverse("public:pact", args=[territory_a.slug]) not in client.get(reverse("public:home")).content.decode()
    pact = pact_publish(pact=Pact.objects.get(territory=territory_a), actor=alice)
    assert (pact.status, pact.version, pact.withdrawal_reason) == (PactStatus.PUBLISHED, 2, "")
    assert (
        "Erreur dans les chiffres clés."
        not in client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()
    )


def test_only_the_team_or_anct_withdraw(client_for, victor, nadia, territory_a):
    assert client_for(victor).post(_url("withdraw", territory_a), {"reason": "x"}).status_code == 403
    client_for(nadia).post(_url("withdraw", territory_a), {"reason": "Décision de l'ANCT."})
    assert Pact.objects.get(territory=territory_a).withdrawal_reason == "Décision de l'ANCT."


def test_a_veto_after_validation_sends_the_pact_back_to_draft(client_for, bob, territory_b):
    make_ready(territory_b)
    workshop = open_workshop(territory_b, "Atelier de Dunkerque")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    pact_validate(pact=territory_b.pact)
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    react(workshop, commitments_of(territory_b)[0], ReactionKind.VETO, "Non")
    assert Pact.objects.get(territory=territory_b).status == PactStatus.DRAFT
    page = html.unescape(client_for(bob).get(reverse("roadmap:roadmap", args=[territory_b.slug])).content.decode())
    assert "Le pacte est repassé en brouillon" in page and "Un veto est arrivé après la validation" in page


def test_an_agreement_after_validation_keeps_the_pact_validated(territory_b):
    make_ready(territory_b)
    workshop = open_workshop(territory_b, "Atelier de Dunkerque")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    pact_validate(pact=territory_b.pact)
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    react(workshop, commitments_of(territory_b)[0], ReactionKind.AGREE, "")
    assert Pact.objects.get(territory=territory_b).status == PactStatus.VALIDATED


def test_a_new_territory_carries_its_name_once_published(client, territory_b):
    make_ready(territory_b)
    pact_validate(pact=territory_b.pact)
    pact_publish(pact=territory_b.pact)
    page = client.get(reverse("public:pact", args=[territory_b.slug])).content.decode()
    assert "<title>Pacte industrie-territoire — Dunkerque" in page
    assert "Pacte industrie-territoire — Dunkerque</h1>" in page
    home = client.get(reverse("public:home")).content.decode()
    assert "Pacte industrie-territoire — Dunkerque</a>" in home


def test_the_pdf_cover_and_the_pptx_title_carry_a_new_territorys_name(client, territory_b):
    import io
    import shutil

    from pptx import Presentation

    make_ready(territory_b)
    pact_validate(pact=territory_b.pact)
    pact_publish(pact=territory_b.pact)
    deck = Presentation(io.BytesIO(client.get(reverse("documents:pptx", args=[territory_b.slug])).content))
    assert deck.core_properties.title == "Pacte industrie-territoire — Dunkerque"
    cover = " ".join(shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)
    assert "Dunkerque" in cover
    if shutil.which("pdftotext"):
        from .test_pact_pdf import pdf_text

        first_page = pdf_text(client.get(reverse("documents:pdf", args=[territory_b.slug])).content).split("\f")[0]
        assert "Territoire d'industrie Dunkerque" in first_page.replace("’", "'")


def test_the_confirmation_and_the_withdrawal_are_refused_to_read_only_members(client_for, victor, territory_a):
    client = client_for(victor)
    assert client.get(_url("transition", territory_a, "publier")).status_code == 403
    assert client.get(_url("withdraw", territory_a)).status_code == 403
    assert Pact.objects.get(territory=territory_a).status == PactStatus.PUBLISHED


def test_a_published_pact_cannot_be_withdrawn_twice_nor_a_draft(territory_a, territory_b):
    with pytest.raises(PactTransitionError, match="Seul un pacte publié peut être retiré."):
        pact_withdraw(pact=territory_b.pact, reason="x")
    pact_withdraw(pact=territory_a.pact, reason="Erreur")
    with pytest.raises(PactTransitionError):
        pact_withdraw(pact=territory_a.pact, reason="Encore")
    assert Pact.objects.get(territory=territory_a).withdrawal_reason == "Erreur"


def test_a_paper_veto_after_validation_sends_the_pact_back_to_draft(territory_b):
    from pacte.workshops.services import paper_type_in

    make_ready(territory_b)
    workshop = open_workshop(territory_b, "Atelier papier")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    pact_validate(pact=territory_b.pact)
    paper_type_in(workshop=workshop, lines="veto : pas pour les TPE", commitment=commitments_of(territory_b)[0])
    pact = Pact.objects.get(territory=territory_b)
    assert pact.status == PactStatus.DRAFT and "Un veto est arrivé après la validation" in pact.reopened_reason
    assert "1 veto ou ajustement sans décision" in _labels(pact_readiness(territory_b))


def test_a_withdrawn_pact_keeps_only_its_notice_public(client, client_for, alice, territory_a):
    from pacte.publications.services import pact_withdraw

    slug = territory_a.slug
    public_urls = [
        reverse("committees:public_calendar", args=[slug]),
        reverse("committees:ics", args=[slug]),
        reverse("indicators:public", args=[slug]),
        reverse("land:public_calls", args=[slug]),
        f"/territoires/{slug}/pacte.pdf",
        f"/territoires/{slug}/pacte.pptx",
    ]
    assert all(client.get(url).status_code == 200 for url in public_urls)
    pact_withdraw(pact=territory_a.pact, reason="Mise à jour après les élections", actor=alice)

    for url in public_urls:
        assert client.get(url).status_code == 404, url
    notice = client.get(reverse("public:pact", args=[slug]))
    assert notice.status_code == 200 and "Mise à jour après les élections" in notice.content.decode()
    assert client_for(alice).get(reverse("committees:public_calendar", args=[slug])).status_code == 200  # its team


def test_the_commitments_page_says_its_versions_are_working_versions(client_for, alice, territory_a):
    page = client_for(alice).get(reverse("commitments:versions", args=[territory_a.slug])).content.decode()
    assert "versions de travail des engagements" in page and "versions publiées du pacte (v1, v2…)" in page
