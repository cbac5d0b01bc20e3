"""The tracking-file pages as the territory team uses them: table, filters, contact form, import, export."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pacte.core.models import JournalEntry
from pacte.stakeholders.models import Category, Contact, ContactStatus, Priority, Stakeholder, TrackingFileImport
from tests.test_tracking_file_import import SOURCE_MERGES, SOURCE_SAMPLE, csv_file, messy_rows, xlsx_file


def url(name, territory, *args):
    return reverse(f"stakeholders:{name}", args=[territory.slug, *args])


@pytest.fixture
def campaign(territory_a):
    """Three contacts besides the demo's nameless ones."""
    airbus = Stakeholder.objects.get(territory=territory_a, name="Airbus")
    cci = Stakeholder.objects.get(territory=territory_a, name="CCI Charente-Maritime")
    return [
        Contact.objects.create(
            stakeholder=airbus,
            last_name="Zola",
            first_name="Émile",
            priority=Priority.HIGH,
            contacted_by="Président",
            status=ContactStatus.CONTACTED,
        ),
        Contact.objects.create(
            stakeholder=airbus,
            last_name="Abel",
            first_name="Anne",
            priority=Priority.LOW,
            contacted_by="Chef de projet",
            email="anne.abel@example.org",
        ),
        Contact.objects.create(
            stakeholder=cci,
            last_name="Martin",
            first_name="Claire",
            priority=Priority.HIGH,
            contacted_by="Chef de projet",
            status=ContactStatus.INTERVIEW_DONE,
        ),
    ]


# --- the table ---------------------------------------------------------------------------------------------


def test_it_shows_the_tracking_file_with_its_columns_links_and_counts(client_for, alice, campaign, territory_a):
    response = client_for(alice).get(url("tracking_file", territory_a))
    assert response.status_code == 200
    page = response.content.decode()
    for header in [
        "Typologie",
        "Entité",
        "Nom",
        "Prénom",
        "Priorité",
        "Qui contacte ?",
        "Statut",
        "Dernier échange",
        "Courriel",
        "Téléphone",
    ]:
        assert f">{header}</a></th>" in page or f">{header} ▲</a></th>" in page
    assert (
        "Ajouter un contact" in page
        and url("import_upload", territory_a) in page
        and url("export", territory_a) in page
    )
    total = Contact.objects.for_territory(territory_a).count()
    assert f"{total} contacts" in page
    assert 'data-facet="contacted_by=Chef de projet">Chef de projet : 2</span>' in page
    assert url("contact_update", territory_a, campaign[0].pk) in page
    assert "anne.abel@example.org" in page


def test_it_filters_by_priority_and_counts_the_other_filters_under_it(client_for, alice, campaign, territory_a):
    response = client_for(alice).get(
        url("tracking_file", territory_a), {"priority": "prioritaire", "contacted_by": "Chef de projet"}
    )
    page = response.content.decode()
    assert "Martin" in page and "Zola" not in page and "Abel" not in page
    assert "1 contact " in page
    # Status counts under both filters; priority counts under the "who contacts" filter only.
    assert 'data-facet="status=entretien_realise">Entretien réalisé : 1</span>' in page
    assert 'data-facet="priority=facultative">Facultative : 1</span>' in page
    assert '<option value="prioritaire" selected>Prioritaire' in page


def test_it_ignores_unknown_filter_values_and_sorts(client_for, alice, campaign, territory_a):
    page = (
        client_for(alice).get(url("tracking_file", territory_a), {"priority": "urgente", "tri": "nom"}).content.decode()
    )
    assert page.index("Abel") < page.index("Martin") < page.index("Zola")
    page = client_for(alice).get(url("tracking_file", territory_a), {"tri": "-nom"}).content.decode()
    assert page.index("Zola") < page.index("Martin") < page.index("Abel")
    assert 'aria-sort="descending"' in page
    page = client_for(alice).get(url("tracking_file", territory_a), {"tri": "password"}).content.decode()
    assert "Zola" in page  # an unknown sort key falls back to the default order


