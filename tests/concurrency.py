"""Harness for concurrency tests and load benchmarks of the workshops: a REAL server on a throwaway database,
driven by many browser-like clients at once.

Nothing here touches the test database of pytest-django (its session-wide reference data stays as it is):

- `throwaway_database()` creates a database of its own (PostgreSQL: `pacte_concurrency_<pid>_<n>` next to the
  given one; SQLite: a file in the temporary directory) and drops it at the end;
- `prepare()` runs `manage.py migrate`, then this module as a script (`python -m tests.concurrency setup`) in a
  subprocess with DATABASE_URL pointing to it: 4 Rochefort EPCI, the reference case (12 commitments), an OPEN
  commitments workshop, participants and a team user, printed as JSON;
- `Server` starts the production server (gunicorn with config/gunicorn.conf.py: several worker processes of several
  threads, DEBUG off) on that database and waits until it answers; it is stopped at the end of the `with` block;
- `Browser` is one phone: its own cookie jar (urllib + http.cookiejar: the standard library only), the CSRF token
  taken from its cookie, redirects not followed (a 302 is a response of its own), each response read and closed;
- `state()` reads back what the database holds (reactions, post-its), again through a subprocess.
"""

import contextlib
import http.cookiejar
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ROCHEFORT_SIRENS = ["200041762", "241700640", "241700624", "241700699"]  # as in tests/conftest.py
TEAM_PASSWORD = "mot-de-passe-de-charge-1"
_counter = itertools.count(1)


# --- the throwaway database -------------------------------------------------------------------------------------


def postgres_url(settings_dict: dict, name: str) -> str:
    """A postgres:// URL for database `name` on the server of a Django DATABASES entry."""
    user = urllib.parse.quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


def _admin_connect(url: str):
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=urllib.parse.unquote(parsed.username or ""),
        password=urllib.parse.unquote(parsed.password or "") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def postgres_reachable(url: str) -> bool:
    try:
        with _admin_connect(url):
            return True
    except Exception:
        return False


