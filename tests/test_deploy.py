"""Production settings from the environment, request log, and the roadmap's query budget.

The settings are read once per process: each environment is tried in a subprocess (`manage.py …`).
`deploy/production.env.example` is the environment documented in the README's "Déploiement" section; `check --deploy`
runs with exactly that file and fails on any warning.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tests.test_queries import multiply, queries_for

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = ROOT / "deploy" / "production.env.example"
ROADMAP_BUDGET = 11


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile and the shell (`set -a; . file`) read them."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not a KEY=VALUE line: {line!r}"
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]  # quotes are removed, as systemd and the shell do
            env[key.strip()] = value
    return env


def bare_env(**variables) -> dict[str, str]:
    """Only what a process needs to run, plus `variables`: nothing leaks from the developer's environment."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    return {**env, "PYTHONWARNINGS": "ignore", **variables}


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def shell(env: dict, code: str):
    """Runs `code` in `manage.py shell`; it prints one JSON object as its last line."""
    return json.loads(manage(env, "shell", "-v0", "-c", code).stdout.strip().splitlines()[-1])


@pytest.fixture
def local_env(tmp_path):
    """The default environment of a fresh clone, on a database and var folder of the test's own (static files from
    the apps: no collectstatic here)."""
    return bare_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VAR_DIR=str(tmp_path / "var"), STATIC_MANIFEST="0"
    )


# --- check --deploy with the documented environment ----------------------------------------------------------


def test_the_documented_production_environment_passes_check_deploy_without_any_warning():
    env = bare_env(**read_env_file(PRODUCTION_ENV))
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_documented_production_environment_turns_every_protection_on():
    env = bare_env(**read_env_file(PRODUCTION_ENV))
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'ssl_redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'proxy_header': list(s.SECURE_PROXY_SSL_HEADER), 'hosts': s.ALLOWED_HOSTS,"
        "'origins': s.CSRF_TRUSTED_ORIGINS, 'cache': s.CACHES['default']['BACKEND'],"
        "'email': s.EMAIL_BACKEND, 'database': s.DATABASES['default']['ENGINE']}))"
    )
    assert shell(env, code) == {
        "debug": False,
        "ssl_redirect": True,
        "hsts": 31536000,
        "session_secure": True,
        "csrf_secure": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hosts": ["pacte.exemple.fr"],
        "origins": ["https://pacte.exemple.fr"],
        "cache": "django.core.cache.backends.redis.RedisCache",
        "email": "django.core.mail.backends.smtp.EmailBackend",
        "database": "django.db.backends.postgresql",
    }


# --- DEBUG: off unless DEBUG=1 ---------------------------------------------------------------------------------

NOT_FOUND = (
    "import json; from django.conf import settings; from django.test import Client;"
    "r = Client().get('/cette-page-n-existe-pas/');"
    "print(json.dumps({'debug': settings.DEBUG, 'status': r.status_code, 'body': r.content.decode()}))"
)
DEBUG_PAGE_MARKS = ("Using the URLconf defined in", "technical_404", "You're seeing this error because you have")


def test_a_fresh_clone_runs_with_debug_off_and_a_plain_404(local_env):
    result = shell(local_env, NOT_FOUND)
    assert result["debug"] is False
    assert result["status"] == 404
    assert not any(mark in result["body"] for mark in DEBUG_PAGE_MARKS)
    assert "config.urls" not in result["body"] and "espace/gestion/" not in result["body"]  # no URL list


def test_debug_1_turns_the_debug_pages_on(local_env):
    result = shell({**local_env, "DEBUG": "1"}, NOT_FOUND)
    assert result["debug"] is True
    assert result["status"] == 404
    assert any(mark in result["body"] for mark in DEBUG_PAGE_MARKS)


# --- Content-Security-Policy -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_sent_with_a_content_security_policy_without_inline_scripts(client, territory_a):
    response = client.get(reverse("public:pact", args=[territory_a.slug]))
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no other origin
    assert policy["frame-ancestors"] == "'none'"
    assert "<script>" not in response.content.decode()  # the page itself respects it: no inline script