def test_it_paginates_a_long_tracking_file(client_for, alice, territory_a):
    airbus = Stakeholder.objects.get(territory=territory_a, name="Airbus")
    Contact.objects.bulk_create(
        Contact(territory=territory_a, stakeholder=airbus, last_name=f"Nom{i:03}") for i in range(250)
    )
    page = client_for(alice).get(url("tracking_file", territory_a), {"page": 2}).content.decode()
    assert "Page 2 sur 3" in page


def _contacts(territory, n):
    stakeholders = list(Stakeholder.objects.for_territory(territory)[:5])
    Contact.objects.bulk_create(
        Contact(
            territory=territory, stakeholder=stakeholders[i % 5], last_name=f"Nom {i}", contacted_by=f"Agent {i % 3}"
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 100])
def test_it_renders_the_tracking_file_in_a_bounded_number_of_queries(
    client_for, alice, territory_a, django_assert_num_queries, n
):
    _contacts(territory_a, n)
    client = client_for(alice)
    # 1 session, 2 user, 3 territory by slug with the user's role in it (read and write checks), 4 COUNT for the
    # paginator, 5 the page of contacts with their stakeholder, 6 entities without a contact, 7–10 one GROUP BY per
    # filter.
    with django_assert_num_queries(10):
        response = client.get(url("tracking_file", territory_a), {"contacted_by": "Agent 1", "tri": "-statut"})
    assert response.status_code == 200


# --- one contact -------------------------------------------------------------------------------------------


def test_it_adds_a_contact_to_a_new_entity_once_its_typology_is_chosen(client_for, alice, territory_a):
    client = client_for(alice)
    data = {
        "stakeholder_name": "  Chantier  Naval Oléron ",
        "last_name": "Durand",
        "priority": "prioritaire",
        "status": "contacte",
    }
    response = client.post(url("contact_create", territory_a), data)
    assert response.status_code == 200
    assert "Choisissez la typologie de cette nouvelle entité." in response.content.decode()
    response = client.post(url("contact_create", territory_a), {**data, "category": Category.COMPANIES})
    assert response.status_code == 302 and response.url == url("tracking_file", territory_a)
    contact = Contact.objects.get(territory=territory_a, last_name="Durand")
    assert contact.stakeholder.name == "Chantier Naval Oléron" and contact.stakeholder.category == Category.COMPANIES
    assert contact.last_action_on == timezone.localdate()  # a status other than "À contacter": dated today


def test_it_recognises_an_existing_entity_written_differently(client_for, alice, territory_a):
    cci = Stakeholder.objects.get(territory=territory_a, name="CCI Charente-Maritime")
    response = client_for(alice).post(
        url("contact_create", territory_a),
        {"stakeholder_name": "cci charente maritime", "priority": "souhaitable", "status": "a_contacter"},
    )
    assert response.status_code == 302
    assert cci.contacts.count() == 2 and Stakeholder.objects.filter(name_key="cci charente maritime").count() <= 1


def test_it_changes_a_contact_and_dates_a_status_change(client_for, alice, campaign, territory_a):
    contact = campaign[1]
    client = client_for(alice)
    form = client.get(url("contact_update", territory_a, contact.pk)).content.decode()
    assert 'value="Abel"' in form and 'value="anne.abel@example.org"' in form
    data = {
        "stakeholder_name": "Airbus",
        "category": "entreprises",
        "last_name": "Abel",
        "first_name": "Anne",
        "priority": "prioritaire",
        "status": "entretien_planifie",
        "notes": "Rendez-vous au salon",
    }
    assert client.post(url("contact_update", territory_a, contact.pk), data).status_code == 302
    contact.refresh_from_db()
    assert (contact.priority, contact.status, contact.last_action_on) == (
        "prioritaire",
        "entretien_planifie",
        timezone.localdate(),
    )
    data.update(status="entretien_realise", last_action_on="2025-02-03")
    client.post(url("contact_update", territory_a, contact.pk), data)
    contact.refresh_from_db()
    assert contact.last_action_on == datetime.date(2025, 2, 3)


# --- import ------------------------------------------------------------------------------------------------


