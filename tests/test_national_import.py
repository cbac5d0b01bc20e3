"""Bulk set-up of territories by ANCT (/national/territoires/import/): messy files, the preview's errors, one
transaction, invitations, idempotent re-import, hostile spreadsheets."""

import html
import io
import zipfile

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from pacte.accounts.models import Invitation
from pacte.national.importing import sirens_split, territories_file_parse, territories_plan
from pacte.territories.models import Territory
from tests.conftest import DUNKERQUE_SIREN, LA_ROCHELLE_SIREN

URL = "/national/territoires/import/"
ROCHEFORT_OCEAN = "200041762"  # already in territory A


def text(response) -> str:
    return html.unescape(response.content.decode())


def _upload(client, name, content):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def _messy_csv() -> bytes:
    """Windows-1252, semicolons, stray spaces, SIRENs separated by commas and spaces, a duplicated EPCI, an EPCI of
    another territory, a bad email, an unknown region, an empty name."""
    lines = [
        "Territoire ; Région ; SIREN des EPCI ; Courriels de l'équipe",
        f" Côte d'Opale industrielle ; Hauts-de-France ;  {DUNKERQUE_SIREN[:3]} {DUNKERQUE_SIREN[3:6]} {DUNKERQUE_SIREN[6:]} ; "
        "chef.projet@cud.fr, eco@cud.fr ",
        f"Aunis ; nouvelle aquitaine ; {LA_ROCHELLE_SIREN} , {DUNKERQUE_SIREN} ; pas-une-adresse",
        f"Rochefort bis ; Nouvelle-Aquitaine ; {ROCHEFORT_OCEAN} ; a@b.fr",
        "; Bretagne ; 123456789 ; x@y.fr",
        f"Ailleurs ; Atlantide ; {LA_ROCHELLE_SIREN}; z@y.fr",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _good_csv() -> bytes:
    lines = [
        "territoire,region,siren,emails",
        f'Côte d\'Opale industrielle,Hauts-de-France,"{DUNKERQUE_SIREN}",chef.projet@cud.fr;eco@cud.fr',
        f"Aunis,Nouvelle-Aquitaine,{LA_ROCHELLE_SIREN},dev.eco@agglo-larochelle.fr",
    ]
    return "\n".join(lines).encode("utf-8")


def test_it_splits_sirens_whatever_separates_them():
    assert sirens_split("200041762, 241700640;241 700 624 / 241700699") == [
        "200041762",
        "241700640",
        "241700624",
        "241700699",
    ]
    assert sirens_split(245900428) == ["245900428"]
    assert sirens_split(245900428.0) == ["245900428"]


def test_it_lists_every_row_and_its_errors_in_the_preview(client_for, nadia, territory_a):
    response = _upload(client_for(nadia), "liste.csv", _messy_csv())
    assert response.status_code == 200
    page = text(response)
    assert "Côte d'Opale industrielle" in page and "Création" in page
    assert f"L'intercommunalité Communauté urbaine de Dunkerque ({DUNKERQUE_SIREN}) figure déjà à la ligne 2" in page
    assert "« pas-une-adresse » n'est pas une adresse électronique valide." in page
    assert "fait déjà partie du territoire « Rochefort-Royan-Marennes-Oléron »" in page
    assert "Le nom du territoire est vide." in page
    assert "« 123456789 » n'est pas un numéro SIREN valide" in page
    assert "Région inconnue : « Atlantide »." in page
    assert 'name="payload"' not in page  # nothing can be applied while a row has an error
    assert not Territory.objects.filter(name="Côte d'Opale industrielle").exists()
    assert len(mail.outbox) == 0


def test_it_reads_an_unknown_epci_and_a_file_without_header(db):
    rows = territories_file_parse(filename="a.csv", content=b"Territoire,SIREN\nX,552100554\n")
    plan = territories_plan(rows)
    assert "Le SIREN 552100554 ne correspond à aucune intercommunalité connue." in plan.rows[0].errors
    assert "La région est vide." in plan.rows[0].errors
    with pytest.raises(Exception, match="Aucune ligne d'en-tête reconnue"):
        territories_file_parse(filename="a.csv", content=b"a,b\n1,2\n")


def test_it_creates_everything_in_one_go_then_nothing_on_reimport(client_for, nadia, territory_a):
    client = client_for(nadia)
    preview = _upload(client, "liste.csv", _good_csv())
    assert preview.status_code == 200
    assert "2 territoires à créer" in text(preview) and "3 invitations à envoyer" in text(preview)
    payload = preview.context["payload"]
    response = client.post(URL, {"payload": payload})
    assert response.status_code == 302 and response["Location"] == "/national/"
    done = text(client.get("/national/"))
    assert "Import terminé : 2 territoires créés, 0 mis à jour, 3 invitations envoyées." in done
    opale = Territory.objects.get(name="Côte d'Opale industrielle")
    assert opale.region == "Hauts-de-France"
    assert list(opale.intercommunalities.values_list("siren", flat=True)) == [DUNKERQUE_SIREN]
    assert opale.pact.status == "draft"  # from the template
    assert set(Invitation.objects.filter(territory=opale).values_list("email", flat=True)) == {
        "chef.projet@cud.fr",
        "eco@cud.fr",
    }
    assert len(mail.outbox) == 3
    # the same file again: nothing new, no second invitation
    again = _upload(client, "liste.csv", _good_csv())
    page = text(again)
    assert "2 territoires déjà à jour" in page and "0 invitation à envoyer" in page
    assert "0 territoire à créer" in page
    assert "Rien à créer ni à mettre à jour" in page
    client.post(URL, {"payload": again.context["payload"]})
    assert Territory.objects.filter(name="Côte d'Opale industrielle").count() == 1
    assert Invitation.objects.filter(territory=opale).count() == 2
    assert len(mail.outbox) == 3


def test_it_updates_an_existing_territory_with_a_new_team_member(client_for, nadia, territory_b):
    client = client_for(nadia)
    content = f"Territoire;Région;EPCI;Courriels\nDunkerque;Hauts-de-France;{DUNKERQUE_SIREN};nouvelle@cud.fr\n"
    preview = _upload(client, "maj.csv", content.encode())
    assert "Mise à jour" in text(preview)
    client.post(URL, {"payload": preview.context["payload"]})
    assert Invitation.objects.filter(territory=territory_b, email="nouvelle@cud.fr").count() == 1
    assert Territory.objects.filter(name="Dunkerque").count() == 1


def test_it_refuses_a_forged_or_stale_payload(client_for, nadia, db):
    response = client_for(nadia).post(URL, {"payload": "faux"}, follow=True)
    assert "Cet aperçu a expiré ou est invalide" in text(response)
    assert Territory.objects.count() == 1


def test_it_applies_nothing_when_the_data_changed_since_the_preview(client_for, nadia, territory_a):
    client = client_for(nadia)
    preview = _upload(client, "liste.csv", _good_csv())
    from pacte.replication.services import territory_create_from_template

    territory_create_from_template(name="Autre", sirens=[LA_ROCHELLE_SIREN], region="Nouvelle-Aquitaine")
    response = client.post(URL, {"payload": preview.context["payload"]})
    assert response.status_code == 409
    assert "rien n'a été créé" in text(response)
    assert not Territory.objects.filter(name="Côte d'Opale industrielle").exists()
    assert len(mail.outbox) == 0


def test_it_reads_an_xlsx_file(client_for, nadia, territory_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Nom du territoire", "Région", "SIREN des EPCI", "Emails de l'équipe"])
    sheet.append(["Aunis", "Nouvelle-Aquitaine", int(LA_ROCHELLE_SIREN), "dev.eco@agglo-larochelle.fr"])
    output = io.BytesIO()
    workbook.save(output)
    response = _upload(client_for(nadia), "liste.xlsx", output.getvalue())
    assert response.status_code == 200
    assert "1 territoire à créer" in text(response)


def test_it_refuses_a_crafted_xlsx_with_huge_dimensions(client_for, nadia, db):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Territoire", "Région", "SIREN", "Courriels"])
    output = io.BytesIO()
    workbook.save(output)
    source = zipfile.ZipFile(io.BytesIO(output.getvalue()))
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:D1"/>', b'<dimension ref="A1:XFD1048576"/>')
                rows = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (n, n) for n in range(2, 60002))
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            target.writestr(item, data)
    response = _upload(client_for(nadia), "bombe.xlsx", crafted.getvalue())
    assert response.status_code == 400
    assert "Le fichier dépasse 50" in text(response)
    assert Territory.objects.count() == 1
