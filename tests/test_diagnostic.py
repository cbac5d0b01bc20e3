"""The industrial diagnostic built from the interviews: evidence, editing, merging duplicates, retaining."""

import pytest
from django.test import Client
from django.urls import reverse

from pacte.core.models import JournalEntry
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Interview, InterviewStatus
from pacte.interviews.services import finding_record
from pacte.publications.services import pact_publish
from tests.test_queries import queries_for

LAND = "Du foncier industriel encore disponible sur les territoires de Rochefort Océan et de Royan"
DIAGNOSTIC_BUDGET = 15


@pytest.fixture
def url_a(territory_a):
    def build(name, *args):
        return reverse(f"interviews:{name}", args=[territory_a.slug, *args])

    return build


@pytest.fixture
def land(territory_a):
    return Finding.objects.get(territory=territory_a, text=LAND)


@pytest.fixture
def duplicate(territory_a, land):
    """The same finding, written differently after a third interview."""
    interview = Interview.objects.filter(territory=territory_a, findings__isnull=True).order_by("pk").first()
    return finding_record(
        interview=interview, axis=land.axis, kind=FindingKind.STRENGTH, text="Encore du foncier disponible à Royan"
    )


def _block(page, finding):
    start = page.index(f'id="constat-{finding.pk}"')
    return page[start : page.index(f'form="retain-{finding.pk}"', start)]  # up to its buttons


def test_it_shows_each_finding_with_the_interviews_that_support_it(client_for, alice, url_a, land):
    page = client_for(alice).get(url_a("diagnostic")).content.decode()
    block = _block(page, land)
    assert "Étayé par 2 entretiens" in block
    assert "Communauté d&#x27;agglomération Rochefort Océan, 13 mai 2024" in block
    assert "Syndicat mixte des aéroports" in block


def test_it_shows_the_4_axes_of_the_reference_case(client_for, alice, url_a):
    page = client_for(alice).get(url_a("diagnostic")).content.decode()
    for name in (
        "Infrastructure, foncier et innovation",
        "Gouvernance et écosystème",
        "Emploi et formation",
        "Ressources et environnement",
    ):
        assert f">{name}</h2>" in page


def test_it_keeps_the_evidence_when_the_wording_changes(client_for, alice, url_a, land):
    evidence = set(land.interviews.values_list("pk", flat=True))
    response = client_for(alice).post(
        url_a("finding_update", land.pk),
        {
            "axis": land.axis_id,
            "kind": land.kind,
            "text": "Du foncier industriel encore disponible",
            "theme": "",
            "retained": "on",
        },
    )
    assert response.status_code == 302
    land.refresh_from_db()
    assert land.text == "Du foncier industriel encore disponible"
    assert set(land.interviews.values_list("pk", flat=True)) == evidence


def test_it_marks_a_new_finding_as_to_examine_and_keeps_it_off_the_public_page(
    client_for, alice, url_a, duplicate, territory_a
):
    team, client = client_for(alice), Client()  # the team, and a citizen
    assert "à examiner" in _block(team.get(url_a("diagnostic")).content.decode(), duplicate)
    public = reverse("public:pact", args=[territory_a.slug])
    assert duplicate.text not in team.get(public + "?apercu=1").content.decode()
    team.post(url_a("finding_update", duplicate.pk), {"retained": "1"})
    duplicate.refresh_from_db()
    assert duplicate.retained
    assert duplicate.text in team.get(public + "?apercu=1").content.decode()  # in the draft of the next version
    assert duplicate.text not in client.get(public).content.decode()  # not in the published one…
    pact_publish(pact=territory_a.pact)
    assert duplicate.text in client.get(public).content.decode()  # …until the next version is published


def test_it_merges_duplicates_and_keeps_the_evidence_of_both(client_for, alice, url_a, land, duplicate, territory_a):
    evidence = set(land.interviews.values_list("pk", flat=True)) | set(
        duplicate.interviews.values_list("pk", flat=True)
    )
    assert len(evidence) == 3
    response = client_for(alice).post(url_a("finding_merge"), {"findings": [land.pk, duplicate.pk], "target": land.pk})
    assert response.status_code == 302
    assert not Finding.objects.filter(pk=duplicate.pk).exists()
    land.refresh_from_db()
    assert land.text == LAND
    assert land.retained
    assert set(land.interviews.values_list("pk", flat=True)) == evidence
    entry = JournalEntry.objects.get(territory=territory_a, verb="findings_merged")
    assert "Encore du foncier disponible à Royan" in entry.message
    page = client_for(alice).get(url_a("diagnostic")).content.decode()
    assert "Étayé par 3 entretiens" in _block(page, land)


def test_it_merges_under_a_new_wording(client_for, alice, url_a, land, duplicate):
    client_for(alice).post(
        url_a("finding_merge"),
        {"findings": [land.pk, duplicate.pk], "target": duplicate.pk, "text": "Du foncier encore disponible"},
    )
    duplicate.refresh_from_db()
    assert duplicate.text == "Du foncier encore disponible"
    assert duplicate.retained  # one of the merged findings was in the pact
    assert duplicate.interviews.count() == 3
    assert not Finding.objects.filter(pk=land.pk).exists()


