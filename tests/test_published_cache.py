"""A published version is immutable, so are its documents and its public page.

- its PDF and PowerPoint file are generated once (at publication, or at the first download if that failed),
  stored in the database and served with an ETag (SHA-256 of the bytes), Last-Modified, a public Cache-Control
  and 304 on If-None-Match; the team's preview (?apercu=1) is generated on demand and never stored nor cached;
- its public page is rendered once per version for anonymous visitors (Django's cache), and a new publication
  or a withdrawn version changes it; a signed-in user's page is never stored nor shown to anyone else.
"""

import hashlib
import io
import itertools
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from pacte.public import views as public_views
from pacte.publications import pdf, services, slides
from pacte.publications.models import DocumentKind, Pact, PactDocument, PactVersion
from pacte.publications.page_cache import public_page_cache_key
from pacte.publications.services import pact_publish

DRAFT_TITLE = "Titre du brouillon, pas encore publié"
SECOND_TITLE = "Pacte industrie-territoire, deuxième version"


@pytest.fixture(autouse=True)
def documents_in_the_request(settings):
    """Publication generates the documents before answering (no thread in tests)."""
    settings.PACT_DOCUMENTS_IN_BACKGROUND = False


@pytest.fixture
def renderers():
    """Fake PDF and PowerPoint renderers that count their calls and make different bytes at each call."""
    counter = itertools.count(1)

    def fake_pdf(document, *, version=None, published_on=None, preview=False, base_url=None):
        return f"%PDF-fake n{next(counter)} v{version} {document['pact']['title']} preview={preview}".encode()

    def fake_pptx(document, *, version=None):
        number = version.number if version is not None else None
        return f"PK-fake n{next(counter)} v{number} {document['pact']['title']}".encode()

    with (
        mock.patch.object(pdf, "pact_pdf", side_effect=fake_pdf) as pdf_mock,
        mock.patch.object(slides, "pact_pptx", side_effect=fake_pptx) as pptx_mock,
    ):
        yield {DocumentKind.PDF: pdf_mock, DocumentKind.PPTX: pptx_mock}


def _document_url(territory, kind, query=""):
    return reverse(f"documents:{kind}", args=[territory.slug]) + query


def _page_url(territory, query=""):
    return reverse("public:pact", args=[territory.slug]) + query


def _republish(territory, title=SECOND_TITLE):
    Pact.objects.filter(pk=territory.pact.pk).update(title=title)
    territory.pact.refresh_from_db()
    return pact_publish(pact=territory.pact)


def _stored(territory, number, kind):
    return PactDocument.objects.get(version__territory=territory, version__number=number, kind=kind)


# --- documents: generated once, stored, served with validators --------------------------------------------------


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_it_generates_the_document_of_a_published_version_once_for_many_downloads(client, territory_a, renderers, kind):
    bodies = [client.get(_document_url(territory_a, kind)).content for _ in range(4)]
    bodies += [client.get(_document_url(territory_a, kind, "?version=1")).content for _ in range(2)]
    assert renderers[kind].call_count == 1
    assert len(set(bodies)) == 1 and b" v1 " + territory_a.pact.title.encode() in bodies[0]
    stored = _stored(territory_a, 1, kind)
    assert bytes(stored.content) == bodies[0]
    assert stored.size == len(bodies[0]) and stored.sha256 == hashlib.sha256(bodies[0]).hexdigest()


