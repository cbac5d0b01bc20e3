"""The rest of the pact editor's parts: key figures with their date, the size-class table, indicators and thematic
groups per theme, economic events, the cover (subtitle and image); the index; access on every new URL."""

import io
import re
import struct
import zlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pacte.commitments.models import EditRecord, Theme
from pacte.drafting.services import figure_date_clean, fingerprint, size_class_rows, size_classes_fingerprint
from pacte.governance.models import EconomicEvent, ThematicGroup
from pacte.indicators.models import Indicator, IndicatorValue
from pacte.publications.models import PactVersion
from pacte.territories.models import KeyFigure, SizeClassShare

INDICATOR_FIELDS = (
    "name",
    "code",
    "definition",
    "unit",
    "value_type",
    "aggregation",
    "level",
    "source",
    "baseline",
    "baseline_year",
    "target_1y",
    "target_3y",
)
GROUP_FIELDS = ("name", "objectives", "participants", "animation", "example_indicators", "partners", "cadence")
EVENT_FIELDS = ("name", "date", "end_date", "organiser", "description")


def url(name, territory, *args):
    return reverse(f"drafting:{name}", args=[territory.slug, *args])


def first_theme(territory):
    return Theme.objects.for_territory(territory).order_by("order", "pk").first()


def indicator_data(**overrides):
    data = {
        "name": "Part des achats locaux",
        "code": "achats-locaux",
        "definition": "Achats auprès de fournisseurs du territoire / achats totaux.",
        "unit": "%",
        "value_type": "percentage",
        "aggregation": "ratio_of_sums",
        "level": "both",
        "source": "company",
        "baseline": "12,5",
        "baseline_year": "2024",
        "target_1y": "15",
        "target_3y": "20,25",
    }
    return data | overrides


def size_data(loaded, **shares):
    """The size-class form: shares given as micro=("59", "46")…; missing sizes left empty."""
    data = {"loaded": loaded}
    for code in ("micro", "sme", "mid", "large"):
        territory, national = shares.get(code, ("", ""))
        data[f"territory_{code}"], data[f"national_{code}"] = territory, national
    return data


def png_bytes(width=40, height=30, color=(200, 30, 30)):
    stream = io.BytesIO()
    Image.new("RGB", (width, height), color).save(stream, "PNG")
    return stream.getvalue()


