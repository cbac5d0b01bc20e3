"""Test harness: reference data and the demo territory are loaded once per session; every test runs
in a transaction rolled back at its end.

Personas (as in healthchecks' alice/bob/charlie):
- alice: team of territory A, the reference case Rochefort-Royan-Marennes-Oléron (published pact);
- bob: team of territory B, "Dunkerque" created from the template on real EPCI (draft pact);
- victor: read-only member of territory A;
- nadia: national viewer (ANCT, superuser);
- anonymous citizens use the bare `client`.
"""

import os

import pytest
from django.contrib.auth import get_user_model

from pacte.accounts.models import Role, TerritoryMembership
from pacte.replication.services import REFERENCE_CASE, content_read, reference_case_load
from pacte.territories.models import Territory
from pacte.territories.services import reference_data_populate

ROCHEFORT_SIRENS = ["200041762", "241700640", "241700624", "241700699"]
# Territory B: CU de Dunkerque; another EPCI kept for creation tests: CA de La Rochelle.
DUNKERQUE_SIREN = "245900428"
LA_ROCHELLE_SIREN = "241700434"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        sirens = {*ROCHEFORT_SIRENS, DUNKERQUE_SIREN, LA_ROCHELLE_SIREN}
        reference_data_populate(sirens=sirens, geometry_for=sirens)
        reference_case_load()
    yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Personas are created with a password; hashing it the production way costs 0.2 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def test_storages_and_cache(settings):
    """Static files from the apps (no collectstatic manifest in tests) and an empty memory cache for each test."""
    from django.core.cache import cache

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def source_text():
    # A copy of shared/source/pacte-industrie-territoire.txt, so that the suite runs on any clone.
    path = os.path.join(os.path.dirname(__file__), "fixtures", "pacte-industrie-territoire.txt")
    with open(path, encoding="utf-8") as stream:
        return stream.read()


@pytest.fixture
def reference_content():
    return content_read(REFERENCE_CASE)


@pytest.fixture
def territory_a(db):
    return Territory.objects.get(slug="rochefort-royan-marennes-oleron")


@pytest.fixture
def territory_b(db):
    from pacte.replication.services import territory_create_from_template

    return territory_create_from_template(name="Dunkerque", sirens=[DUNKERQUE_SIREN], region="Hauts-de-France")


def _user(username, *, territory=None, role=Role.TEAM, superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password="mot-de-passe-de-test", is_staff=True, is_superuser=superuser
    )
    if territory is not None:
        TerritoryMembership.objects.create(user=user, territory=territory, role=role)
    return user


@pytest.fixture
def alice(territory_a):
    return _user("alice", territory=territory_a)


@pytest.fixture
def bob(territory_b):
    return _user("bob", territory=territory_b)


@pytest.fixture
def victor(territory_a):
    return _user("victor", territory=territory_a, role=Role.VIEWER)


@pytest.fixture
def nadia(db):
    return _user("nadia", superuser=True)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