def test_it_stores_the_real_pdf_once(client, territory_a):
    with mock.patch.object(pdf, "pact_pdf", wraps=pdf.pact_pdf) as renderer:
        first = client.get(_document_url(territory_a, "pdf"))
        second = client.get(_document_url(territory_a, "pdf"))
    assert renderer.call_count == 1
    assert first.content.startswith(b"%PDF-") and second.content == first.content
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'inline; filename="pacte-{territory_a.slug}-v1.pdf"'


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_it_serves_a_published_document_with_an_etag_and_cache_headers(client, territory_a, renderers, kind):
    response = client.get(_document_url(territory_a, kind))
    assert response.status_code == 200
    assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert response["Last-Modified"].endswith(" GMT")
    assert response["Cache-Control"] == "public, max-age=300"  # the latest version: replaced by the next one
    pinned = client.get(_document_url(territory_a, kind, "?version=1"))
    assert pinned["ETag"] == response["ETag"] and pinned["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_it_answers_304_to_a_matching_if_none_match(client, territory_a, renderers, kind):
    etag = client.get(_document_url(territory_a, kind))["ETag"]
    again = client.get(_document_url(territory_a, kind), headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"].startswith("public, max-age=")
    other = client.get(_document_url(territory_a, kind), headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200 and other["ETag"] == etag
    assert renderers[kind].call_count == 1


def test_it_answers_304_to_if_modified_since(client, territory_a, renderers):
    last_modified = client.get(_document_url(territory_a, "pdf"))["Last-Modified"]
    again = client.get(_document_url(territory_a, "pdf"), headers={"if-modified-since": last_modified})
    assert again.status_code == 304


def test_it_reads_no_bytes_for_a_304_and_few_queries_for_a_download(client, territory_a, renderers):
    etag = client.get(_document_url(territory_a, "pdf"))["ETag"]
    with CaptureQueriesContext(connection) as download:
        assert client.get(_document_url(territory_a, "pdf")).status_code == 200
    with CaptureQueriesContext(connection) as not_modified:
        assert client.get(_document_url(territory_a, "pdf"), headers={"if-none-match": etag}).status_code == 304
    # territory + pact, version (without its content), document (without its bytes), then the bytes
    assert len(download.captured_queries) <= 4
    assert len(not_modified.captured_queries) <= 3
    assert not any('"content"' in q["sql"] and "pactdocument" in q["sql"] for q in not_modified.captured_queries)


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_it_gives_a_new_document_and_etag_to_a_new_publication(client, territory_a, renderers, kind):
    old = client.get(_document_url(territory_a, kind))
    _republish(territory_a)
    new = client.get(_document_url(territory_a, kind), headers={"if-none-match": old["ETag"]})
    assert new.status_code == 200 and new["ETag"] != old["ETag"]
    assert b" v2 " + SECOND_TITLE.encode() in new.content
    assert f"-v2.{kind}" in new["Content-Disposition"]
    # Version 1 is still what it was.
    pinned = client.get(_document_url(territory_a, kind, "?version=1"), headers={"if-none-match": old["ETag"]})
    assert pinned.status_code == 304
    assert bytes(_stored(territory_a, 1, kind).content) == old.content


def test_it_generates_the_documents_at_publication(client, territory_a, renderers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _republish(territory_a)
    assert {d.kind for d in PactDocument.objects.filter(version__territory=territory_a, version__number=2)} == {
        "pdf",
        "pptx",
    }
    calls = {kind: mock_.call_count for kind, mock_ in renderers.items()}
    assert calls == {DocumentKind.PDF: 1, DocumentKind.PPTX: 1}
    for kind in DocumentKind.values:
        assert client.get(_document_url(territory_a, kind)).content == bytes(_stored(territory_a, 2, kind).content)
    assert {kind: mock_.call_count for kind, mock_ in renderers.items()} == calls  # no generation on download


def test_it_publishes_even_when_the_documents_fail_and_generates_them_at_the_first_download(
    client, territory_a, renderers, django_capture_on_commit_callbacks, caplog
):
    renderers[DocumentKind.PDF].side_effect = [RuntimeError("WeasyPrint is broken"), b"%PDF-second-try"]
    with django_capture_on_commit_callbacks(execute=True):
        pact = _republish(territory_a)
    assert Pact.objects.get(pk=pact.pk).version == 2
    assert PactVersion.objects.filter(territory=territory_a, number=2).exists()
    assert not PactDocument.objects.filter(version__number=2, kind="pdf", version__territory=territory_a).exists()
    assert "not generated at publication" in caplog.text
    response = client.get(_document_url(territory_a, "pdf"))
    assert response.status_code == 200 and response.content == b"%PDF-second-try"
    assert bytes(_stored(territory_a, 2, "pdf").content) == b"%PDF-second-try"
    assert client.get(_document_url(territory_a, "pdf")).content == b"%PDF-second-try"
    assert renderers[DocumentKind.PDF].call_count == 2


def test_it_generates_the_documents_in_a_thread_of_their_own_by_default(
    settings, territory_a, renderers, django_capture_on_commit_callbacks
):
    """Publishing answers at once; the thread generates (its database work is faked here: a thread cannot see
    the test's transaction)."""
    settings.PACT_DOCUMENTS_IN_BACKGROUND = True
    ran = {}
    done = threading.Event()

    def generate(version_pk):
        ran.update(version_pk=version_pk, thread=threading.current_thread().name)
        done.set()

    with mock.patch.object(services, "_documents_generate_quietly", side_effect=generate):
        with django_capture_on_commit_callbacks(execute=True):
            _republish(territory_a)
        assert done.wait(timeout=10)
    version = PactVersion.objects.get(territory=territory_a, number=2)
    assert ran == {"version_pk": version.pk, "thread": f"pact-documents-{version.pk}"}
    assert all(mock_.call_count == 0 for mock_ in renderers.values())  # nothing generated in the request


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_it_generates_the_teams_preview_at_each_request_and_never_stores_it(
    client_for, alice, territory_a, renderers, kind
):
    Pact.objects.filter(pk=territory_a.pact.pk).update(title=DRAFT_TITLE)
    client = client_for(alice)
    for _ in range(2):
        response = client.get(_document_url(territory_a, kind, "?apercu=1"))
        assert response.status_code == 200
        assert DRAFT_TITLE.encode() in response.content
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response and "Last-Modified" not in response
        assert f"-apercu.{kind}" in response["Content-Disposition"]
    assert renderers[kind].call_count == 2
    assert not PactDocument.objects.filter(version__territory=territory_a).exists()
    # The published document is still version 1's, whatever the team previewed.
    client.logout()
    assert DRAFT_TITLE.encode() not in client.get(_document_url(territory_a, kind)).content
    assert client.get(_document_url(territory_a, kind, "?apercu=1")).status_code == 404


def test_it_has_no_url_to_a_stored_document_but_the_views(client, territory_a, renderers, media_root):
    client.get(_document_url(territory_a, "pdf"))
    stored = _stored(territory_a, 1, "pdf")
    assert not hasattr(stored, "file")  # bytes in the database, no file path under MEDIA_ROOT
    assert not any(path.is_file() for path in Path(media_root).rglob("*.pdf"))


# --- the public page: cached per version for anonymous visitors ----------------------------------------------


@pytest.fixture
def renders():
    """Counts the renderings of the public page (pact_page builds its context)."""
    with mock.patch.object(public_views, "pact_page", wraps=public_views.pact_page) as spy:
        yield spy


def _page(client, territory, query=""):
    response = client.get(_page_url(territory, query))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_it_renders_the_public_page_once_for_anonymous_visitors(client, territory_a, renders):
    pages = [_page(client, territory_a) for _ in range(3)]
    assert renders.call_count == 1
    assert len(set(pages)) == 1 and escape(territory_a.pact.title) in pages[0]
    # ?version=1 reads the same page while version 1 is the latest: the same rendering.
    assert _page(client, territory_a, "?version=1") == pages[0]
    assert renders.call_count == 1
    _republish(territory_a)
    pages = [_page(client, territory_a, "?version=1") for _ in range(2)] + [_page(client, territory_a)]
    assert renders.call_count == 3  # version 1 (replaced) and version 2 (the latest), once each


def test_it_serves_the_cached_page_in_two_queries(client, territory_a):
    _page(client, territory_a)
    with CaptureQueriesContext(connection) as context:
        page = _page(client, territory_a)
    assert escape(territory_a.pact.title) in page
    assert len(context.captured_queries) <= 2  # the territory with its pact, the list of version numbers


def test_it_shows_the_new_version_after_a_new_publication(client, territory_a, renders):
    before = _page(client, territory_a)
    old_version = _page(client, territory_a, "?version=1")
    assert "Elle a été remplacée" not in old_version
    _republish(territory_a)
    after = _page(client, territory_a)
    assert escape(SECOND_TITLE) in after and escape(SECOND_TITLE) not in before
    assert "Version 2 publiée le" in after
    # The page of version 1 now says that it was replaced.
    replaced = _page(client, territory_a, "?version=1")
    assert "Elle a été remplacée par la version 2" in replaced
    assert escape(SECOND_TITLE) not in replaced.split('id="versions"')[0].split("pacte-old-version")[0]


def test_it_stops_showing_a_withdrawn_version(client, territory_a):
    _republish(territory_a)
    assert escape(SECOND_TITLE) in _page(client, territory_a)
    assert client.get(_page_url(territory_a, "?version=2")).status_code == 200
    PactVersion.objects.filter(territory=territory_a, number=2).delete()
    page = _page(client, territory_a)
    assert escape(SECOND_TITLE) not in page and "Version 1 publiée le" in page
    assert client.get(_page_url(territory_a, "?version=2")).status_code == 404


def test_it_never_shows_the_teams_page_to_anonymous_visitors(client, client_for, alice, territory_a, renders):
    team = client_for(alice)
    for _ in range(2):
        page = _page(team, territory_a)
        assert "?apercu=1" in page and "Se déconnecter" in page
    team.logout()
    anonymous = _page(client, territory_a)
    assert "?apercu=1" not in anonymous and "Se déconnecter" not in anonymous and "Se connecter" in anonymous
    assert renders.call_count == 3  # the team's pages are rendered for them, never stored


def test_it_never_shows_the_cached_anonymous_page_to_the_team(client, client_for, alice, territory_a, renders):
    assert "?apercu=1" not in _page(client, territory_a)
    team_page = _page(client_for(alice), territory_a)
    assert "?apercu=1" in team_page and "Se déconnecter" in team_page
    assert renders.call_count == 2


def test_it_never_caches_nor_shows_the_draft_preview_to_anonymous(client, client_for, alice, territory_a, renders):
    Pact.objects.filter(pk=territory_a.pact.pk).update(title=DRAFT_TITLE)
    team = client_for(alice)
    assert escape(DRAFT_TITLE) in _page(team, territory_a, "?apercu=1")
    assert escape(DRAFT_TITLE) in _page(team, territory_a, "?apercu=1")
    assert renders.call_count == 2
    team.logout()
    assert client.get(_page_url(territory_a, "?apercu=1")).status_code == 404
    assert escape(DRAFT_TITLE) not in _page(client, territory_a)
    assert escape(DRAFT_TITLE) not in _page(client, territory_a, "?version=1")


def test_it_keys_the_page_by_territory_version_and_language(rf, territory_a):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    def key(query=""):
        request = rf.get(_page_url(territory_a, query))
        request.user, request.session = AnonymousUser(), SessionStore()
        request._messages = FallbackStorage(request)
        return public_page_cache_key(request, territory_a)

    latest = key()
    assert latest and key("?version=1") == latest  # the same page while version 1 is the latest
    assert key("?version=9") is None and key("?version=x") is None and key("?apercu=1") is None
    with translation.override("en"):
        assert key() != latest
    _republish(territory_a)
    assert key("?version=1") != latest  # the page of version 1 now names version 2
    assert key() not in (latest, key("?version=1"))


def test_it_generates_the_missing_documents_with_a_command(territory_a, renderers):
    out = io.StringIO()
    call_command("pact_documents", territory=territory_a.slug, stdout=out)
    assert f"{territory_a.name} v1 : 2 documents produits" in out.getvalue()
    assert {d.kind for d in PactDocument.objects.filter(version__territory=territory_a)} == {"pdf", "pptx"}
    out = io.StringIO()
    call_command("pact_documents", territory=territory_a.slug, stdout=out)
    assert f"{territory_a.name} v1 : à jour" in out.getvalue()
    assert all(mock_.call_count == 1 for mock_ in renderers.values())


def test_it_regenerates_stored_documents_on_request(territory_a, renderers):
    """After an upgrade that changes the documents' rendering (tagged PDFs), --regenerate replaces what is stored."""
    call_command("pact_documents", territory=territory_a.slug, stdout=io.StringIO())
    out = io.StringIO()
    call_command("pact_documents", territory=territory_a.slug, regenerate=True, stdout=out)
    assert f"{territory_a.name} v1 : 2 documents produits" in out.getvalue()
    assert all(mock_.call_count == 2 for mock_ in renderers.values())
    assert PactDocument.objects.filter(version__territory=territory_a).count() == 2