@contextlib.contextmanager
def throwaway_database(base_url: str | None = None):
    """Yields the DATABASE_URL of a new, empty database; drops it at the end.

    `base_url`: a postgres:// URL (the new database lives on the same server), or None/sqlite for a temporary
    SQLite file.
    """
    if base_url and base_url.startswith(("postgres://", "postgresql://")):
        name = f"pacte_concurrency_{os.getpid()}_{next(_counter)}"
        parsed = urllib.parse.urlsplit(base_url)
        url = urllib.parse.urlunsplit(parsed._replace(path=f"/{name}", query=""))
        with _admin_connect(base_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url
        finally:
            with _admin_connect(base_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        directory = tempfile.mkdtemp(prefix="pacte_concurrency_")
        path = Path(directory) / "db.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            for file in Path(directory).iterdir():
                file.unlink()
            os.rmdir(directory)


# --- Django in a subprocess -------------------------------------------------------------------------------------


def server_env(database_url: str, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": "ignore",
        **extra,
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def manage(database_url: str, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def script(database_url: str, command: str, timeout: float = 120, **kwargs):
    """Runs one of SCRIPTS below in a subprocess on that database; returns what it printed (JSON)."""
    result = subprocess.run(
        [PYTHON, "-m", "tests.concurrency", command, json.dumps(kwargs)],
        cwd=ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"script {command} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(database_url: str, participants: int) -> dict:
    """Migrate, then (in the same subprocess) the territory, an open workshop, `participants` participants and a team user."""
    return script(database_url, "setup", participants=participants, migrate=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The PRODUCTION server on a database, in a subprocess; a context manager that stops it at the end.

    gunicorn with config/gunicorn.conf.py (gthread workers: `workers` processes of `threads` threads each, by
    default what the configuration sizes for this machine), DEBUG off, static files from the apps through whitenoise
    (STATIC_MANIFEST=0: no collectstatic for a throwaway server), a SECRET_KEY of its own, and a VAR_DIR of its own
    (the file cache that the worker processes share, e.g. for throttles).
    """

    def __init__(
        self,
        database_url: str,
        *,
        workers: int | None = None,
        threads: int | None = None,
        startup_timeout: float = 60,
        wait: bool = True,
        **env,
    ):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.env = env
        self.process = None
        self.log = None
        self.var_dir = None
        self.wait = wait

    def __enter__(self):
        """Starts the server; waits until it answers unless wait=False (then call wait_ready() once the database is
        ready: the workers boot meanwhile)."""
        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self.var_dir = tempfile.mkdtemp(prefix="pacte_server_")
        env = {
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "VAR_DIR": self.var_dir,
            "BIND": f"127.0.0.1:{self.port}",
            **({"WEB_CONCURRENCY": str(self.workers)} if self.workers else {}),
            **({"GUNICORN_THREADS": str(self.threads)} if self.threads else {}),
            **self.env,
        }
        command = [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_env(self.database_url, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if self.wait:
            try:
                self.wait_ready()
            except BaseException:
                self.stop()
                raise
        return self

    def wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at startup:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            # Listening: a few full requests at once, so that every worker has loaded its URL map and templates
            # before the clock starts.
            run_together(lambda _n: Browser(self.url).get("/"), range(16))
            return
        raise RuntimeError(f"the server did not answer within {self.startup_timeout} s:\n{self.output()}")

    def output(self) -> str:
        if self.log is None or self.log.closed:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def errors(self) -> str:
        """What the server logged as an error (a traceback, a failed worker), if anything."""
        output = self.output()
        markers = ("Traceback", " ERROR ", "[ERROR]", "[CRITICAL]")
        return output if any(marker in output for marker in markers) else ""

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)  # gunicorn: quick stop (a throwaway server)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None

    def __exit__(self, *exc):
        self.stop()
        if self.log is not None:
            self.log.close()
        if self.var_dir is not None:
            shutil.rmtree(self.var_dir, ignore_errors=True)
            self.var_dir = None


# --- the clients ------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError(3xx): the redirect is returned as it is


@dataclass
class Response:
    method: str
    path: str
    status: int
    body: bytes
    headers: dict
    elapsed: float  # seconds, from sending the request to the last byte of the body

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """One phone (or the team's laptop): its cookies, and every response it received."""

    def __init__(self, base_url: str, *, timeout: float = 60):
        self.base_url = base_url
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.responses: list[Response] = []
        self._lock = threading.Lock()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Response:
        url = path if path.startswith("http") else self.base_url + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as raw:
                status, content, raw_headers = raw.status, raw.read(), raw.headers
        except urllib.error.HTTPError as error:
            with error:
                status, content, raw_headers = error.code, error.read(), error.headers
        elapsed = time.perf_counter() - start
        response = Response(method, path, status, content, {k.lower(): v for k, v in raw_headers.items()}, elapsed)
        with self._lock:
            self.responses.append(response)
        return response

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers: dict | None = None) -> Response:
        token = self.cookie("csrftoken")
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": token, **data}, headers={"X-CSRFToken": token, **(headers or {})}
        )

    def follow(self, response: Response) -> Response:
        """GET the page a redirect points to (a relative Location is relative to the server)."""
        location = response.location
        if location.startswith("http"):
            location = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
        return self.get(location)

    def log_in(self, username: str, password: str) -> Response:
        self.get("/connexion/")
        response = self.post("/connexion/", {"username": username, "password": password})
        if response.status != 302:
            raise RuntimeError(f"login failed: {response.status}")
        return response


def run_together(function, items, *, workers: int | None = None) -> list:
    """Calls function(item) for every item, each in its own thread, all released at once by a barrier.

    Returns the results in the order of `items`; the first exception is raised once all threads are done.
    """
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    barrier = threading.Barrier(len(items))

    def start(item):
        barrier.wait(timeout=60)
        return function(item)

    with ThreadPoolExecutor(max_workers=workers or len(items)) as pool:
        futures = [pool.submit(start, item) for item in items]
        return [f.result() for f in futures]


def at_once(*calls) -> list:
    """A double tap: the given calls sent at the same moment from two threads; returns their results."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile (p95 of 500 values is the 475th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.4999)))
    return ordered[rank - 1]


# --- what a participant does ----------------------------------------------------------------------------------

REACTIONS_EACH = 5
KINDS = ["agree", "adjust", "veto"]
# personal link + page, 5 reactions of which one double-tapped, a change of mind, a post-it sent twice
PARTICIPANT_REQUESTS = 2 + REACTIONS_EACH + 1 + 1 + 2


def plan_for(index: int, commitments: list[int]) -> dict:
    """What participant `index` sends: 5 commitments, a kind each, then a change of mind on the first one."""
    chosen = [commitments[(index + step * 2) % len(commitments)] for step in range(REACTIONS_EACH)]
    kinds = [KINDS[(index + step) % 3] for step in range(REACTIONS_EACH)]
    return {
        "commitments": chosen,
        "kinds": kinds,
        "final": {c: k for c, k in zip(chosen, kinds, strict=True)} | {chosen[0]: KINDS[(index + 1) % 3]},
        "double_tap": 2,  # the third reaction is sent twice at the same moment
        "htmx": index % 2 == 0,  # half the phones have JavaScript (HTMX partials), half send plain forms
    }


def participant_session(base_url: str, workshop: str, token: str, plan: dict) -> Browser:
    """One phone: its personal link, the workshop's page, then the plan's writes; returns the phone (its responses).

    PARTICIPANT_REQUESTS requests in all; stops early (raises) only if it cannot reach the workshop's page.
    """
    phone = Browser(base_url)
    arrived = phone.get(f"/atelier/p/{token}/")
    if arrived.status != 302:
        raise RuntimeError(f"personal link: {arrived.status}")
    page = phone.follow(arrived)
    if page.status != 200 or not phone.cookie("csrftoken"):
        raise RuntimeError(f"workshop page: {page.status}, csrftoken {phone.cookie('csrftoken')!r}")
    headers = {"HX-Request": "true"} if plan["htmx"] else {}

    def react(commitment, kind):
        comment = "Pas en l'état" if kind == "veto" else ""
        return phone.post(f"/atelier/{workshop}/reagir/{commitment}/", {"kind": kind, "comment": comment}, headers)

    for step, (commitment, kind) in enumerate(zip(plan["commitments"], plan["kinds"], strict=True)):
        if step == plan["double_tap"]:
            at_once(lambda c=commitment, k=kind: react(c, k), lambda c=commitment, k=kind: react(c, k))
        else:
            react(commitment, kind)
    first = plan["commitments"][0]
    react(first, plan["final"][first])  # a change of mind: replaces the first reaction
    post_it = {"text": f"Une idée de {token}", "commitment": first, "client_key": uuid.uuid4().hex}
    at_once(  # a resent form: the same post-it, the same key, twice at once
        lambda: phone.post(f"/atelier/{workshop}/postit/", post_it, headers),
        lambda: phone.post(f"/atelier/{workshop}/postit/", post_it, headers),
    )
    return phone


# --- scripts run inside the server's database (python -m tests.concurrency <name> '<json kwargs>') -------------


def _setup(participants: int = 0, workshops: int = 1, migrate: bool = False) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from pacte.accounts.models import Role, TerritoryMembership
    from pacte.commitments.models import Commitment
    from pacte.replication.services import reference_case_load
    from pacte.territories.services import reference_data_populate

    if migrate:  # in the same process: one start of Django fewer
        call_command("migrate", interactive=False, verbosity=0)
    reference_data_populate(sirens=set(ROCHEFORT_SIRENS))
    territory = reference_case_load()
    user = get_user_model().objects.create_user(username="equipe", password=TEAM_PASSWORD)
    TerritoryMembership.objects.create(user=user, territory=territory, role=Role.TEAM)
    commitments = list(
        Commitment.objects.for_territory(territory).order_by("theme__order", "order", "pk").values_list("pk", flat=True)
    )
    result = {
        "slug": territory.slug,
        "commitments": commitments,
        "username": user.username,
        "password": TEAM_PASSWORD,
        "starts_at": timezone.now().isoformat(),
    }
    if workshops:
        result.update(_workshop(participants=participants))
    return result


def _workshop(participants: int = 0, title: str = "Atelier de charge") -> dict:
    """A new OPEN commitments workshop of the territory, with its participants (their tokens)."""
    from django.utils import timezone

    from pacte.territories.models import Territory
    from pacte.workshops.models import WorkshopKind, WorkshopStatus
    from pacte.workshops.services import participant_join, workshop_create, workshop_set_status

    territory = Territory.objects.get(slug="rochefort-royan-marennes-oleron")
    workshop = workshop_create(
        territory=territory, kind=WorkshopKind.COMMITMENTS, title=title, starts_at=timezone.now()
    )
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    tokens = [participant_join(workshop=workshop, name=f"Participant {i}").token for i in range(participants)]
    return {"workshop": workshop.token, "workshop_pk": workshop.pk, "participants": tokens}


def _state(workshop: str) -> dict:
    """What the database holds for a workshop: its reactions and its post-its, with their participant's token."""
    from pacte.workshops.models import Idea, Participant, Reaction

    return {
        "participants": Participant.objects.filter(workshop__token=workshop).count(),
        "reactions": list(
            Reaction.objects.filter(participant__workshop__token=workshop).values_list(
                "participant__token", "commitment_id", "kind", "comment"
            )
        ),
        "ideas": list(
            Idea.objects.filter(workshop__token=workshop).values_list("participant__token", "client_key", "text")
        ),
    }


def _profile() -> dict:
    """Queries of each request, sent alone through Django's test client (a new workshop of the territory)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pacte.commitments.models import Commitment

    created = _workshop(participants=1, title="Profil")
    workshop, token = created["workshop"], created["participants"][0]
    commitment = Commitment.objects.filter(territory__slug="rochefort-royan-marennes-oleron").order_by("pk").first()
    phone, team = Client(), Client()
    phone.get(f"/atelier/p/{token}/")
    team.force_login(get_user_model().objects.get(username="equipe"))
    htmx = {"HTTP_HX_REQUEST": "true"}
    requests = {
        "page": lambda: phone.get(f"/atelier/{workshop}/"),
        "reaction (first, HTMX)": lambda: phone.post(
            f"/atelier/{workshop}/reagir/{commitment.pk}/", {"kind": "agree"}, **htmx
        ),
        "reaction (change, HTMX)": lambda: phone.post(
            f"/atelier/{workshop}/reagir/{commitment.pk}/", {"kind": "veto"}, **htmx
        ),
        "reaction (plain)": lambda: phone.post(f"/atelier/{workshop}/reagir/{commitment.pk}/", {"kind": "adjust"}),
        "post-it (HTMX)": lambda: phone.post(
            f"/atelier/{workshop}/postit/", {"text": "Idée", "commitment": commitment.pk, "client_key": "k1"}, **htmx
        ),
        "board_live": lambda: team.get(
            f"/espace/rochefort-royan-marennes-oleron/ateliers/{created['workshop_pk']}/tableau/direct/", **htmx
        ),
    }
    counts = {}
    for name, send in requests.items():
        with CaptureQueriesContext(connection) as queries:
            response = send()
        counts[name] = f"{len(queries)} ({response.status_code})"
    return counts


SCRIPTS = {"setup": _setup, "workshop": _workshop, "state": _state, "profile": _profile}


def state(database_url: str, workshop: str) -> dict:
    return script(database_url, "state", workshop=workshop)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    output = SCRIPTS[sys.argv[1]](**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))
    print(json.dumps(output))
