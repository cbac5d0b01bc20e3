"""Tenant isolation of every tracking-file URL: bob (territory B) neither reads nor changes territory A's
tracking file; victor (read-only member of A) reads it but changes nothing; anonymous visitors log in first.
Each refusal has its positive counterpart (alice), so the tests prove scoping, not "everything refused"."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pacte.stakeholders.models import Contact, Stakeholder, TrackingFileImport
from tests.test_tracking_file_import import SOURCE_MERGES, SOURCE_SAMPLE, xlsx_file

READ_PAGES = ["tracking_file", "export", "import_model", "import_preview"]
WRITE_PAGES = ["contact_create", "contact_update", "import_upload"]


@pytest.fixture
def contact_a(territory_a):
    airbus = Stakeholder.objects.get(territory=territory_a, name="Airbus")
    return Contact.objects.create(
        stakeholder=airbus, last_name="Secret", first_name="Claire", email="claire.secret@example.org"
    )


@pytest.fixture
def import_a(territory_a, alice):
    return TrackingFileImport.objects.create(
        territory=territory_a,
        filename="secret-a.xlsx",
        content=xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES),
        uploaded_by=alice,
    )


@pytest.fixture
def urls(territory_a, contact_a, import_a):
    def url(name, territory=territory_a):
        args = [territory.slug]
        if name == "contact_update":
            args.append(contact_a.pk)
        if name == "import_preview":
            args.append(import_a.pk)
        return reverse(f"stakeholders:{name}", args=args)

    return url


def contact_post(stakeholder_name="Airbus"):
    return {
        "stakeholder_name": stakeholder_name,
        "category": "entreprises",
        "last_name": "Intrus",
        "priority": "prioritaire",
        "status": "contacte",
    }


def posts(name):
    """A valid POST for each URL that writes."""
    if name in ("contact_create", "contact_update"):
        return contact_post()
    if name == "import_upload":
        return {"file": SimpleUploadedFile("intrus.xlsx", xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES))}
    return {"ignore_refused": "on"}


def state(territory, *rows):
    """Everything the URLs could change."""
    return (
        list(Contact.objects.for_territory(territory).order_by("pk").values()),
        list(Stakeholder.objects.for_territory(territory).order_by("pk").values()),
        list(TrackingFileImport.objects.for_territory(territory).order_by("pk").values("pk", "imported_at", "summary")),
    )


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_it_shows_alice_every_page_of_her_tracking_file(client_for, alice, urls, name):
    assert client_for(alice).get(urls(name)).status_code == 200


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_it_refuses_bob_every_page_of_territory_as_tracking_file(client_for, bob, urls, name):
    response = client_for(bob).get(urls(name))
    assert response.status_code == 403
    assert b"Secret" not in response.content and b"secret-a.xlsx" not in response.content


@pytest.mark.parametrize("name", ["contact_update", "import_preview"])
def test_it_does_not_find_territory_as_rows_under_bobs_own_territory(client_for, bob, territory_b, urls, name):
    assert client_for(bob).get(urls(name, territory_b)).status_code == 404
    assert client_for(bob).post(urls(name, territory_b), posts(name)).status_code == 404


@pytest.mark.parametrize("name", ["contact_create", "contact_update", "import_upload", "import_preview"])
def test_it_lets_bob_change_nothing_in_territory_a(
    client_for, bob, territory_a, territory_b, contact_a, import_a, urls, name
):
    before = state(territory_a, contact_a, import_a), Contact.objects.for_territory(territory_b).count()
    assert client_for(bob).post(urls(name), posts(name)).status_code == 403
    after_b = urls(name, territory_b) if name not in ("contact_update", "import_preview") else None
    if after_b:  # the same post on his own territory works: the refusal above is scoping
        assert client_for(bob).post(after_b, posts(name)).status_code == 302
    assert state(territory_a, contact_a, import_a) == before[0]


def test_it_never_lets_bob_merge_into_or_match_territory_as_entities(client_for, bob, territory_b, territory_a):
    """Bob's own import and contacts never reach A's stakeholders, even under the same name."""
    client = client_for(bob)
    client.post(reverse("stakeholders:contact_create", args=[territory_b.slug]), contact_post("CCI Charente-Maritime"))
    cci_a = Stakeholder.objects.get(territory=territory_a, name="CCI Charente-Maritime")
    cci_b = Stakeholder.objects.get(territory=territory_b, name="CCI Charente-Maritime")
    assert cci_b.pk != cci_a.pk and not cci_a.contacts.filter(last_name="Intrus").exists()


@pytest.mark.parametrize("name", READ_PAGES)
def test_it_lets_victor_read_the_tracking_file(client_for, victor, urls, name):
    response = client_for(victor).get(urls(name))
    assert response.status_code == 200
    if name == "tracking_file":
        page = response.content.decode()
        assert "Secret" in page and "Ajouter un contact" not in page and "Importer un fichier" not in page
    if name == "import_preview":
        assert "Confirmer l'import" not in response.content.decode()


@pytest.mark.parametrize("name", WRITE_PAGES + ["import_preview"])
def test_it_lets_victor_change_nothing(client_for, victor, territory_a, contact_a, import_a, urls, name):
    before = state(territory_a, contact_a, import_a)
    client = client_for(victor)
    if name in WRITE_PAGES:
        assert client.get(urls(name)).status_code == 403
    assert client.post(urls(name), posts(name)).status_code == 403
    assert state(territory_a, contact_a, import_a) == before


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, contact_a, import_a, urls, name):
    before = state(territory_a, contact_a, import_a)
    for response in (client.get(urls(name)), client.post(urls(name), posts(name))):
        assert response.status_code == 302
        assert response.url.startswith(reverse(settings.LOGIN_URL))
    assert state(territory_a, contact_a, import_a) == before