def test_it_refuses_an_unsupported_or_oversized_file(client_for, alice, territory_a, monkeypatch):
    client = client_for(alice)
    response = client.post(url("import_upload", territory_a), {"file": SimpleUploadedFile("suivi.ods", b"x")})
    assert "Format « .ods » non pris en charge : déposez un fichier .xlsx ou .csv." in response.content.decode()
    monkeypatch.setattr("pacte.stakeholders.forms.MAX_UPLOAD_SIZE", 10)
    response = client.post(url("import_upload", territory_a), {"file": SimpleUploadedFile("suivi.csv", b"x" * 11)})
    assert "Le fichier dépasse" in response.content.decode()
    assert not TrackingFileImport.objects.exists()


def test_it_previews_a_messy_file_before_writing_anything(client_for, alice, territory_a):
    client = client_for(alice)
    stakeholders, contacts = Stakeholder.objects.count(), Contact.objects.count()
    response = client.post(
        url("import_upload", territory_a), {"file": SimpleUploadedFile("Suivi acteurs.xlsx", xlsx_file(messy_rows()))}
    )
    tracking_import = TrackingFileImport.objects.get(territory=territory_a)
    assert response.status_code == 302 and response.url == url("import_preview", territory_a, tracking_import.pk)
    assert tracking_import.uploaded_by == alice and tracking_import.filename == "Suivi acteurs.xlsx"

    page = client.get(response.url).content.decode()
    assert "Ligne d'en-tête reconnue : ligne 3" in page
    assert "ligne 7 : priorité « Urgente » inconnue (attendu : Prioritaire, Souhaitable ou Facultative)" in page
    assert "ligne 9 : entité manquante" in page
    assert "ligne 10 : courriel « pas-un-courriel » invalide" in page
    assert "3 lignes refusées" in page and "4 contacts à créer" in page and "2 entités à créer" in page
    assert "« CCI Charente Maritime » est l'entité existante « CCI Charente-Maritime »" in page
    assert 'name="merge" value="CCI Charente Maritime" id="merge-2" checked' in page
    assert (
        "« atelier naval d’oleron » est la même entité que « Atelier Naval d&#x27;Oléron » (autre ligne du fichier)"
        in page
    )
    assert "Club des entrepreneurs" in page and "interlocuteur à identifier" in page
    assert "Ignorer les 3 lignes refusées et importer les autres" in page
    assert (Stakeholder.objects.count(), Contact.objects.count()) == (stakeholders, contacts)


def test_it_blocks_the_confirmation_of_a_file_with_refused_rows_until_the_user_ignores_them(
    client_for, alice, territory_a
):
    client = client_for(alice)
    contacts = Contact.objects.count()
    tracking_import = TrackingFileImport.objects.create(
        territory=territory_a, filename="m.xlsx", content=xlsx_file(messy_rows())
    )
    response = client.post(url("import_preview", territory_a, tracking_import.pk), {"merge": ["CCI Charente Maritime"]})
    assert response.status_code == 200
    assert "Le fichier contient 3 lignes refusées" in response.content.decode()
    assert Contact.objects.count() == contacts
    # The refused merge stays unticked on the page shown again.
    assert 'value="atelier naval d’oleron" id="merge-1">' in response.content.decode()

    response = client.post(
        url("import_preview", territory_a, tracking_import.pk),
        {"merge": ["CCI Charente Maritime"], "ignore_refused": "on"},
        follow=True,
    )
    assert "4 contacts créés, 0 mis à jour" in response.content.decode()
    assert Contact.objects.count() == contacts + 4
    assert Stakeholder.objects.filter(territory=territory_a, name="atelier naval d’oleron").exists()

    response = client.post(url("import_preview", territory_a, tracking_import.pk), {"ignore_refused": "on"})
    assert "déjà été importé" in response.content.decode() and Contact.objects.count() == contacts + 4
    assert "Fichier importé le" in client.get(url("import_preview", territory_a, tracking_import.pk)).content.decode()


