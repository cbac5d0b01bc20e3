"""Static files as production serves them (`collectstatic` into hashed, compressed files served by whitenoise):
the DSFR's stylesheets and scripts carry Subresource Integrity hashes, which must match the bytes served, or the
browser blocks them and the whole site is unstyled."""

import base64
import hashlib
import re

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.test import Client

from pacte.core.storage import StaticFilesStorage


class Uncompressed(ManifestStaticFilesStorage):
    patterns = StaticFilesStorage.patterns


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    # The production storage without its gzip/brotli step (minutes of CPU for the DSFR's icons; it never changes
    # the bytes served): the same hashed names, the same rules for rewriting (none).
    storages = {**django_settings.STORAGES, "staticfiles": {"BACKEND": "tests.test_static_files.Uncompressed"}}
    with override_settings(STATIC_ROOT=str(root), STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root, storages


def test_it_serves_dsfr_files_whose_integrity_hashes_match(collected, settings, db):
    root, storages = collected
    settings.STATIC_ROOT = str(root)
    settings.STORAGES = storages
    page = Client().get("/").content.decode()

    tagged = re.findall(r'<(?:link|script)[^>]*?(?:href|src)="/static/([^"]+)"[^>]*?integrity="(sha\d+)-([^"]+)"', page)
    assert len(tagged) >= 2, "the DSFR's stylesheet and script carry integrity hashes"
    for name, algorithm, expected in tagged:
        assert re.search(r"\.[0-9a-f]{12}\.", name), f"{name} is served under its hashed name"
        digest = hashlib.new(algorithm, (root / name).read_bytes()).digest()
        assert base64.b64encode(digest).decode() == expected, f"{name}: bytes differ from its integrity hash"
        response = Client().get("/static/" + name)  # whitenoise, as the production server
        assert response.status_code == 200
        assert "max-age=315360000" in response["Cache-Control"] or "immutable" in response["Cache-Control"]
        served = b"".join(response.streaming_content) if response.streaming else response.content
        assert base64.b64encode(hashlib.new(algorithm, served).digest()).decode() == expected
