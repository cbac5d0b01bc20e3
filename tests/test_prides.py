"""Local prides (step 1): the workspace list with its panel check, the form and its image checks, the
public cards, and tenant isolation on every URL."""

import io
import os
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from pacte.interviews.models import Pride, PrideKind, SizeClass
from pacte.interviews.services_prides import pride_create

# --- helpers -----------------------------------------------------------------------------------------


def image_bytes(image_format="PNG", size=(8, 6), color=(0, 99, 203)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name="voltaero.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def list_url(territory):
    return reverse("interviews:prides", args=[territory.slug])


def create_url(territory):
    return reverse("interviews:pride_create", args=[territory.slug])


def update_url(territory, pride):
    return reverse("interviews:pride_update", args=[territory.slug, pride.pk])


def delete_url(territory, pride):
    return reverse("interviews:pride_delete", args=[territory.slug, pride.pk])


def form_data(**overrides):
    data = {
        "kind": PrideKind.INNOVATIVE,
        "product": "Drone de surveillance du littoral",
        "company": "Aérocéan",
        "place": "Rochefort Océan",
        "size_class": SizeClass.STARTUP,
    }
    return data | overrides


def stored(pride):
    return os.path.join(settings.MEDIA_ROOT, pride.image.name)


@pytest.fixture
def pride_a(territory_a):
    return Pride.objects.for_territory(territory_a).get(company="Voltaero")


@pytest.fixture
def pride_with_image(territory_a):
    return pride_create(
        territory=territory_a,
        kind=PrideKind.EMBLEMATIC,
        product="Sacs de plage",
        company="Retour de Plage",
        place="Île d'Oléron",
        size_class=SizeClass.SME,
        image=upload("sac.png"),
    )


# --- the list and its panel check -----------------------------------------------------------------


def test_it_lists_the_eight_demo_prides_in_two_groups_with_their_counts(client_for, alice, territory_a):
    response = client_for(alice).get(list_url(territory_a))
    assert response.status_code == 200
    assert response.context["territory"] == territory_a
    assert len(response.context["innovative_prides"]) == 4
    assert len(response.context["emblematic_prides"]) == 4
    assertContains(response, "8 fiertés locales : 4 produits innovants, 4 produits emblématiques.")
    page = response.content.decode()
    assert page.index("Aéronef à énergie e-hybride") < page.index("Produits emblématiques")
    assert page.index("Produits emblématiques") < page.index("Mâts de voilier")
    for pride in Pride.objects.for_territory(territory_a):
        assertContains(response, escape(pride.company))
        assertContains(response, update_url(territory_a, pride))


def test_it_warns_that_the_demo_panel_has_no_size_classes(client_for, alice, territory_a):
    response = client_for(alice).get(list_url(territory_a))
    assertContains(response, "fr-alert--warning", count=1)
    assertContains(response, "Tailles non représentées : Start-up, PME, ETI, Grand groupe.")
    assertContains(response, "8 fiertés n'ont pas de taille d'entreprise renseignée.")


def test_it_names_only_the_missing_size_classes(client_for, alice, territory_a):
    prides = list(Pride.objects.for_territory(territory_a))
    prides[0].size_class = SizeClass.STARTUP
    prides[1].size_class = SizeClass.SME
    Pride.objects.bulk_update(prides[:2], ["size_class"])
    response = client_for(alice).get(list_url(territory_a))
    assertContains(response, "Tailles non représentées : ETI, Grand groupe.")
    assertContains(response, "6 fiertés n'ont pas de taille d'entreprise renseignée.")


def test_it_drops_the_panel_warning_once_start_up_pme_eti_and_large_group_are_all_there(client_for, alice, territory_a):
    prides = list(Pride.objects.for_territory(territory_a))
    for pride, size in zip(prides, list(SizeClass) * 2, strict=True):
        pride.size_class = size
    Pride.objects.bulk_update(prides, ["size_class"])
    response = client_for(alice).get(list_url(territory_a))
    assertNotContains(response, "fr-alert--warning")
    assertNotContains(response, "non représentée")
    assert response.context["panel"].spans_all_sizes


def test_it_still_says_how_many_sizes_are_unknown_when_the_panel_spans_all_sizes(client_for, alice, territory_a):
    prides = list(Pride.objects.for_territory(territory_a))
    for pride, size in zip(prides, SizeClass, strict=False):
        pride.size_class = size
    Pride.objects.bulk_update(prides, ["size_class"])
    response = client_for(alice).get(list_url(territory_a))
    assertNotContains(response, "fr-alert--warning")
    assertContains(response, "4 fiertés n'ont pas de taille d'entreprise renseignée.")


def test_it_warns_when_there_is_no_emblematic_product(client_for, alice, territory_a):
    Pride.objects.for_territory(territory_a).filter(kind=PrideKind.EMBLEMATIC).delete()
    response = client_for(alice).get(list_url(territory_a))
    assertContains(response, 'id="kinds-warning"')
    assertContains(response, "Aucun produit emblématique</h3>")
    assertContains(response, "Aucun produit emblématique renseigné.")
    assertContains(response, "4 fiertés locales : 4 produits innovants")


def test_it_does_not_warn_about_kinds_when_both_are_there(client_for, alice, territory_a):
    assertNotContains(client_for(alice).get(list_url(territory_a)), 'id="kinds-warning"')


def test_it_shows_a_thumbnail_of_the_image(client_for, alice, territory_a, pride_with_image):
    response = client_for(alice).get(list_url(territory_a))
    assertContains(response, f'src="{reverse("interviews:pride_image", args=[territory_a.slug, pride_with_image.pk])}"')
    assertContains(response, 'alt="Sacs de plage — Retour de Plage"')
    assertContains(response, "<td>PME</td>", html=True)


def test_it_lists_the_prides_in_as_many_queries_with_ten_times_the_data(client_for, alice, territory_a):
    client = client_for(alice)

    def queries():
        assert client.get(list_url(territory_a)).status_code == 200
        with CaptureQueriesContext(connection) as context:
            assert client.get(list_url(territory_a)).status_code == 200
        return len(context.captured_queries)

    before = queries()
    Pride.objects.bulk_create(
        Pride(
            territory=territory_a,
            order=100 + i,
            kind=PrideKind.INNOVATIVE if i % 2 else PrideKind.EMBLEMATIC,
            product=f"Produit ajouté n° {i}",
            company=f"Entreprise n° {i}",
            size_class=list(SizeClass)[i % 4],
            image=f"fiertes/ajoutee-{i}.png",
        )
        for i in range(72)
    )
    assert queries() == before
    # session, user, territory, access check, the prides, the writable territories
    assert before <= 6


# --- creating -------------------------------------------------------------------------------------


def test_it_creates_a_pride_with_its_image_stored_under_media_root(client_for, alice, territory_a):
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("aerocean.png")))
    assertRedirects(response, list_url(territory_a))
    pride = Pride.objects.for_territory(territory_a).get(company="Aérocéan")
    assert (pride.kind, pride.product, pride.place, pride.size_class) == (
        PrideKind.INNOVATIVE,
        "Drone de surveillance du littoral",
        "Rochefort Océan",
        SizeClass.STARTUP,
    )
    assert pride.image.name.startswith("fiertes/aerocean") and pride.image.name.endswith(".png")
    path = stored(pride)
    assert path.startswith(settings.MEDIA_ROOT) and os.path.isfile(path)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (8, 6)
    assert pride.order > max(
        Pride.objects.for_territory(territory_a).exclude(pk=pride.pk).values_list("order", flat=True)
    )
    assertContains(client_for(alice).get(list_url(territory_a)), "9 fiertés locales")