def test_it_imports_a_windows_csv_and_reimporting_it_changes_nothing(client_for, alice, territory_a):
    client = client_for(alice)
    rows = [row + [None] * (6 - len(row)) for row in SOURCE_SAMPLE]
    content = csv_file(rows)
    for expected in (
        "12 contacts créés, 0 mis à jour, 0 inchangé, 10 entités créées",
        "0 contact créé, 0 mis à jour, 12 inchangés",
    ):
        client.post(url("import_upload", territory_a), {"file": SimpleUploadedFile("suivi.csv", content)})
        tracking_import = TrackingFileImport.objects.for_territory(territory_a).first()
        response = client.post(url("import_preview", territory_a, tracking_import.pk), follow=True)
        assert expected in response.content.decode()
    assert Stakeholder.objects.get(territory=territory_a, name="Préfecture").category == Category.STATE
    journal = JournalEntry.objects.filter(territory=territory_a, verb="tracking_file_imported", actor=alice)
    assert [e.message.split(" : ")[0] for e in journal] == ["« suivi.csv »", "« suivi.csv »"]


def test_it_shows_a_french_error_for_an_unreadable_file(client_for, alice, territory_a):
    tracking_import = TrackingFileImport.objects.create(
        territory=territory_a, filename="x.csv", content=csv_file([["a", "b"]])
    )
    page = client_for(alice).get(url("import_preview", territory_a, tracking_import.pk)).content.decode()
    assert "Ce fichier ne peut pas être importé" in page and "Ligne d&#x27;en-tête introuvable" in page


# --- export ------------------------------------------------------------------------------------------------


def test_it_exports_the_tracking_file_as_a_workbook_that_reimports_cleanly(client_for, alice, campaign, territory_a):
    client = client_for(alice)
    response = client.get(url("export", territory_a))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'attachment; filename="fichier-de-suivi-rochefort-royan-marennes-oleron-' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == Contact.objects.for_territory(territory_a).count() + 1
    response = client.post(
        url("import_upload", territory_a), {"file": SimpleUploadedFile("export.xlsx", response.content)}
    )
    page = client.get(response.url).content.decode()
    assert "0 contact à créer" in page and "0 contact à mettre à jour" in page and "0 ligne refusée" in page


def test_it_offers_a_blank_model_file(client_for, alice, territory_a):
    response = client_for(alice).get(url("import_model", territory_a))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:5] == [
        "Typologie",
        "Entité",
        "Nom",
        "Prénom",
        "Priorité",
    ] and sheet.max_row == 1


def test_it_reads_the_sources_sample_uploaded_as_xlsx(client_for, alice, territory_a):
    client = client_for(alice)
    response = client.post(
        url("import_upload", territory_a),
        {"file": SimpleUploadedFile("suivi.xlsx", xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES))},
    )
    page = client.get(response.url).content.decode()
    assert "12 contacts à créer" in page and "10 entités à créer" in page and "0 ligne refusée" in page
    assert 'Bpifrance <span class="fr-text--xs">(Services et opérateurs de l&#x27;État)</span>' in page


def test_it_filters_the_contacts_nobody_contacts_yet(client_for, alice, campaign, territory_a):
    Contact.objects.for_territory(territory_a).exclude(pk__in=[c.pk for c in campaign]).update(contacted_by="Équipe")
    orphan = Contact.objects.create(stakeholder=campaign[0].stakeholder, last_name="Personne", contacted_by="")
    page = client_for(alice).get(url("tracking_file", territory_a), {"contacted_by": "(vide)"}).content.decode()
    assert "Personne" in page and "Zola" not in page and "1 contact " in page
    assert '<option value="(vide)" selected>(non renseigné) (1)</option>' in page
    assert orphan.contacted_by == ""


def test_it_sorts_entities_whatever_their_case(territory_a):
    from pacte.stakeholders.services import tracking_file_contacts

    contacts, _ = tracking_file_contacts(territory=territory_a, filters={"category": "entreprises"}, sort="entite")
    names = [c.stakeholder.name for c in contacts]
    assert names[:3] == ["Airbus", "AMR", "Applus+ Rescoll"]
    contacts, _ = tracking_file_contacts(territory=territory_a, filters={"category": "entreprises"}, sort="-entite")
    assert [c.stakeholder.name for c in contacts][-3:] == ["Applus+ Rescoll", "AMR", "Airbus"]