def png_bomb(side=30000):
    """A real PNG of side × side black pixels (1 bit each): a few hundred kilobytes that expand to ~110 Mo."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)
    body = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


# --- key figures: their date -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("2021", "2021"),
        (" novembre   2024 ", "novembre 2024"),
        ("Novembre 2024", "novembre 2024"),
        ("fevrier 2023", "février 2023"),
        ("11/2024", "novembre 2024"),
        ("2024-03", "mars 2024"),
        ("", ""),
    ],
)
def test_a_key_figure_date_is_read_as_people_write_it(typed, kept):
    assert figure_date_clean(typed) == kept


@pytest.mark.django_db
def test_the_reference_case_figures_carry_the_date_of_the_source(territory_a):
    figures = list(KeyFigure.objects.for_territory(territory_a).values_list("value", "source", "date"))
    assert figures == [
        ("9 %", "Insee, Flores", "2021"),
        ("2,2 %", "Insee, Flores", "2021"),
        ("260", "ANCT, Insee", "novembre 2024"),
        ("51 %", "ANCT, Insee", "novembre 2024"),
    ]


@pytest.mark.django_db
def test_a_key_figure_is_added_with_its_date_and_shown_in_the_list(client_for, alice, territory_a):
    client = client_for(alice)
    response = client.post(
        url("create", territory_a, "chiffres-cles"),
        {"value": "1 200", "label": "emplois industriels créés", "source": "Urssaf", "date": "03/2025"},
        follow=True,
    )
    html = response.content.decode()
    assert "emplois industriels créés" in html and "Date : mars 2025" in html
    figure = KeyFigure.objects.for_territory(territory_a).get(label="emplois industriels créés")
    assert figure.date == "mars 2025"
    assert EditRecord.objects.filter(item_type="key_figure", item_id=figure.pk, field="date").get().new_text == (
        "mars 2025"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("l'an dernier", "Indiquez une année (« 2021 ») ou un mois et une année (« novembre 2024 »)."),
        ("13/2024", "Le mois doit être compris entre 1 et 12."),
        ("brumaire 2024", "« brumaire » n&#x27;est pas un mois."),
        ("1850", "L&#x27;année 1850 n&#x27;est pas plausible."),
    ],
)
def test_a_key_figure_date_that_is_no_date_is_refused(client_for, alice, territory_a, typed, message):
    count = KeyFigure.objects.for_territory(territory_a).count()
    response = client_for(alice).post(
        url("create", territory_a, "chiffres-cles"), {"value": "3", "label": "usines", "date": typed}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert KeyFigure.objects.for_territory(territory_a).count() == count


@pytest.mark.django_db
def test_a_key_figure_is_edited_in_place_with_htmx(client_for, alice, territory_a):
    client = client_for(alice)
    figure = KeyFigure.objects.for_territory(territory_a).get(value="260")
    edit = url("edit", territory_a, "chiffres-cles", figure.pk)
    page = client.get(url("part", territory_a, "chiffres-cles")).content.decode()
    assert f'hx-get="{edit}"' in page and f'href="{edit}"' in page  # in place with HTMX, a page without
    fragment = client.get(edit, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and f'id="item-{figure.pk}"' in fragment and f'hx-post="{edit}"' in fragment
    data = {
        "value": "265",
        "label": figure.label,
        "source": figure.source,
        "date": "décembre 2024",
        "loaded": fingerprint(figure, ("value", "label", "source", "date")),
    }
    row = client.post(edit, data, headers={"HX-Request": "true"})
    html = row.content.decode()
    assert row.status_code == 200 and "<html" not in html
    assert "265 — établissements industriels employeurs" in html and "Modifications enregistrées" in html
    assert "Date : décembre 2024" in html
    figure.refresh_from_db()
    assert (figure.value, figure.date) == ("265", "décembre 2024")
    # the same form sent again (a second tab) is stale: refused in place, nothing saved
    again = client.post(edit, data | {"value": "999"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert "Quelqu'un a modifié ce texte pendant que vous écriviez" in again.content.decode()
    figure.refresh_from_db()
    assert figure.value == "265"


@pytest.mark.django_db
def test_a_key_figure_edited_without_javascript_goes_back_to_its_page(client_for, alice, territory_a):
    figure = KeyFigure.objects.for_territory(territory_a).get(value="9 %")
    edit = url("edit", territory_a, "chiffres-cles", figure.pk)
    response = client_for(alice).post(
        edit,
        {
            "value": "9 %",
            "label": figure.label,
            "source": figure.source,
            "date": "2022",
            "loaded": fingerprint(figure, ("value", "label", "source", "date")),
        },
    )
    assert response.status_code == 302 and response["Location"] == edit
    figure.refresh_from_db()
    assert figure.date == "2022"


# --- the size-class table ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_size_class_table_is_saved_at_once_with_french_commas(client_for, bob, territory_b):
    client = client_for(bob)
    page = client.get(url("part", territory_b, "tailles-entreprises"))
    assert page.status_code == 200
    assert "Micro-entreprises" in page.content.decode()
    loaded = size_classes_fingerprint({})
    response = client.post(
        url("part", territory_b, "tailles-entreprises"),
        size_data(
            loaded,
            micro=("58,5", "46"),
            sme=(" 33,5 % ", "35"),
            mid=("6", "13"),
            large=("2", "5"),
        ),
        follow=True,
    )
    assert "Modifications enregistrées." in response.content.decode()
    rows = size_class_rows(territory=territory_b)
    assert {code: (row.territory_share, row.national_share) for code, row in rows.items()} == {
        "micro": (Decimal("58.5"), Decimal("46")),
        "sme": (Decimal("33.5"), Decimal("35")),
        "mid": (Decimal("6"), Decimal("13")),
        "large": (Decimal("2"), Decimal("5")),
    }
    records = EditRecord.objects.filter(territory=territory_b, item_type="size_classes", item_id=territory_b.pk)
    assert records.count() == 8
    history = client.get(url("history", territory_b, "size_classes", territory_b.pk)).content.decode()
    assert "Micro-entreprises — territoire" in history and "58.5" in history and "bob" in history
    # shown again with French commas
    assert 'value="58,5"' in client.get(url("part", territory_b, "tailles-entreprises")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (
            {"micro": ("60", "46"), "sme": ("33", "35"), "mid": ("6", "13"), "large": ("2", "5")},
            "Les parts du territoire font 101 % au total : elles doivent faire 100 % (à 0,5 point près).",
        ),
        ({"micro": ("120", "46")}, "Micro-entreprises : une part est comprise entre 0 et 100."),
        ({"micro": ("-1", "46")}, "Micro-entreprises : une part est comprise entre 0 et 100."),
        ({"mid": ("6,25", "13")}, "Entreprises de taille intermédiaire : une décimale au plus"),
        ({"micro": ("beaucoup", "46")}, "Saisissez un nombre, par exemple « 12,5 »."),
        ({"large": ("2", "")}, "Grandes entreprises : indiquez les deux parts, ou laissez les deux cases vides."),
    ],
)
def test_a_wrong_size_class_table_is_refused_and_nothing_is_saved(client_for, alice, territory_a, shares, message):
    before = list(SizeClassShare.objects.for_territory(territory_a).values())
    loaded = size_classes_fingerprint(size_class_rows(territory=territory_a))
    full = {"micro": ("59", "46"), "sme": ("33", "35"), "mid": ("6", "13"), "large": ("2", "5")}
    response = client_for(alice).post(
        url("part", territory_a, "tailles-entreprises"), size_data(loaded, **(full | shares))
    )
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert message.replace("&#x27;", "'") in html
    assert list(SizeClassShare.objects.for_territory(territory_a).values()) == before
    assert not EditRecord.objects.filter(territory=territory_a, item_type="size_classes").exists()


@pytest.mark.django_db
def test_the_sum_rule_allows_rounding_and_a_table_not_yet_complete(client_for, alice, territory_a):
    client = client_for(alice)
    page = url("part", territory_a, "tailles-entreprises")
    loaded = size_classes_fingerprint(size_class_rows(territory=territory_a))
    client.post(page, size_data(loaded, micro=("59,4", "46"), sme=("33", "35"), mid=("6", "13"), large=("2", "5")))
    assert size_class_rows(territory=territory_a)["micro"].territory_share == Decimal("59.4")
    # three sizes only: no sum rule; the fourth row is removed (both cells empty)
    loaded = size_classes_fingerprint(size_class_rows(territory=territory_a))
    client.post(page, size_data(loaded, micro=("10", "46"), sme=("33", "35"), mid=("6", "13")))
    assert sorted(size_class_rows(territory=territory_a)) == ["micro", "mid", "sme"]


@pytest.mark.django_db
def test_a_stale_size_class_table_is_refused(client_for, alice, territory_a):
    client = client_for(alice)
    page = url("part", territory_a, "tailles-entreprises")
    loaded = size_classes_fingerprint(size_class_rows(territory=territory_a))
    full = {"micro": ("59", "46"), "sme": ("33", "35"), "mid": ("6", "13"), "large": ("2", "5")}
    client.post(page, size_data(loaded, **(full | {"micro": ("58", "46"), "sme": ("34", "35")})))
    response = client.post(page, size_data(loaded, **(full | {"micro": ("60", "46"), "sme": ("32", "35")})))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu'un a modifié ce texte pendant que vous écriviez" in html
    assert "territoire : 58 % ; TI de France : 46 %" in html
    assert size_class_rows(territory=territory_a)["micro"].territory_share == Decimal("58")


# --- indicators per theme ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_indicators_of_a_theme_are_added_edited_moved_and_removed(client_for, alice, territory_a):
    client = client_for(alice)
    theme = first_theme(territory_a)
    listing = url("theme_part", territory_a, theme.pk, "indicateurs")
    count = Indicator.objects.for_territory(territory_a).filter(theme=theme).count()
    response = client.post(url("theme_create", territory_a, theme.pk, "indicateurs"), indicator_data(), follow=True)
    assert "Part des achats locaux" in response.content.decode()
    indicator = Indicator.objects.for_territory(territory_a).get(code="achats-locaux")
    assert indicator.theme == theme
    assert (indicator.baseline, indicator.target_3y, indicator.baseline_year) == (
        Decimal("12.5"),
        Decimal("20.25"),
        2024,
    )
    assert indicator.order == count  # at the end of the theme's list
    # edit
    fields = fingerprint(indicator, INDICATOR_FIELDS)
    client.post(
        url("theme_edit", territory_a, theme.pk, "indicateurs", indicator.pk),
        indicator_data(name="Part des achats auprès d'entreprises locales", baseline="12,50", loaded=fields),
    )
    indicator.refresh_from_db()
    assert indicator.name == "Part des achats auprès d'entreprises locales"
    changed = set(
        EditRecord.objects.filter(item_type="indicator", item_id=indicator.pk).values_list("field", "old_text")
    )
    assert ("name", "Part des achats locaux") in changed
    assert ("baseline", "12.5") not in changed  # 12,50 is 12,5: no change recorded
    # move up within the theme
    if count:
        client.post(url("theme_move", territory_a, theme.pk, "indicateurs", indicator.pk), {"direction": "monter"})
        order = list(
            Indicator.objects.for_territory(territory_a).filter(theme=theme).order_by("order", "pk").values_list("pk")
        )
        assert order.index((indicator.pk,)) == count - 1
    # remove
    confirm = client.get(url("theme_delete", territory_a, theme.pk, "indicateurs", indicator.pk)).content.decode()
    assert "Retirer cet indicateur du pacte ?" in confirm
    response = client.post(url("theme_delete", territory_a, theme.pk, "indicateurs", indicator.pk))
    assert response.status_code == 302 and response["Location"] == listing
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    history = client.get(url("history", territory_a, "indicator", indicator.pk)).content.decode()
    assert "Cet élément a été retiré du pacte" in history and "achats-locaux" in history


@pytest.mark.django_db
def test_an_indicator_with_recorded_values_cannot_be_removed(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    indicator = Indicator.objects.create(territory=territory_a, theme=theme, name="Emplois créés", code="emplois-x")
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=Decimal("12"))
    IndicatorValue.objects.create(indicator=indicator, year=2025, value=Decimal("14"))
    client = client_for(alice)
    delete = url("theme_delete", territory_a, theme.pk, "indicateurs", indicator.pk)
    page = client.get(delete).content.decode()
    assert "Cet indicateur ne peut pas être retiré : 2 valeurs ont déjà été saisies pour lui." in page
    assert 'type="submit">Retirer' not in page
    response = client.post(delete)
    assert response.status_code == 409
    assert "2 valeurs ont déjà été saisies pour lui" in response.content.decode()
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 2


@pytest.mark.django_db
def test_an_indicator_code_stays_unique_in_the_territory(client_for, alice, territory_a):
    themes = list(Theme.objects.for_territory(territory_a).order_by("order", "pk"))
    Indicator.objects.create(territory=territory_a, theme=themes[0], name="Existant", code="deja-pris")
    client = client_for(alice)
    count = Indicator.objects.for_territory(territory_a).count()
    response = client.post(
        url("theme_create", territory_a, themes[1].pk, "indicateurs"), indicator_data(code="deja-pris")
    )
    assert "Le code « deja-pris » est déjà celui d&#x27;un autre indicateur du territoire." in response.content.decode()
    assert Indicator.objects.for_territory(territory_a).count() == count
    # the same code in another territory is fine
    other = Indicator.objects.create(territory=territory_a, theme=themes[1], name="Autre", code="autre")
    response = client.post(
        url("theme_edit", territory_a, themes[1].pk, "indicateurs", other.pk),
        indicator_data(code="deja-pris", loaded=fingerprint(other, INDICATOR_FIELDS)),
    )
    assert "déjà celui d&#x27;un autre indicateur" in response.content.decode()
    other.refresh_from_db()
    assert other.code == "autre"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, "Donnez un nom à l&#x27;indicateur."),
        ({"code": "achats locaux é"}, "Le code ne contient que des lettres sans accents"),
        ({"baseline": "douze"}, "Saisissez un nombre, par exemple « 12,5 »."),
        ({"baseline_year": "24"}, "L&#x27;année de référence ne peut précéder 1990."),
        ({"value_type": "mystere"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_indicators_are_refused_on_the_field(client_for, alice, territory_a, overrides, message):
    theme = first_theme(territory_a)
    count = Indicator.objects.for_territory(territory_a).count()
    response = client_for(alice).post(
        url("theme_create", territory_a, theme.pk, "indicateurs"), indicator_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Indicator.objects.for_territory(territory_a).count() == count


@pytest.mark.django_db
def test_a_stale_indicator_edit_is_refused(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    indicator = Indicator.objects.create(territory=territory_a, theme=theme, name="Avant", code="stale-x")
    loaded = fingerprint(indicator, INDICATOR_FIELDS)
    edit = url("theme_edit", territory_a, theme.pk, "indicateurs", indicator.pk)
    client = client_for(alice)
    client.post(edit, indicator_data(name="Premier", code="stale-x", loaded=loaded))
    response = client.post(edit, indicator_data(name="Second", code="stale-x", loaded=loaded))
    assert response.status_code == 409 and "Premier" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.name == "Premier"


@pytest.mark.django_db
def test_an_indicator_is_reached_only_through_its_own_theme(client_for, alice, territory_a, territory_b):
    themes = list(Theme.objects.for_territory(territory_a).order_by("order", "pk"))
    indicator = Indicator.objects.create(territory=territory_a, theme=themes[0], name="Le mien", code="mien")
    client = client_for(alice)
    assert client.get(url("theme_edit", territory_a, themes[1].pk, "indicateurs", indicator.pk)).status_code == 404
    other_theme = first_theme(territory_b)
    assert client.get(url("theme_part", territory_a, other_theme.pk, "indicateurs")).status_code == 404
    assert client.get(url("theme_part", territory_a, themes[0].pk, "inconnu")).status_code == 404


# --- thematic groups ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_thematic_groups_are_described_added_and_removed(client_for, bob, territory_b):
    client = client_for(bob)
    theme = first_theme(territory_b)
    data = {
        "name": "Groupe emploi-compétences",
        "objectives": "Attirer des jeunes\r\nFormer aux métiers de l'industrie",
        "participants": "DRH des entreprises adhérentes",
        "animation": "Maison de l'emploi",
        "example_indicators": "Nombre d'apprentis",
        "partners": "France Travail\r\nRégion",
        "cadence": "trimestriel",
    }
    response = client.post(url("theme_create", territory_b, theme.pk, "groupes"), data, follow=True)
    html = response.content.decode()
    assert "Groupe emploi-compétences" in html and "Cadence : Trimestrielle" in html
    group = ThematicGroup.objects.for_territory(territory_b).get(name="Groupe emploi-compétences")
    assert group.theme == theme and group.partner_list == ["France Travail", "Région"]
    client.post(
        url("theme_edit", territory_b, theme.pk, "groupes", group.pk),
        data | {"cadence": "semestriel", "loaded": fingerprint(group, GROUP_FIELDS)},
    )
    group.refresh_from_db()
    assert group.cadence == "semestriel"
    record = EditRecord.objects.get(
        item_type="thematic_group", item_id=group.pk, field="cadence", old_text="trimestriel"
    )
    assert record.new_text == "semestriel" and record.edited_by == bob
    missing = client.post(url("theme_create", territory_b, theme.pk, "groupes"), data | {"name": ""})
    assert "Donnez un nom au groupe thématique." in missing.content.decode()
    client.post(url("theme_delete", territory_b, theme.pk, "groupes", group.pk))
    assert not ThematicGroup.objects.filter(pk=group.pk).exists()


# --- economic events ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_economic_events_are_added_edited_and_removed_in_date_order(client_for, bob, territory_b):
    client = client_for(bob)
    create = url("create", territory_b, "rencontres")
    client.post(create, {"name": "Salon de l'industrie", "date": "12/06/2025", "end_date": "13/06/2025"})
    client.post(create, {"name": "Petit-déjeuner des entreprises", "date": "2025-02-03", "organiser": "CCI"})
    page = client.get(url("part", territory_b, "rencontres")).content.decode()
    assert page.index("Petit-déjeuner des entreprises") < page.index("Salon de l&#x27;industrie")
    assert "Du 12/06/2025 au 13/06/2025" in page
    assert "Monter" not in page  # in date order, not moved by hand
    salon = EconomicEvent.objects.for_territory(territory_b).get(name="Salon de l'industrie")
    client.post(
        url("edit", territory_b, "rencontres", salon.pk),
        {
            "name": salon.name,
            "date": "14/06/2025",
            "end_date": "",
            "organiser": "",
            "description": "",
            "loaded": fingerprint(salon, EVENT_FIELDS),
        },
    )
    salon.refresh_from_db()
    assert str(salon.date) == "2025-06-14" and salon.end_date is None
    assert set(
        EditRecord.objects.filter(item_type="event", item_id=salon.pk, old_text__startswith="2025").values_list(
            "field", flat=True
        )
    ) == {"date", "end_date"}
    client.post(url("delete", territory_b, "rencontres", salon.pk))
    assert not EconomicEvent.objects.filter(pk=salon.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "31/02/2025"}, "Cette date n&#x27;existe pas"),
        ({"date": "demain"}, "Cette date n&#x27;existe pas"),
        ({"date": ""}, "Indiquez la date de la rencontre."),
        ({"date": "12/06/2025", "end_date": "11/06/2025"}, "La date de fin ne peut précéder la date de début."),
        ({"name": "", "date": "12/06/2025"}, "Donnez un nom à la rencontre."),
    ],
)
def test_bad_economic_events_are_refused(client_for, bob, territory_b, data, message):
    count = EconomicEvent.objects.for_territory(territory_b).count()
    response = client_for(bob).post(url("create", territory_b, "rencontres"), {"name": "Forum"} | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert EconomicEvent.objects.for_territory(territory_b).count() == count


# --- the cover: subtitle and image -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_subtitle_is_saved_with_the_title(client_for, bob, territory_b):
    pact = territory_b.pact
    client_for(bob).post(
        url("part", territory_b, "titre"),
        {
            "title": "Pacte industrie-territoire de Dunkerque",
            "subtitle": "Industrie et territoire, engagés ensemble",
            "loaded": fingerprint(pact, ("title", "subtitle")),
        },
    )
    pact.refresh_from_db()
    assert pact.subtitle == "Industrie et territoire, engagés ensemble"
    assert EditRecord.objects.filter(item_type="pact", item_id=pact.pk, field="subtitle").count() == 1


@pytest.mark.django_db
def test_a_cover_image_is_uploaded_served_to_readers_and_replaced(client_for, alice, victor, bob, territory_a, client):
    client_for(alice)
    response = client.post(
        url("cover_upload", territory_a),
        {"image": SimpleUploadedFile("couverture.png", png_bytes(), content_type="image/png")},
        follow=True,
    )
    assert "Image de couverture enregistrée." in response.content.decode()
    pact = territory_a.pact
    pact.refresh_from_db()
    assert pact.cover_image.name.startswith("couvertures/") and pact.cover_image.name.endswith(".png")
    assert "couverture.png" not in pact.cover_image.name  # renamed, never the uploader's name
    served = client.get(url("cover_image", territory_a))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    # Reading the whole stream closes the file (the test client's wrapper); response.close() would also close the
    # test's database connection on PostgreSQL.
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert EditRecord.objects.filter(item_type="pact", field="cover_image", new_text=pact.cover_image.name).exists()
    # a read-only member sees it, another team does not
    client_for(victor)
    served = client.get(url("cover_image", territory_a))
    assert served.status_code == 200 and b"".join(served.streaming_content)
    client_for(bob)
    assert client.get(url("cover_image", territory_a)).status_code == 403
    # removed
    client_for(alice)
    client.post(url("cover_upload", territory_a), {"retirer": "1"})
    pact.refresh_from_db()
    assert not pact.cover_image
    assert client.get(url("cover_image", territory_a)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"Ceci n'est pas une image.", "Ce fichier n&#x27;est pas une image JPEG ou PNG."),
        ("bombe.png", None, "L&#x27;image est bien trop grande : 6000 × 6000 pixels au plus."),
        ("large.png", "wide", "L&#x27;image mesure 6001 × 10 pixels : 6000 × 6000 au plus."),
        ("tronquee.png", "truncated", "Cette image est illisible ou endommagée."),
        ("lourde.png", "heavy", "L&#x27;image dépasse 5 Mo"),
        ("image.gif", b"GIF89a" + b"\x00" * 40, "Ce fichier n&#x27;est pas une image JPEG ou PNG."),
    ],
)
def test_bad_cover_images_are_refused(client_for, alice, territory_a, name, content, message):
    if content is None:
        content = png_bomb()
    elif content == "wide":
        content = png_bytes(6001, 10)
    elif content == "truncated":
        content = png_bytes(400, 400, (1, 2, 3))[:120]
    elif content == "heavy":
        content = png_bytes() + b"\x00" * (5 * 1024 * 1024)
    response = client_for(alice).post(url("cover_upload", territory_a), {"image": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    territory_a.pact.refresh_from_db()
    assert not territory_a.pact.cover_image
    assert not EditRecord.objects.filter(field="cover_image").exists()


@pytest.mark.django_db
def test_the_public_page_shows_the_cover_and_figure_dates_of_a_published_version(
    client_for, alice, territory_a, client
):
    """The public page reads the frozen version: its cover image (served by a view that checks the pact is
    public) and the date of each key figure."""
    client_for(alice).post(
        url("cover_upload", territory_a),
        {"image": SimpleUploadedFile("c.png", png_bytes(), content_type="image/png")},
    )
    name = territory_a.pact.__class__.objects.get(pk=territory_a.pact.pk).cover_image.name
    version = PactVersion.objects.for_territory(territory_a).order_by("-number").first()
    content = version.content
    content["pact"] |= {"subtitle": "Un sous-titre figé", "cover_image": name}
    content["key_figures"][0]["date"] = "2021"
    PactVersion.objects.filter(pk=version.pk).update(content=content)
    client.logout()
    html = client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()
    cover = url("cover_version", territory_a, version.number)
    assert f'src="{cover}"' in html and "Un sous-titre figé" in html
    assert "Date : 2021" in html
    image = client.get(cover)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Cache-Control"].startswith("public") and b"".join(image.streaming_content)
    assert client.get(url("cover_version", territory_a, version.number + 5)).status_code == 404


@pytest.mark.django_db
def test_a_draft_pact_cover_is_not_public(client_for, bob, territory_b, client):
    client_for(bob).post(
        url("cover_upload", territory_b),
        {"image": SimpleUploadedFile("c.png", png_bytes(), content_type="image/png")},
    )
    client.logout()
    assert client.get(url("cover_version", territory_b, 1)).status_code == 404
    assert client.get(url("cover_image", territory_b)).status_code == 302


# --- the index ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_index_links_every_part_and_each_theme_s_pages(client_for, bob, territory_b):
    html = client_for(bob).get(url("index", territory_b)).content.decode()
    for page in ("titre", "edito", "chiffres-cles", "tailles-entreprises", "remerciements", "principes", "rencontres"):
        assert f'href="{url("part", territory_b, page)}"' in html
    themes = list(Theme.objects.for_territory(territory_b))
    assert len(themes) == 6
    for theme in themes:
        assert f'href="{reverse("drafting_commitments:theme", args=[territory_b.slug, theme.pk])}"' in html
        assert f'href="{reverse("drafting_evidence:theme", args=[territory_b.slug, theme.pk])}"' in html
        assert f'href="{url("theme_part", territory_b, theme.pk, "indicateurs")}"' in html
        assert f'href="{url("theme_part", territory_b, theme.pk, "groupes")}"' in html
    tailles = re.search(r"<tr>\s*<td><a[^>]*>Tailles d&#x27;entreprise</a></td>.*?</tr>", html, flags=re.S).group(0)
    assert "à rédiger" in tailles


@pytest.mark.django_db
def test_the_index_says_the_reference_case_size_classes_are_complete(client_for, alice, territory_a):
    html = client_for(alice).get(url("index", territory_a)).content.decode()
    tailles = re.search(r"<tr>\s*<td><a[^>]*>Tailles d&#x27;entreprise</a></td>.*?</tr>", html, flags=re.S).group(0)
    assert "complet" in tailles


# --- access on every new URL, and no admin link ------------------------------------------------------------------


def _pages(territory):
    """Every editor page of the territory, as a team member reaches them."""
    theme = first_theme(territory)
    indicator = Indicator.objects.create(territory=territory, theme=theme, name="Indicateur de test", code="test-acces")
    group = ThematicGroup.objects.create(territory=territory, theme=theme, name="Groupe de test")
    event = EconomicEvent.objects.for_territory(territory).first()
    figure = KeyFigure.objects.for_territory(territory).first()
    return [
        url("index", territory),
        url("part", territory, "titre"),
        url("part", territory, "tailles-entreprises"),
        url("part", territory, "chiffres-cles"),
        url("edit", territory, "chiffres-cles", figure.pk),
        url("part", territory, "rencontres"),
        url("edit", territory, "rencontres", event.pk),
        url("part", territory, "thematiques"),
        url("theme_part", territory, theme.pk, "indicateurs"),
        url("theme_edit", territory, theme.pk, "indicateurs", indicator.pk),
        url("theme_part", territory, theme.pk, "groupes"),
        url("theme_edit", territory, theme.pk, "groupes", group.pk),
        url("history", territory, "size_classes", territory.pk),
        url("history", territory, "indicator", indicator.pk),
    ]


@pytest.mark.django_db
def test_no_editor_page_links_to_the_admin_for_a_team_member(client_for, alice, territory_a):
    client = client_for(alice)
    for page in _pages(territory_a):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "/espace/gestion/" not in response.content.decode(), page


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, territory_a):
    for page in _pages(territory_a) + [url("cover_image", territory_a)]:
        response = client.get(page)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], page


@pytest.mark.django_db
def test_another_team_reads_and_changes_nothing(client_for, bob, territory_a, territory_b):
    client = client_for(bob)
    pages = _pages(territory_a)
    for page in pages:
        assert client.get(page).status_code == 403, page
    theme = first_theme(territory_a)
    indicator = Indicator.objects.for_territory(territory_a).get(code="test-acces")
    figure = KeyFigure.objects.for_territory(territory_a).first()
    posts = [
        (url("part", territory_a, "tailles-entreprises"), size_data("x", micro=("100", "100"))),
        (url("theme_create", territory_a, theme.pk, "indicateurs"), indicator_data(code="pirate")),
        (url("theme_delete", territory_a, theme.pk, "indicateurs", indicator.pk), {}),
        (url("theme_move", territory_a, theme.pk, "indicateurs", indicator.pk), {"direction": "monter"}),
        (url("create", territory_a, "rencontres"), {"name": "Pirate", "date": "01/01/2025"}),
        (url("cover_upload", territory_a), {"image": SimpleUploadedFile("c.png", png_bytes())}),
        (url("edit", territory_a, "chiffres-cles", figure.pk), {"value": "0", "label": "x"}),
    ]
    for page, data in posts:
        assert client.post(page, data).status_code == 403, page
    # A's items through B's own pages: not found
    b_theme = first_theme(territory_b)
    assert client.get(url("theme_edit", territory_b, b_theme.pk, "indicateurs", indicator.pk)).status_code == 404
    assert client.get(url("theme_part", territory_b, theme.pk, "indicateurs")).status_code == 404
    assert client.post(url("theme_delete", territory_b, b_theme.pk, "indicateurs", indicator.pk)).status_code == 404
    assert client.get(url("edit", territory_b, "chiffres-cles", figure.pk)).status_code == 404
    assert client.get(url("history", territory_b, "size_classes", territory_a.pk)).status_code == 404
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert not Indicator.objects.filter(code="pirate").exists()
    assert not EconomicEvent.objects.filter(name="Pirate").exists()
    assert not territory_a.pact.__class__.objects.get(pk=territory_a.pact.pk).cover_image
    assert not EditRecord.objects.filter(territory__in=[territory_a, territory_b]).exists()


@pytest.mark.django_db
def test_a_read_only_member_reads_every_page_but_every_post_is_refused(client_for, victor, territory_a):
    client = client_for(victor)
    for page in _pages(territory_a):
        assert client.get(page).status_code == 200, page
    size_page = client.get(url("part", territory_a, "tailles-entreprises")).content.decode()
    assert "Enregistrer" not in size_page and "disabled" in size_page
    theme = first_theme(territory_a)
    indicator = Indicator.objects.for_territory(territory_a).get(code="test-acces")
    loaded = size_classes_fingerprint(size_class_rows(territory=territory_a))
    before = list(SizeClassShare.objects.for_territory(territory_a).values())
    posts = [
        (url("part", territory_a, "tailles-entreprises"), size_data(loaded, micro=("59", "46"))),
        (url("theme_create", territory_a, theme.pk, "indicateurs"), indicator_data(code="lecteur")),
        (
            url("theme_edit", territory_a, theme.pk, "indicateurs", indicator.pk),
            indicator_data(code="test-acces", loaded=fingerprint(indicator, INDICATOR_FIELDS)),
        ),
        (url("theme_delete", territory_a, theme.pk, "indicateurs", indicator.pk), {}),
        (url("theme_move", territory_a, theme.pk, "indicateurs", indicator.pk), {"direction": "monter"}),
        (url("theme_create", territory_a, theme.pk, "groupes"), {"name": "Lecteur"}),
        (url("create", territory_a, "rencontres"), {"name": "Lecteur", "date": "01/01/2025"}),
        (url("cover_upload", territory_a), {"image": SimpleUploadedFile("c.png", png_bytes())}),
        (url("cover_upload", territory_a), {"retirer": "1"}),
    ]
    for page, data in posts:
        assert client.post(page, data).status_code == 403, page
    assert list(SizeClassShare.objects.for_territory(territory_a).values()) == before
    indicator.refresh_from_db()
    assert indicator.name == "Indicateur de test"
    assert not Indicator.objects.filter(code="lecteur").exists()
    assert not ThematicGroup.objects.filter(name="Lecteur").exists()
    assert not EconomicEvent.objects.filter(name="Lecteur").exists()
    assert not EditRecord.objects.filter(territory=territory_a).exists()


# --- query budgets -----------------------------------------------------------------------------------------------


def _queries(client, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(page).status_code == 200
    return len(context)


@pytest.mark.django_db
def test_the_lists_and_the_index_cost_the_same_whatever_their_size(client_for, alice, territory_a):
    client = client_for(alice)
    theme = first_theme(territory_a)
    pages = [
        url("index", territory_a),
        url("theme_part", territory_a, theme.pk, "indicateurs"),
        url("theme_part", territory_a, theme.pk, "groupes"),
        url("part", territory_a, "rencontres"),
    ]
    _queries(client, pages[0])  # the session and the user, once
    before = [_queries(client, page) for page in pages]
    for i in range(10):
        Indicator.objects.create(territory=territory_a, theme=theme, name=f"Indicateur {i}", code=f"budget-{i}")
        ThematicGroup.objects.create(territory=territory_a, theme=theme, name=f"Groupe {i}")
        EconomicEvent.objects.create(territory=territory_a, name=f"Rencontre {i}", date=f"2025-0{1 + i % 9}-01")
    assert [_queries(client, page) for page in pages] == before