def test_it_creates_a_pride_without_image_nor_size_class(client_for, alice, territory_a):
    data = form_data(kind=PrideKind.EMBLEMATIC, size_class="", place="")
    assertRedirects(client_for(alice).post(create_url(territory_a), data), list_url(territory_a))
    pride = Pride.objects.for_territory(territory_a).get(company="Aérocéan")
    assert (pride.kind, pride.size_class, pride.place, pride.image.name) == (PrideKind.EMBLEMATIC, "", "", "")


def test_it_preselects_the_kind_from_the_add_button(client_for, alice, territory_a):
    response = client_for(alice).get(create_url(territory_a) + "?nature=emblematic")
    assert response.status_code == 200
    assertContains(response, 'enctype="multipart/form-data"')
    assert re.search(r'<input type="radio" name="kind" value="emblematic"[^>]* checked>', response.content.decode())


def test_it_refuses_a_pride_without_product_nor_company(client_for, alice, territory_a):
    response = client_for(alice).post(create_url(territory_a), form_data(product="", company=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"product", "company"}
    assert Pride.objects.for_territory(territory_a).count() == 8


@pytest.mark.parametrize("image_format, name", [("JPEG", "photo.jpg"), ("WEBP", "photo.webp"), ("PNG", "photo.png")])
def test_it_accepts_jpeg_png_and_webp(client_for, alice, territory_a, image_format, name):
    data = form_data(image=upload(name, image_bytes(image_format), "application/octet-stream"))
    assertRedirects(client_for(alice).post(create_url(territory_a), data), list_url(territory_a))
    pride = Pride.objects.for_territory(territory_a).get(company="Aérocéan")
    with Image.open(stored(pride)) as image:
        assert image.format == image_format


def test_it_stores_an_image_under_the_extension_of_its_real_format(client_for, alice, territory_a):
    data = form_data(image=upload("page.html", image_bytes("JPEG"), "text/html"))
    assertRedirects(client_for(alice).post(create_url(territory_a), data), list_url(territory_a))
    pride = Pride.objects.for_territory(territory_a).get(company="Aérocéan")
    assert pride.image.name.startswith("fiertes/page") and pride.image.name.endswith(".jpg")


def assert_refused(response, territory, message):
    assert response.status_code == 200
    assert "image" in response.context["form"].errors
    assertContains(response, escape(message))
    assert not Pride.objects.for_territory(territory).filter(company="Aérocéan").exists()
    media = settings.MEDIA_ROOT
    assert not os.path.exists(media) or not any(files for _, _, files in os.walk(media))


@pytest.mark.parametrize(
    "content",
    [b"Ceci n'est pas une image, seulement du texte.\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"],
    ids=["text", "pdf"],
)
def test_it_refuses_a_fake_png(client_for, alice, territory_a, content):
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("faux.png", content)))
    assert_refused(
        response, territory_a, "Ce fichier n'est pas une image lisible. Choisissez une image JPEG, PNG ou WebP."
    )


