"""Behaviours added after review: rows never move between territories, per-theme groups, SIREN typing,
communes that leave an EPCI, and the production secret key."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pacte.accounts.models import Role, TerritoryMembership
from pacte.commitments.models import Commitment, Theme
from pacte.governance.models import ThematicGroup
from pacte.replication.forms import TerritoryFromTemplateForm
from pacte.roadmap.services import roadmap_for
from pacte.territories.models import Commune, Intercommunality
from pacte.territories.services import reference_data_populate


@pytest.fixture
def carol(territory_a, territory_b):
    """A team member of both territories: the only kind of user who could try to move a row."""
    user = get_user_model().objects.create_user(username="carol", password="x", is_staff=True)
    TerritoryMembership.objects.create(user=user, territory=territory_a, role=Role.TEAM)
    TerritoryMembership.objects.create(user=user, territory=territory_b, role=Role.TEAM)
    return user


def test_it_never_moves_a_theme_to_another_territory(client_for, carol, territory_a, territory_b):
    theme = Theme.objects.filter(territory=territory_a).first()
    url = reverse("admin:commitments_theme_change", args=[theme.pk])

    client_for(carol).post(
        url, {"territory": territory_b.pk, "order": theme.order, "code": theme.code, "name": "Renommée"}
    )

    theme.refresh_from_db()
    assert (theme.territory, theme.name) == (territory_a, "Renommée")
    assert Commitment.objects.filter(theme=theme).exclude(territory=territory_a).count() == 0


def test_it_refuses_a_commitment_whose_theme_belongs_to_another_territory(client_for, carol, territory_a, territory_b):
    theme_b = Theme.objects.filter(territory=territory_b).first()
    before = Commitment.objects.count()
    data = {
        "territory": territory_a.pk,
        "order": 0,
        "theme": theme_b.pk,
        "short_title": "Mélange",
        "title": "Mélange",
        "company_actions-TOTAL_FORMS": 0,
        "company_actions-INITIAL_FORMS": 0,
        "territory_actions-TOTAL_FORMS": 0,
        "territory_actions-INITIAL_FORMS": 0,
    }

    response = client_for(carol).post(reverse("admin:commitments_commitment_add"), data)

    assert response.status_code == 200
    assert "doit appartenir au même territoire" in response.content.decode()
    assert Commitment.objects.count() == before


def test_it_requires_a_complete_group_for_each_theme_in_step_5(territory_a):
    themes = list(Theme.objects.filter(territory=territory_a))
    # Two groups on the first theme, none on the last: six groups, but one theme without.
    ThematicGroup.objects.filter(territory=territory_a, theme=themes[-1]).update(theme=themes[0])

    step5 = roadmap_for(territory_a)[4]

    groups_check = step5.checks[1]
    assert not groups_check.done
    assert "5/6 groupes" in groups_check.detail
    assert themes[-1].name in groups_check.detail


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("241 700 434", ["241700434"]),
        ("241 700 434 241 700 640", ["241700434", "241700640"]),
        ("241700434 241700640", ["241700434", "241700640"]),
        ("241700434;\n241 700 640", ["241700434", "241700640"]),
    ],
)
def test_it_reads_sirens_as_french_teams_type_them(db, typed, expected):
    form = TerritoryFromTemplateForm(
        {"name": "Essai", "sirens": typed, "region": "Nouvelle-Aquitaine", "team_emails": "equipe@essai.example"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["sirens"] == expected


def test_it_detaches_a_commune_that_left_a_loaded_epci(db):
    epci = Intercommunality.objects.get(siren="200041762")
    Commune.objects.create(insee_code="99999", name="Commune fusionnée", population=10, intercommunality=epci)

    result = reference_data_populate(sirens={"200041762"})

    assert Commune.objects.get(insee_code="99999").intercommunality is None
    assert result["communes_updated"] == 1
    assert epci.communes.count() == 25


def test_it_does_not_count_the_template_text_as_commitments_written(territory_b):
    check = roadmap_for(territory_b)[0].checks[-1]

    assert not check.done
    assert "encore au texte du modèle : Attractivité, Environnement" in check.detail


def test_it_counts_a_theme_once_its_team_adapted_a_commitment(client_for, bob, territory_b):
    commitment = Commitment.objects.filter(territory=territory_b, theme__code="attractivite").first()
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    client = client_for(bob)
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"theme": commitment.theme_id, "title": "Faire connaître l'industrie de Dunkerque"})
    for prefix, actions in (
        ("company_actions", commitment.company_actions.all()),
        ("territory_actions", commitment.territory_actions.all()),
    ):
        data.update({f"{prefix}-TOTAL_FORMS": len(actions), f"{prefix}-INITIAL_FORMS": len(actions)})
        for i, action in enumerate(actions):
            data.update(
                {
                    f"{prefix}-{i}-id": action.pk,
                    f"{prefix}-{i}-commitment": commitment.pk,
                    f"{prefix}-{i}-text": action.text,
                    f"{prefix}-{i}-details": action.details,
                    f"{prefix}-{i}-order": action.order,
                }
            )

    assert client.post(url, data).status_code == 302

    commitment.refresh_from_db()
    assert not commitment.from_template
    detail = roadmap_for(territory_b)[0].checks[-1].detail
    assert "Attractivité" not in detail and "Environnement" in detail
