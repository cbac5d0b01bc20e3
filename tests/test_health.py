"""The health endpoint of the load balancer (/sante/) and the liveness ping (/sante/ping/)."""

import logging
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "cache": "ok", "storage": "ok"}
# A Redis cache nobody listens to (port 1): what a crashed Redis looks like to the server.
CACHE_DOWN = override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)


@pytest.fixture
def url():
    return reverse("core:health")


def test_it_reports_every_dependency_healthy(client, url, media_root):
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == ALL_OK
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_it_costs_one_query_and_reads_no_session_even_for_a_signed_in_browser(client_for, alice, url):
    client = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]


def test_it_leaves_no_file_behind_in_the_media_folder(client, url, media_root):
    assert client.get(url).status_code == 200
    assert list(Path(media_root).rglob("*")) == []


def test_a_database_down_gives_503(client, url):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get(url)
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "database": "error"}
    assert b"connection refused" not in response.content  # details go to the log only


def test_a_cache_down_gives_503(client, url):
    with CACHE_DOWN:
        response = client.get(url)
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "cache": "error"}


def test_a_storage_that_cannot_be_written_gives_503(client, url, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocker)
    response = client.get(url)
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "storage": "error"}


def test_it_refuses_writes(client, url):
    assert client.post(url).status_code == 405


def test_it_is_not_redirected_to_https_while_pages_are(client, url, settings):
    """The load balancer probes the server over plain HTTP behind the TLS proxy."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(url).status_code == 200
    assert client.get("/").status_code == 301


def test_a_healthy_probe_is_kept_out_of_the_request_log_but_a_failing_one_is_not(client, url, caplog):
    with caplog.at_level(logging.INFO, logger="pacte.request"):
        client.get(url)
        client.get(reverse("core:ping"))
        assert [r for r in caplog.records if r.name == "pacte.request"] == []
        with CACHE_DOWN:
            client.get(url)
    [line] = [r for r in caplog.records if r.name == "pacte.request"]
    assert line.levelno == logging.ERROR and line.status == 503 and line.path == url
    assert any(r.name == "pacte.health" and "cache" in r.getMessage() for r in caplog.records)


def test_the_ping_answers_without_any_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:ping"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert queries.captured_queries == []