def test_it_refuses_a_truncated_png(client_for, alice, territory_a):
    content = image_bytes(size=(64, 64))[:-30]
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("coupee.png", content)))
    assert_refused(response, territory_a, "n'est pas une image lisible")


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_it_refuses_other_image_formats_even_named_png(client_for, alice, territory_a, image_format):
    data = form_data(image=upload("image.png", image_bytes(image_format)))
    response = client_for(alice).post(create_url(territory_a), data)
    assert_refused(
        response, territory_a, f"Le format {image_format} n'est pas accepté. Choisissez une image JPEG, PNG ou WebP."
    )


def test_it_refuses_a_file_over_five_megabytes(client_for, alice, territory_a):
    content = image_bytes() + b"\0" * (5 * 1024 * 1024)
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("lourde.png", content)))
    assert_refused(response, territory_a, "Le fichier pèse 5,1 Mo : une image de 5 Mo au plus est acceptée.")


def test_it_refuses_an_image_over_six_thousand_pixels_wide(client_for, alice, territory_a):
    content = image_bytes(size=(6001, 1))  # a few hundred bytes, but a decompression bomb in spirit
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("large.png", content)))
    assert_refused(response, territory_a, "Cette image mesure 6001 × 1 pixels : 6000 × 6000 pixels au plus.")


