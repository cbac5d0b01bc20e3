"""Page costs: the real pages against a trivial Django view, served by the production server.

    .venv/bin/python bench/page_cost.py [--requests 40] [--database-url postgres://…/throwaway]

Starts gunicorn (config/gunicorn.conf.py, 1 worker, 1 thread: the figures are per request, not a load test) with
DEBUG off, STATIC_MANIFEST=0 and a SECRET_KEY, on a throwaway SQLite database (or the empty PostgreSQL database
given) where `manage.py migrate` + `manage.py load_demo` load the demo. Signs in as the demo team
(equipe-rochefort), requests each page `--requests` times after a warm-up, and prints the median time of each and
its ratio to the trivial view (/sante/ping/: no database, no session, no template). Targets of issue 13: public
pages ≤ 3×, team pages ≤ 5×.

Then, in a `manage.py shell` on the same database, the number of SQL queries of each page and its most repeated
query shapes (the offenders to look at first).
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SLUG = "rochefort-royan-marennes-oleron"
TEAM = ("equipe-rochefort", "rochefort-demo-2025")
TRIVIAL = "/sante/ping/"
PAGES = [
    # (label, path, kind)
    ("accueil public", "/", "public"),
    ("page publique du pacte", f"/territoires/{SLUG}/", "public"),
    ("indicateurs publics", f"/territoires/{SLUG}/indicateurs/", "public"),
    ("feuille de route", f"/espace/{SLUG}/feuille-de-route/", "team"),
    ("fichier de suivi", f"/espace/{SLUG}/acteurs/", "team"),
    ("entretiens", f"/espace/{SLUG}/entretiens/", "team"),
    ("ateliers", f"/espace/{SLUG}/ateliers/", "team"),
    ("foncier", f"/espace/{SLUG}/foncier/", "team"),
]
TARGET = {"public": 3, "team": 5}

QUERIES_SCRIPT = """
import json, re
from collections import Counter
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pages = json.loads(PAGES_JSON)
client = Client()
team = Client()
team.force_login(get_user_model().objects.get(username=USERNAME))
out = {}
for label, path, kind in pages:
    c = team if kind == "team" else client
    c.get(path)
    with CaptureQueriesContext(connection) as ctx:
        status = c.get(path).status_code
    shapes = Counter()
    for q in ctx.captured_queries:
        sql = re.sub(r"'[^']*'|\\b\\d+\\b", "?", q["sql"])
        table = re.search(r'FROM "([a-z_]+)"', sql)
        shapes[(table.group(1) if table else sql[:40])] += 1
    out[label] = {"status": status, "queries": len(ctx.captured_queries), "top": shapes.most_common(4)}
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(env, *args, timeout=600):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            body = response.read()
            return response.status, body

    def login(self, username, password):
        status, body = self.get("/connexion/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        request = urllib.request.Request(
            self.base + "/connexion/", data=data.encode(), headers={"Referer": self.base + "/connexion/"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                raise SystemExit(f"sign-in refused (status {response.status})")
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def timed(browser, path, count):
    status, _ = browser.get(path)  # warm-up (templates, per-process caches)
    if status != 200:
        sys.exit(f"{path}: HTTP {status}")
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        browser.get(path)
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pacte-page-cost-") as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/db.sqlite3"
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "page-cost-bench-" + "x" * 50,
            "STATIC_MANIFEST": "0",
            "VAR_DIR": f"{tmp}/var",
            "MEDIA_ROOT": f"{tmp}/media",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
        }
        env.pop("DEBUG", None)
        print("Preparing the demo (migrate + load_demo)…", file=sys.stderr)
        run(env, PYTHON, "manage.py", "migrate", "--noinput", "-v0")
        run(env, PYTHON, "manage.py", "load_demo")
        server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + TRIVIAL, timeout=2).read()
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit(f"the server did not answer on {TRIVIAL} (is pacte.core.urls included?)")
                    time.sleep(0.2)
            anonymous, team = Browser(base), Browser(base)
            team.login(*TEAM)
            trivial = timed(anonymous, TRIVIAL, args.requests)
            rows = []
            for label, path, kind in PAGES:
                median = timed(team if kind == "team" else anonymous, path, args.requests)
                rows.append((label, path, kind, median, median / trivial))
        finally:
            server.terminate()
            server.wait(timeout=30)

        code = QUERIES_SCRIPT.replace("PAGES_JSON", repr(json.dumps(PAGES))).replace("USERNAME", repr(TEAM[0]))
        queries = json.loads(run(env, PYTHON, "manage.py", "shell", "-v0", "-c", code).strip().splitlines()[-1])

    vendor = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(
        f"Machine: {os.cpu_count()} CPU, Python {platform.python_version()}, {vendor}; gunicorn 1 worker × 1 thread, "
        f"DEBUG off; median of {args.requests} requests after a warm-up"
    )
    print(f"trivial view {TRIVIAL}: {trivial:.2f} ms")
    print(f"{'page':<24} {'median ms':>10} {'ratio':>7} {'target':>7} {'queries':>8}  most repeated query tables")
    for label, _path, kind, median, ratio in rows:
        q = queries[label]
        verdict = "ok" if ratio <= TARGET[kind] else "OVER"
        top = ", ".join(f"{table}×{n}" for table, n in q["top"])
        print(
            f"{label:<24} {median:>10.2f} {ratio:>6.1f}× {'≤' + str(TARGET[kind]) + '× ' + verdict:>7} "
            f"{q['queries']:>8}  {top}"
        )


if __name__ == "__main__":
    main()
