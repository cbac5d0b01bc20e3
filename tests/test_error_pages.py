"""Error pages in French and in the DSFR, never Django's English ones (DEBUG is off)."""

import html

from django.test import Client


def page_text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def test_it_says_page_not_found_in_french(client, db):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    text = page_text(response)
    assert "Page introuvable" in text and "Erreur 404" in text and "Not Found" not in text
    assert 'class="fr-header"' in text and 'lang="fr"' in text


def test_it_says_access_denied_in_french(client_for, bob, territory_a):
    response = client_for(bob).get(f"/espace/{territory_a.slug}/")
    assert response.status_code in (403, 404)
    text = page_text(response)
    assert ("Accès refusé" in text) or ("Page introuvable" in text)
    assert "Forbidden" not in text


def test_it_explains_an_expired_form_in_french(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/connexion/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = page_text(response)
    assert "Formulaire expiré" in text and "CSRF verification failed" not in text


def test_it_apologises_in_french_on_a_server_error(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))  # what Django renders for an unhandled exception with DEBUG off
    assert response.status_code == 500
    text = " ".join(html.unescape(response.content.decode()).split())
    assert "Erreur inattendue" in text and "Server Error" not in text and 'lang="fr"' in text