def test_it_refuses_a_decompression_bomb(client_for, alice, territory_a, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # Pillow's own guard, lowered to test it cheaply
    content = image_bytes(size=(8, 6))
    response = client_for(alice).post(create_url(territory_a), form_data(image=upload("bombe.png", content)))
    assert_refused(response, territory_a, "Cette image est trop grande")


# --- updating -------------------------------------------------------------------------------------


def test_it_updates_a_pride(client_for, alice, territory_a, pride_a):
    data = form_data(kind=PrideKind.EMBLEMATIC, product="Avion Cassio", company="Voltaero", size_class=SizeClass.MIDCAP)
    assertRedirects(client_for(alice).post(update_url(territory_a, pride_a), data), list_url(territory_a))
    pride_a.refresh_from_db()
    assert (pride_a.kind, pride_a.product, pride_a.company, pride_a.size_class) == (
        PrideKind.EMBLEMATIC,
        "Avion Cassio",
        "Voltaero",
        SizeClass.MIDCAP,
    )


def test_it_shows_the_current_values_on_the_update_form(client_for, alice, territory_a, pride_with_image):
    response = client_for(alice).get(update_url(territory_a, pride_with_image))
    assertContains(response, 'value="Sacs de plage"')
    assertContains(response, f'src="{reverse("interviews:pride_image", args=[territory_a.slug, pride_with_image.pk])}"')
    assertContains(response, escape("Retirer l'image actuelle"))


def test_it_keeps_the_image_when_none_is_uploaded(client_for, alice, territory_a, pride_with_image):
    name = pride_with_image.image.name
    data = form_data(product="Sacs de plage recyclés", company="Retour de Plage")
    assertRedirects(client_for(alice).post(update_url(territory_a, pride_with_image), data), list_url(territory_a))
    pride_with_image.refresh_from_db()
    assert pride_with_image.image.name == name
    assert os.path.isfile(stored(pride_with_image))


def test_it_replaces_the_image_and_deletes_the_old_file(
    client_for, alice, territory_a, pride_with_image, django_capture_on_commit_callbacks
):
    old_path = stored(pride_with_image)
    assert os.path.isfile(old_path)
    data = form_data(company="Retour de Plage", image=upload("nouveau.webp", image_bytes("WEBP")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(update_url(territory_a, pride_with_image), data)
    assertRedirects(response, list_url(territory_a))
    pride_with_image.refresh_from_db()
    assert pride_with_image.image.name.endswith(".webp")
    assert os.path.isfile(stored(pride_with_image))
    assert not os.path.exists(old_path)


def test_it_clears_the_image_and_deletes_its_file(
    client_for, alice, territory_a, pride_with_image, django_capture_on_commit_callbacks
):
    old_path = stored(pride_with_image)
    data = form_data(company="Retour de Plage", remove_image="on")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(update_url(territory_a, pride_with_image), data)
    pride_with_image.refresh_from_db()
    assert not pride_with_image.image
    assert not os.path.exists(old_path)


def test_it_keeps_the_old_image_when_the_new_one_is_refused(client_for, alice, territory_a, pride_with_image):
    name = pride_with_image.image.name
    data = form_data(company="Autre", image=upload("faux.png", b"pas une image"))
    response = client_for(alice).post(update_url(territory_a, pride_with_image), data)
    assert response.status_code == 200
    pride_with_image.refresh_from_db()
    assert (pride_with_image.company, pride_with_image.image.name) == ("Retour de Plage", name)
    assert os.path.isfile(stored(pride_with_image))


# --- deleting -------------------------------------------------------------------------------------


def test_it_asks_for_confirmation_before_deleting(client_for, alice, territory_a, pride_a):
    response = client_for(alice).get(delete_url(territory_a, pride_a))
    assertContains(response, escape("Supprimer « Aéronef à énergie e-hybride » de Voltaero"))
    assert Pride.objects.filter(pk=pride_a.pk).exists()


def test_it_deletes_a_pride_and_its_image(
    client_for, alice, territory_a, pride_with_image, django_capture_on_commit_callbacks
):
    path = stored(pride_with_image)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(delete_url(territory_a, pride_with_image))
    assertRedirects(response, list_url(territory_a))
    assert not Pride.objects.filter(pk=pride_with_image.pk).exists()
    assert not os.path.exists(path)
    assert Pride.objects.for_territory(territory_a).count() == 8


# --- the public pact page -------------------------------------------------------------------------


@pytest.fixture
def published_pride(territory_a, pride_with_image):
    """The pride with an image, in a newly published version of the pact (the public page reads versions)."""
    from django.core.files.storage import default_storage

    from pacte.publications.models import PactVersion
    from pacte.publications.services import pact_publish

    pact_publish(pact=territory_a.pact)
    version = PactVersion.objects.filter(territory=territory_a).order_by("-number").first()
    # a copy frozen with the version, served by a view that looks it up in the version (never a /media/ path)
    ((index, path),) = [(i, p["image"]) for i, p in enumerate(version.content["prides"]) if p["image"]]
    pride_with_image.published_url = reverse("public:pride_image", args=[territory_a.slug, version.number, index])
    pride_with_image.published_path = default_storage.path(path)
    return pride_with_image


def test_it_shows_the_image_and_the_size_class_on_the_public_page(client, territory_a, published_pride):
    pride_with_image = published_pride
    response = client.get(reverse("public:pact", args=[territory_a.slug]))
    assertContains(
        response,
        f'<img class="fr-responsive-img fr-ratio-4x3" src="{pride_with_image.published_url}"'
        ' alt="Sacs de plage — Retour de Plage">',
        html=True,
    )
    assertContains(response, '<p class="fr-badge fr-badge--sm pacte-pride-size">PME</p>', html=True)


def test_it_shows_no_image_for_a_pride_without_one(client, territory_a):
    response = client.get(reverse("public:pact", args=[territory_a.slug]))
    assertNotContains(response, "fr-card__img")
    assertNotContains(response, settings.MEDIA_URL)


# --- access -------------------------------------------------------------------------------------------


def all_urls(territory, pride):
    return [list_url(territory), create_url(territory), update_url(territory, pride), delete_url(territory, pride)]


def assert_unchanged(pride):
    before = (pride.kind, pride.product, pride.company, pride.place, pride.size_class, pride.image.name)
    pride.refresh_from_db()
    assert (pride.kind, pride.product, pride.company, pride.place, pride.size_class, pride.image.name) == before


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, pride_a):
    for url in all_urls(territory_a, pride_a):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
    assert_unchanged(pride_a)


def test_it_refuses_territory_a_pages_to_a_team_member_of_territory_b(client_for, bob, territory_a, pride_a):
    client = client_for(bob)
    for url in all_urls(territory_a, pride_a):
        assert client.get(url).status_code == 403, url
    assert client.post(create_url(territory_a), form_data(image=upload())).status_code == 403
    assert client.post(update_url(territory_a, pride_a), form_data(product="Piraté")).status_code == 403
    assert client.post(delete_url(territory_a, pride_a)).status_code == 403
    assert_unchanged(pride_a)
    assert Pride.objects.for_territory(territory_a).count() == 8


def test_it_hides_territory_a_prides_behind_territory_b_own_slug(client_for, bob, territory_b, territory_a, pride_a):
    client = client_for(bob)
    assert client.get(update_url(territory_b, pride_a)).status_code == 404
    assert client.get(delete_url(territory_b, pride_a)).status_code == 404
    assert client.post(update_url(territory_b, pride_a), form_data(product="Piraté")).status_code == 404
    assert client.post(delete_url(territory_b, pride_a)).status_code == 404
    assert_unchanged(pride_a)
    assert Pride.objects.for_territory(territory_a).count() == 8
    # his own territory's page works, and shows none of A's prides
    response = client.get(list_url(territory_b))
    assert response.status_code == 200
    assertNotContains(response, "Voltaero")


def test_it_lets_the_team_of_territory_b_manage_its_own_prides(client_for, bob, territory_b):
    client = client_for(bob)
    assertRedirects(client.post(create_url(territory_b), form_data()), list_url(territory_b))
    pride = Pride.objects.for_territory(territory_b).get()
    assert client.get(update_url(territory_b, pride)).status_code == 200
    assertRedirects(client.post(delete_url(territory_b, pride)), list_url(territory_b))
    assert not Pride.objects.for_territory(territory_b).exists()


def test_it_lets_a_viewer_read_but_not_write(client_for, victor, territory_a, pride_a):
    client = client_for(victor)
    response = client.get(list_url(territory_a))
    assert response.status_code == 200
    assertContains(response, "Voltaero")
    assertNotContains(response, create_url(territory_a))
    assertNotContains(response, update_url(territory_a, pride_a))
    for url in all_urls(territory_a, pride_a)[1:]:
        assert client.get(url).status_code == 403, url
    assert client.post(create_url(territory_a), form_data()).status_code == 403
    assert client.post(update_url(territory_a, pride_a), form_data(product="Modifié")).status_code == 403
    assert client.post(delete_url(territory_a, pride_a)).status_code == 403
    assert_unchanged(pride_a)
    assert Pride.objects.for_territory(territory_a).count() == 8


def test_it_returns_404_for_an_unknown_pride(client_for, alice, territory_a):
    assert client_for(alice).get(reverse("interviews:pride_update", args=[territory_a.slug, 999999])).status_code == 404


def test_it_serves_the_image_shown_on_the_public_page(client, territory_a, published_pride):
    pride_with_image = published_pride
    page = client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()
    assert pride_with_image.published_url in page
    response = client.get(pride_with_image.published_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    served = b"".join(response.streaming_content)
    with open(pride_with_image.published_path, "rb") as stream:
        assert served == stream.read()


def test_it_checks_images_uploaded_through_the_admin_too(client_for, alice, pride_a):
    url = reverse("admin:interviews_pride_change", args=[pride_a.pk])
    data = {
        "kind": pride_a.kind,
        "product": pride_a.product,
        "company": pride_a.company,
        "place": pride_a.place,
        "size_class": "",
        "order": pride_a.order,
        "image": upload("anime.gif", content=image_bytes("GIF"), content_type="image/gif"),
    }
    response = client_for(alice).post(url, data)
    assert response.status_code == 200
    assert "JPEG, PNG ou WebP" in response.content.decode()
    pride_a.refresh_from_db()
    assert not pride_a.image


def test_it_links_the_current_image_in_the_admin_to_its_access_checked_view(client_for, alice, pride_with_image):
    page = client_for(alice).get(reverse("admin:interviews_pride_change", args=[pride_with_image.pk])).content.decode()
    lookup = reverse("interviews:pride_image", args=[pride_with_image.territory.slug, pride_with_image.pk])
    assert f'href="{lookup}"' in page
    assert 'href="/media/' not in page
