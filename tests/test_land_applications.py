"""Applications: public calls, applying without an account (SIREN, attachments), completeness, screening."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pacte.land.models import Application, ApplicationStatus, Attachment, CallStatus, LandCall, LandEvent, ScreeningRule
from pacte.land.services_calls import application_check, call_open

from .test_land_calls import make_call

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name="plan.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


ANSWERS = {
    "density": "Bâtiment sur deux niveaux",
    "brownfield": "Réemploi d'un hangar",
    "vegetated_share": "25",
    "rainwater": "Cuve de 50 m3",
    "materials": "Bois local",
    "renewable_share": "40",
    "local_sourcing": "Sous-traitants rochefortais",
    "pooling": "Réseau de chaleur",
    "training_hiring": "Alternants",
    "residents_information": "Réunion publique",
}


def form_data(**extra):
    data = {
        "company_name": "Aéro Atlantique",
        "siren": "732 829 320",
        "contact_email": "contact@aero.example.fr",
        "project": "Atelier de composites",
        "jobs_created": "40",
        "jobs_kept": "10",
        "surface_ha": "5",
        "land_use": "built",
    } | ANSWERS
    return data | extra


def open_call(territory, actor, *, rules=("Toitures : part solarisée ou végétalisée conforme à la loi",)):
    call = make_call(territory, actor)
    for text in rules:
        ScreeningRule.objects.create(call=call, text=text)
    call_open(call=call, actor=actor)
    call.refresh_from_db()
    return call


def apply_url(call):
    return reverse("land:apply", args=[call.territory.slug, call.pk])


def test_it_lists_and_shows_public_calls(territory_a, alice, client):
    draft = make_call(territory_a, alice)
    LandCall.objects.filter(pk=draft.pk).update(title="Brouillon secret")
    call = open_call(territory_a, alice)
    response = client.get(reverse("land:public_calls", args=[territory_a.slug]))
    assert response.status_code == 200
    assert call.title in response.content.decode() and "Brouillon secret" not in response.content.decode()
    response = client.get(reverse("land:public_call", args=[territory_a.slug, call.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "Densité" in body and "Toitures" in body and "éliminatoire" in body
    assert client.get(reverse("land:public_call", args=[territory_a.slug, draft.pk])).status_code == 404
    assert client.get(apply_url(draft)).status_code == 404


def test_it_hides_public_pages_of_a_draft_territory(territory_b, bob, client):
    call = open_call(territory_b, bob, rules=())
    assert client.get(reverse("land:public_calls", args=[territory_b.slug])).status_code == 404
    assert client.get(reverse("land:public_call", args=[territory_b.slug, call.pk])).status_code == 404
    assert client.get(apply_url(call)).status_code == 404
    assert client.post(apply_url(call), form_data()).status_code == 404
    assert not Application.objects.filter(call=call).exists()


def test_it_applies_without_an_account(territory_a, alice, client):
    call = open_call(territory_a, alice)
    response = client.post(apply_url(call), form_data(plan=pdf(), business=png("bp.png")))
    assert response.status_code == 200
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.SUBMITTED and application.siren == "732829320"
    assert f"FON-{call.pk}-{application.pk:05d}" in response.content.decode()
    assert set(application.attachments.values_list("kind", flat=True)) == {"plan", "business"}
    assert all(a.file.name.startswith("candidatures/") for a in application.attachments.all())
    assert LandEvent.objects.filter(call=call, data__application=application.pk).exists()


def test_it_refuses_a_siren_with_a_bad_key(territory_a, alice, client):
    call = open_call(territory_a, alice)
    response = client.post(apply_url(call), form_data(siren="732829321"))
    assert response.status_code == 200 and not Application.objects.exists()
    assert "Ce SIREN n'est pas valide" in response.context["form"].errors["siren"][0]


def test_it_refuses_attachments_by_content_and_size(territory_a, alice, client, settings):
    call = open_call(territory_a, alice)
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(apply_url(call), form_data(plan=fake))
    assert response.status_code == 200 and not Application.objects.exists()
    assert "PDF, JPEG ou PNG" in response.context["form"].errors["plan"][0]
    big = SimpleUploadedFile("bp.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = client.post(apply_url(call), form_data(business=big))
    assert not Application.objects.exists()
    assert "10 Mo" in response.context["form"].errors["business"][0]


def test_it_applies_only_while_open(territory_a, alice, client):
    call = open_call(territory_a, alice)
    LandCall.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    assert client.post(apply_url(call), form_data()).status_code == 403
    today = timezone.localdate()
    LandCall.objects.filter(pk=call.pk).update(
        status=CallStatus.OPEN,
        opens_on=today + datetime.timedelta(days=2),
        closes_on=today + datetime.timedelta(days=9),
    )
    assert client.post(apply_url(call), form_data()).status_code == 403
    LandCall.objects.filter(pk=call.pk).update(
        opens_on=today - datetime.timedelta(days=9), closes_on=today - datetime.timedelta(days=2)
    )
    assert client.get(apply_url(call)).status_code == 403
    assert not Application.objects.exists()


def _submitted(call, client, **extra):
    client.post(apply_url(call), form_data(**extra))
    return Application.objects.filter(call=call).latest("pk")


def test_it_declares_an_incomplete_application_with_what_is_missing(territory_a, alice, client, client_for):
    call = open_call(territory_a, alice, rules=())
    application = _submitted(call, client, rainwater="", plan=pdf())
    team = client_for(alice)
    response = team.post(reverse("land:application", args=[territory_a.slug, application.pk]), {})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INCOMPLETE
    assert "récupération des eaux de pluie" in application.missing
    assert "Plan d'affaires" in application.missing and "Plan masse" not in application.missing
    assert LandEvent.objects.filter(call=call, actor=alice, data__status=ApplicationStatus.INCOMPLETE).exists()


def test_it_completes_then_screens_out(territory_a, alice, client, client_for):
    call = open_call(territory_a, alice)
    rule = call.screening_rules.get()
    ok = _submitted(call, client, plan=pdf(), business=pdf("bp.pdf"))
    out = _submitted(call, client, company_name="Autre", plan=pdf(), business=pdf("bp.pdf"))
    team = client_for(alice)
    url = reverse("land:application", args=[territory_a.slug, ok.pk])
    assert team.post(url, {f"rule_{rule.pk}": "yes"}).status_code == 302
    ok.refresh_from_db()
    assert ok.status == ApplicationStatus.COMPLETE and ok.missing == ""
    url = reverse("land:application", args=[territory_a.slug, out.pk])
    assert team.post(url, {f"rule_{rule.pk}": "no", f"note_{rule.pk}": "Toiture nue"}).status_code == 302
    out.refresh_from_db()
    assert out.status == ApplicationStatus.SCREENED_OUT
    assert out.screening.get().note == "Toiture nue" and "Toitures" in out.missing


def test_it_requires_every_screening_answer(territory_a, alice, client):
    call = open_call(territory_a, alice)
    application = _submitted(call, client, plan=pdf(), business=pdf("bp.pdf"))
    with pytest.raises(ValidationError, match="exigence légale"):
        application_check(application=application, actor=alice, screening={})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_it_serves_attachments_only_to_the_team(territory_a, territory_b, alice, bob, victor, client, client_for):
    call = open_call(territory_a, alice)
    application = _submitted(call, client, plan=pdf())
    attachment = application.attachments.get()
    url = reverse("land:application", args=[territory_a.slug, application.pk]) + f"?piece={attachment.pk}"
    # Reading the whole stream closes the file (the test client's wrapper); response.close() would also close
    # the test's database connection on PostgreSQL.
    response = client_for(alice).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    response = client_for(victor).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content)
    client.logout()
    assert client.get(url).status_code == 302
    assert client.get("/media/" + attachment.file.name).status_code == 404
    # 404, not 403: a file one may not read is not told to exist
    assert client_for(bob).get(url).status_code == 404
    assert (
        client_for(bob)
        .get(reverse("land:application", args=[territory_b.slug, application.pk]) + f"?piece={attachment.pk}")
        .status_code
        == 404
    )


def test_it_lets_a_viewer_read_an_application_but_not_check_it(territory_a, alice, victor, client, client_for):
    call = open_call(territory_a, alice, rules=())
    application = _submitted(call, client, plan=pdf(), business=pdf("bp.pdf"))
    viewer = client_for(victor)
    url = reverse("land:application", args=[territory_a.slug, application.pk])
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {}).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Attachment.objects.filter(application=application).count() == 2
    assert Decimal(application.surface_ha) == 5


def test_it_links_the_land_calls_and_the_calendar_from_the_public_pact_page(client, territory_a):
    page = client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()
    assert reverse("land:public_calls", args=[territory_a.slug]) in page
    assert reverse("committees:ics", args=[territory_a.slug]) in page


def test_it_never_reexamines_an_application_the_committee_has_scored(territory_a, alice):
    from pacte.land.models import CommitteeMember, Criterion, Score

    call = make_call(territory_a, alice)
    application = Application.objects.create(
        call=call, company_name="Notée", siren="732829320", contact_email="n@example.fr", project="x", surface_ha=1
    )
    criterion = Criterion.objects.create(call=call, name="Densité", weight=1, levels=[""] * 6)
    member = CommitteeMember.objects.create(call=call, name="Membre")
    Score.objects.create(member=member, application=application, criterion=criterion, value=3)
    with pytest.raises(ValidationError, match="commencé à noter"):
        application_check(application=application, actor=alice, screening={})