def test_it_refuses_to_merge_a_strength_with_a_weakness(client_for, alice, url_a, land, territory_a):
    weakness = Finding.objects.filter(territory=territory_a, kind=FindingKind.WEAKNESS).first()
    response = client_for(alice).post(url_a("finding_merge"), {"findings": [land.pk, weakness.pk]}, follow=True)
    assert "Un atout ✓ et une faiblesse ✗ ne peuvent pas être fusionnés." in response.content.decode()
    assert Finding.objects.filter(pk__in=[land.pk, weakness.pk]).count() == 2


def test_it_asks_for_two_findings_to_merge(client_for, alice, url_a, land):
    response = client_for(alice).post(url_a("finding_merge"), {"findings": [land.pk]}, follow=True)
    assert "Cochez au moins deux constats à fusionner." in response.content.decode()
    assert Finding.objects.filter(pk=land.pk).exists()


def test_it_never_merges_a_finding_of_another_territory(client_for, alice, bob, url_a, land, territory_b):
    axis_b = DiagnosticAxis.objects.filter(territory=territory_b).first()
    other = Finding.objects.create(
        territory=territory_b, axis=axis_b, kind=FindingKind.STRENGTH, text="Port en eau profonde"
    )
    client_for(alice).post(url_a("finding_merge"), {"findings": [land.pk, other.pk], "target": land.pk})
    assert Finding.objects.filter(pk=other.pk).exists()
    assert Finding.objects.filter(pk=land.pk).exists()


def test_it_refuses_to_move_a_finding_to_an_axis_of_another_territory(client_for, alice, url_a, land, territory_b):
    axis_b = DiagnosticAxis.objects.filter(territory=territory_b).first()
    response = client_for(alice).post(
        url_a("finding_update", land.pk), {"axis": axis_b.pk, "kind": land.kind, "text": "x", "retained": "on"}
    )
    assert response.status_code == 200
    land.refresh_from_db()
    assert land.text == LAND


# --- who may see and change it ----------------------------------------------------------------------------


def test_it_hides_the_diagnostic_workspace_of_territory_a_from_bob(client_for, bob, url_a, land, territory_b):
    client = client_for(bob)
    assert client.get(url_a("diagnostic")).status_code == 403
    assert client.get(url_a("finding_update", land.pk)).status_code == 403
    assert client.get(reverse("interviews:finding_update", args=[territory_b.slug, land.pk])).status_code == 404


def test_it_ignores_bobs_writes_to_the_findings_of_territory_a(client_for, bob, url_a, land, duplicate, territory_b):
    client = client_for(bob)
    assert client.post(url_a("finding_update", land.pk), {"retained": "0"}).status_code == 403
    mine = reverse("interviews:finding_update", args=[territory_b.slug, land.pk])
    assert client.post(mine, {"retained": "0"}).status_code == 404
    assert client.post(url_a("finding_merge"), {"findings": [land.pk, duplicate.pk]}).status_code == 403
    # through his own territory's address, A's findings are not valid choices
    client.post(reverse("interviews:finding_merge", args=[territory_b.slug]), {"findings": [land.pk, duplicate.pk]})
    land.refresh_from_db()
    assert land.retained
    assert Finding.objects.filter(pk=duplicate.pk).exists()


def test_it_lets_a_viewer_read_the_diagnostic_but_not_change_it(client_for, victor, url_a, land, duplicate):
    client = client_for(victor)
    page = client.get(url_a("diagnostic")).content.decode()
    assert "Étayé par 2 entretiens" in page
    assert "Fusionner les constats cochés" not in page
    assert client.post(url_a("finding_update", land.pk), {"retained": "0"}).status_code == 403
    assert client.post(url_a("finding_merge"), {"findings": [land.pk, duplicate.pk]}).status_code == 403
    assert Finding.objects.filter(pk=duplicate.pk).exists()


def test_it_sends_anonymous_visitors_to_the_login_page(client, url_a, land):
    for url in (url_a("diagnostic"), url_a("finding_update", land.pk)):
        assert client.get(url).url.startswith(reverse("accounts:login"))


def test_it_renders_the_diagnostic_within_the_same_budget_with_10_times_the_data(client_for, alice, url_a, territory_a):
    client = client_for(alice)
    before = queries_for(client, url_a("diagnostic"))
    interviews = list(Interview.objects.filter(territory=territory_a, status=InterviewStatus.DONE))
    for axis in DiagnosticAxis.objects.filter(territory=territory_a):
        for i in range(20):
            finding = Finding.objects.create(
                territory=territory_a, axis=axis, kind=FindingKind.STRENGTH, text=f"Constat {i}"
            )
            finding.interviews.set(interviews[i % 5 :: 5])
    after = queries_for(client, url_a("diagnostic"))
    assert after == before
    assert after <= DIAGNOSTIC_BUDGET