# --- Redis cache when REDIS_URL is set ---------------------------------------------------------------------------


def test_redis_url_gives_a_working_redis_cache(local_env):
    code = (
        "import json, uuid, redis; from django.core.cache import caches; from django.conf import settings;"
        "cache = caches['default']; key, value = 'test-deploy:' + uuid.uuid4().hex, uuid.uuid4().hex;"
        "cache.set(key, value, 30); got = cache.get(key);"
        "stored = redis.Redis.from_url('redis://127.0.0.1:6379/5').exists(cache.make_key(key)); cache.delete(key);"
        "print(json.dumps({'backend': type(cache).__module__ + '.' + type(cache).__name__,"
        "'location': settings.CACHES['default']['LOCATION'], 'round_trip': got == value, 'in_redis': stored}))"
    )
    result = shell({**local_env, "REDIS_URL": "redis://127.0.0.1:6379/5"}, code)
    assert result == {
        "backend": "django.core.cache.backends.redis.RedisCache",
        "location": "redis://127.0.0.1:6379/5",
        "round_trip": True,
        "in_redis": 1,
    }


def test_without_redis_url_the_cache_is_shared_by_the_workers_of_one_machine(local_env, tmp_path):
    code = (
        "import json; from django.core.cache import caches; cache = caches['default']; cache.set('partage', 'oui', 30);"
        "print(json.dumps({'backend': type(cache).__name__}))"
    )
    assert shell(local_env, code) == {"backend": "FileBasedCache"}
    # another process (another worker) reads what the first one wrote
    code = "import json; from django.core.cache import cache; print(json.dumps(cache.get('partage')))"
    assert shell(local_env, code) == "oui"
    assert (tmp_path / "var" / "cache").is_dir()


# --- the request log ----------------------------------------------------------------------------------------------

REQUESTS = (
    "from django.test import Client; c = Client();"
    "c.get('/cette-page-n-existe-pas/'); c.get('/espace/'); c.post('/cette-page-n-existe-pas/', {'a': 1});"
    "print('{}')"
)


def test_each_request_is_one_line_with_its_duration(local_env):
    result = manage(local_env, "shell", "-v0", "-c", REQUESTS)
    lines = [line for line in result.stderr.splitlines() if " pacte.request " in line]
    assert len(lines) == 3, result.stderr
    assert " GET /cette-page-n-existe-pas/ 404 " in lines[0] and lines[0].endswith("ms")
    assert " GET /espace/ 302 " in lines[1]
    assert " POST /cette-page-n-existe-pas/ " in lines[2]


def test_log_format_json_writes_one_valid_json_object_per_line(local_env):
    result = manage({**local_env, "LOG_FORMAT": "json"}, "shell", "-v0", "-c", REQUESTS)
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]  # every line is JSON
    requests = [entry for entry in entries if entry["logger"] == "pacte.request"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("GET", "/cette-page-n-existe-pas/", 404),
        ("GET", "/espace/", 302),
        ("POST", "/cette-page-n-existe-pas/", 404),
    ]
    for entry in requests:
        assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
        assert entry["user_id"] is None and entry["client"] == "127.0.0.1"
        assert entry["level"] in ("INFO", "WARNING") and entry["time"].endswith("+00:00")


# --- the roadmap: a bounded, small number of queries ------------------------------------------------------------


@pytest.mark.django_db
def test_the_roadmap_renders_in_a_small_number_of_queries_whatever_the_data(client_for, alice, territory_a):
    client = client_for(alice)
    url = reverse("roadmap:roadmap", args=[territory_a.slug])
    before = queries_for(client, url)
    assert before <= ROADMAP_BUDGET, f"{before} queries"
    multiply(territory_a)
    assert queries_for(client, url) == before
    assert connection.vendor in ("sqlite", "postgresql")
