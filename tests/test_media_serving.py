"""Uploaded files are served only by views that look them up in the database and check who asks.

No URL serves the media folder by path: the traversal spellings that once reached a proof (issue 13) are 404
for everyone, and each file has its lookup view — a pride's picture (public once a published version shows it),
an indicator's proof (the territory and the company), a land application's attachment (the territory).
"""

import io
import os
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from pacte.interviews.models import Pride
from pacte.publications.models import PactVersion
from pacte.publications.services import pact_publish

from .test_indicators_pages import companies, ind, put, representative  # noqa: F401 (companies: a fixture)
from .test_land_applications import _submitted, open_call, pdf

SECRET = b"%PDF-1.4\n% secret proof\n%%EOF\n"


def png_bytes(color=(0, 0, 145)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def body(response) -> bytes:
    # Read the whole stream (closing the response would also close the test's PostgreSQL connection).
    return b"".join(response.streaming_content) if response.streaming else response.content


def write(media_root, name, content=SECRET):
    path = os.path.join(media_root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(content)


# --- no path-based serving at all ------------------------------------------------------------------------------

TRAVERSALS = [
    "/media/%2e%2e/media/justificatifs/{proof}",
    "/media/..%2fjustificatifs/{proof}",
    "/media/%2e%2e%2fjustificatifs/{proof}",
    "/media/justificatifs/{proof}",
    "/media//justificatifs/{proof}",
    "/media/a/../justificatifs/{proof}",
    "/media/a/%2e%2e/justificatifs/{proof}",
    "/media/./justificatifs/{proof}",
    "/media/candidatures/{attachment}",
    "/media/%2e%2e/media/candidatures/{attachment}",
    "/media/..%2fcandidatures/{attachment}",
    "/media//candidatures/{attachment}",
    "/media/a/../candidatures/{attachment}",
    "/media/fiertes/{picture}",
    "/media/{frozen}",
]


@pytest.mark.parametrize("visitor", ["anonymous", "bob"])
def test_no_spelling_of_a_media_path_reaches_a_file(client, client_for, bob, media_root, visitor):
    write(media_root, "justificatifs/bilan.pdf")
    write(media_root, "candidatures/kbis.pdf")
    write(media_root, "fiertes/helice.png", png_bytes())
    write(media_root, "versions/1/v1/helice.png", png_bytes())
    c = client_for(bob) if visitor == "bob" else client
    names = {
        "proof": "bilan.pdf",
        "attachment": "kbis.pdf",
        "picture": "helice.png",
        "frozen": "versions/1/v1/helice.png",
    }
    for pattern in TRAVERSALS:
        url = pattern.format(**names)
        response = c.get(url)
        assert response.status_code == 404, url
        assert b"secret proof" not in body(response) and b"PNG" not in body(response), url


# --- prides' pictures ------------------------------------------------------------------------------------------


@pytest.fixture
def published(territory_a):
    """A pride of A with a picture, published in a new version (which keeps its own copy of the picture)."""
    pride = Pride.objects.filter(territory=territory_a).order_by("order").first()
    pride.image.save("helice.png", ContentFile(png_bytes()), save=True)
    number = pact_publish(pact=territory_a.pact).version
    prides = PactVersion.objects.get(territory=territory_a, number=number).content["prides"]
    index = next(i for i, p in enumerate(prides) if p["image"])
    pride.frozen = prides[index]["image"]
    pride.url = reverse("public:pride_image", args=[territory_a.slug, number, index])
    return pride


def test_the_public_page_shows_a_published_picture_through_its_lookup_view(client, territory_a, published):
    page = client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()
    assert f'src="{published.url}"' in page
    assert "/media/" not in page
    response = client.get(published.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"].startswith("public")
    assert body(response) == png_bytes()
    # The browser's copy is still good: 304 without the bytes.
    again = client.get(published.url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and not again.content
    assert client.get(published.url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_a_picture_changed_after_publication_stays_the_teams_until_published(
    client, client_for, alice, victor, nadia, bob, territory_a, published
):
    published.image.save("nouvelle.png", ContentFile(png_bytes((200, 0, 0))), save=True)
    url = reverse("interviews:pride_image", args=[territory_a.slug, published.pk])
    assert client.get(url).status_code == 404  # not in any published version
    assert client_for(bob).get(url).status_code == 404
    for user in (alice, victor, nadia):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert body(response) == png_bytes((200, 0, 0))
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response
    # The published version still shows the picture it was published with, to everyone.
    client.logout()
    assert body(client.get(published.url)) == png_bytes()


def test_the_team_pages_show_pictures_through_the_lookup_view(client_for, alice, territory_a, published):
    url = reverse("interviews:pride_image", args=[territory_a.slug, published.pk])
    page = client_for(alice).get(reverse("interviews:prides", args=[territory_a.slug])).content.decode()
    assert f'src="{url}"' in page and "/media/" not in page
    page = client_for(alice).get(reverse("interviews:pride_update", args=[territory_a.slug, published.pk]))
    assert f'src="{url}"' in page.content.decode()
    preview = client_for(alice).get(reverse("public:pact", args=[territory_a.slug]) + "?apercu=1").content.decode()
    assert f'src="{url}"' in preview and "/media/" not in preview


def test_a_picture_named_in_a_published_version_is_public_under_the_prides_address(client, territory_a):
    """A version frozen before pictures were copied names the pride's own file: that file is public."""
    pride = Pride.objects.filter(territory=territory_a).order_by("order").first()
    pride.image.save("ancienne.png", ContentFile(png_bytes()), save=True)
    number = pact_publish(pact=territory_a.pact).version
    version = PactVersion.objects.get(territory=territory_a, number=number)
    for frozen in version.content["prides"]:
        if frozen["image"]:
            frozen["image"] = pride.image.name
    version.save(update_fields=["content"])
    response = client.get(reverse("interviews:pride_image", args=[territory_a.slug, pride.pk]))
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    assert body(response) == png_bytes()


def test_a_draft_territorys_pictures_are_its_teams_only(client, client_for, alice, bob, territory_b):
    pride = Pride.objects.filter(territory=territory_b).order_by("order").first() or Pride.objects.create(
        territory=territory_b, kind="innovative", product="Éolienne", company="Dunkerque Énergie"
    )
    pride.image.save("eolienne.png", ContentFile(png_bytes()), save=True)
    url = reverse("interviews:pride_image", args=[territory_b.slug, pride.pk])
    assert client.get(url).status_code == 404
    assert client_for(alice).get(url).status_code == 404
    response = client_for(bob).get(url)
    assert response.status_code == 200 and body(response) == png_bytes()
    # Never through another territory's address, nor as a version that does not exist.
    other_address = reverse("interviews:pride_image", args=["rochefort-royan-marennes-oleron", pride.pk])
    assert client_for(bob).get(other_address).status_code == 404
    client.logout()
    assert client.get(reverse("public:pride_image", args=[territory_b.slug, 1, 0])).status_code == 404


def test_a_lookup_beyond_the_version_or_without_a_picture_is_404(client, territory_a, published):
    number = PactVersion.objects.filter(territory=territory_a).order_by("-number").first().number
    for args in ([number, 999], [number + 1, 0], [number, published_index_without_image(territory_a, number)]):
        assert client.get(reverse("public:pride_image", args=[territory_a.slug, *args])).status_code == 404, args
    other = Pride.objects.filter(territory=territory_a, image="").first()
    assert client.get(reverse("interviews:pride_image", args=[territory_a.slug, other.pk])).status_code == 404


def published_index_without_image(territory, number):
    prides = PactVersion.objects.get(territory=territory, number=number).content["prides"]
    return next(i for i, p in enumerate(prides) if not p["image"])


def test_a_front_server_sends_the_bytes_with_x_accel_redirect(client, settings, published):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    settings.SENDFILE_URL = "/protected-media/"
    response = client.get(published.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + published.frozen
    assert response["Content-Type"] == "image/png"
    assert not response.streaming and response.content == b""


def test_apache_gets_the_files_path_with_x_sendfile(client, settings, media_root, published):
    settings.SENDFILE_HEADER = "X-Sendfile"
    response = client.get(published.url)
    assert response["X-Sendfile"] == os.path.join(media_root, published.frozen)
    assert response.content == b""


def test_the_published_slides_still_embed_the_picture(client, territory_a, published):
    response = client.get(reverse("documents:pptx", args=[territory_a.slug]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        pictures = [name for name in archive.namelist() if name.startswith("ppt/media/")]
        assert [archive.read(name) for name in pictures] == [png_bytes()]


# --- indicator proofs and land attachments ---------------------------------------------------------------------


@pytest.fixture
def proof(territory_a, companies):  # noqa: F811
    value = put(ind(territory_a, "attractivite-actions-ouverture-public"), companies[0], value=2)
    value.proof.save("bilan.pdf", ContentFile(SECRET), save=True)
    return value


def test_a_proof_goes_to_the_territory_and_the_company_only(client, client_for, alice, victor, bob, proof, companies):  # noqa: F811
    url = reverse("indicators:proof", args=[proof.pk])
    for user in (alice, victor, representative(companies[0], "rep0")):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert body(response) == SECRET
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (bob, representative(companies[1], "rep1")):
        response = client_for(user).get(url)
        assert response.status_code == 404, user
        assert SECRET not in body(response)
    client.logout()
    assert client.get(url).status_code == 302  # to sign in, never the file


def test_an_attachment_goes_to_the_territory_only(client, client_for, alice, victor, bob, territory_a, territory_b):
    application = _submitted(open_call(territory_a, alice), client, plan=pdf())
    attachment = application.attachments.get()
    url = reverse("land:application_attachment", args=[territory_a.slug, application.pk, attachment.pk])
    old = reverse("land:application", args=[territory_a.slug, application.pk]) + f"?piece={attachment.pk}"
    for user in (alice, victor):
        for address in (url, old):
            response = client_for(user).get(address)
            assert response.status_code == 200 and body(response).startswith(b"%PDF"), (user, address)
            assert response["Cache-Control"] == "private, no-store"
    for address in (
        url,
        old,
        reverse("land:application_attachment", args=[territory_b.slug, application.pk, attachment.pk]),
    ):
        assert client_for(bob).get(address).status_code == 404, address
    client.logout()
    assert client.get(url).status_code == 302


def test_the_file_views_x_accel_redirect_private_files_too(client_for, alice, settings, proof):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    response = client_for(alice).get(reverse("indicators:proof", args=[proof.pk]))
    assert response["X-Accel-Redirect"] == "/protected-media/" + proof.proof.name
    assert response["Cache-Control"] == "private, no-store" and response.content == b""


def test_a_file_gone_from_storage_is_404(client_for, alice, proof, media_root):
    os.remove(os.path.join(media_root, proof.proof.name))
    assert client_for(alice).get(reverse("indicators:proof", args=[proof.pk])).status_code == 404


def test_an_unexpected_format_is_only_ever_a_download(rf, media_root):
    from pacte.core.files import file_response

    write(media_root, "fiertes/page.html", b"<script>alert(1)</script>")
    response = file_response(rf.get("/"), "fiertes/page.html", private=True)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    response.file_to_stream.close()
