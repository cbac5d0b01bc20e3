"""Harness of the browser tests: the demo on a real server, a real headless Chromium, and axe-core.

- `demo_database()` builds a throwaway SQLite database in a subprocess (`python -m tests.browser setup`): migrate,
  `manage.py load_demo` (the reference data and the Rochefort demo, as `make run` serves it), then what the pages
  under test need and the demo lacks: workshop #1 open again with a participant, and a company representative
  with a sign-in link. It prints the ids and tokens as JSON. Built once per test session (the fixture caches it).
- The server is tests.concurrency.Server (the production gunicorn, DEBUG off) on that database.
- `Chromium` drives Debian's /usr/bin/chromium through /usr/bin/chromedriver (selenium, no browser download),
  headless, at desktop width or at a 390 px phone width (device emulation), and runs the vendored axe-core
  (tests/vendor/axe-core/axe.min.js: no CDN) on the page: `axe_violations()` returns one dict per violation.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.concurrency import PYTHON, ROOT, server_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TEAM = ("equipe-rochefort", "rochefort-demo-2025")  # the demo's team account (load_demo)
REPRESENTATIVE_EMAIL = "representante@airbus.example"
# What RGAA 4.1 maps to: WCAG 2.x levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
VIEWPORTS = {"desktop": (1280, 900, False), "390px": (390, 844, True)}


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


# --- the database -------------------------------------------------------------------------------------------------


class DemoDatabase:
    """A SQLite file holding the demo and the extra data of the browser tests; removed by cleanup()."""

    def __init__(self):
        # One secret key for the setup and the server: the company's sign-in link is signed with it.
        self.secret_key = secrets.token_urlsafe(50)
        self.directory = tempfile.mkdtemp(prefix="pacte_browser_")
        self.url = f"sqlite:///{Path(self.directory) / 'db.sqlite3'}"
        self.data: dict = {}

    def prepare(self, timeout: float = 600) -> dict:
        result = subprocess.run(
            [PYTHON, "-m", "tests.browser", "setup"],
            cwd=ROOT,
            env=server_env(self.url, SECRET_KEY=self.secret_key),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"browser setup failed:\n{result.stdout}\n{result.stderr}")
        self.data = json.loads(result.stdout.strip().splitlines()[-1])
        return self.data

    def run(self, command: str, timeout: float = 120) -> dict:
        result = subprocess.run(
            [PYTHON, "-m", "tests.browser", command],
            cwd=ROOT,
            env=server_env(self.url, SECRET_KEY=self.secret_key),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"browser {command} failed:\n{result.stdout}\n{result.stderr}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def _setup() -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from pacte.companies.models import Company, Representative
    from pacte.governance.models import ThematicGroup
    from pacte.interviews.models import Interview
    from pacte.land.models import LandCall
    from pacte.territories.models import Territory
    from pacte.workshops.models import Workshop, WorkshopKind, WorkshopStatus
    from pacte.workshops.services import participant_join, workshop_set_status

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", verbosity=0)
    from pacte.commitments.models import Commitment, Theme

    territory = Territory.objects.get(slug="rochefort-royan-marennes-oleron")
    workshop = Workshop.objects.for_territory(territory).filter(kind=WorkshopKind.COMMITMENTS).order_by("pk").first()
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)  # the participant page needs an open one
    participant = participant_join(workshop=workshop, name="Participante du test d'accessibilité")
    company = Company.objects.for_territory(territory).order_by("pk").first()
    user = get_user_model().objects.create_user(
        username=REPRESENTATIVE_EMAIL, email=REPRESENTATIVE_EMAIL, first_name="Camille", last_name="Représentante"
    )
    Representative.objects.create(user=user, company=company)
    call = LandCall.objects.for_territory(territory).order_by("pk").first()
    return {
        "slug": territory.slug,
        "workshop_pk": workshop.pk,
        "participant_token": participant.token,
        "company_pk": company.pk,
        "sign_in_token": _sign_in()["sign_in_token"],
        "interview_pk": Interview.objects.for_territory(territory).order_by("pk").first().pk,
        "call_pk": call.pk if call else None,
        "group_pk": ThematicGroup.objects.for_territory(territory).order_by("pk").values_list("pk", flat=True).first(),
        "theme_pk": Theme.objects.for_territory(territory).order_by("order", "pk").values_list("pk", flat=True).first(),
        "commitment_pk": Commitment.objects.for_territory(territory)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
    }


def _sign_in() -> dict:
    """A fresh single-use sign-in link of the representative (the previous one stops working once used)."""
    from pacte.companies.models import Representative
    from pacte.governance.services_members import sign_in_token

    representative = Representative.objects.select_related("user", "company").get(user__email=REPRESENTATIVE_EMAIL)
    return {"sign_in_token": sign_in_token(user=representative.user, company=representative.company)}


SCRIPTS = {"setup": _setup, "sign_in": _sign_in}


# --- the browser --------------------------------------------------------------------------------------------------


class Chromium:
    """Headless Chromium with axe-core; remembers who is signed in (anonymous, team, company)."""

    def __init__(self, base_url: str):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--lang=fr-FR",
            "--window-size=1280,900",
            "--no-first-run",
            "--disable-extensions",
        ):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(120)
        self.base_url = base_url
        self.identity = "anonymous"
        self.axe_source = AXE.read_text(encoding="utf-8")

    def quit(self):
        self.driver.quit()

    def viewport(self, name: str):
        width, height, mobile = VIEWPORTS[name]
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def open(self, path: str):
        self.driver.get(self.base_url + path)
        self.settle()

    def settle(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.driver.execute_script("return document.readyState") == "complete":
                break
            time.sleep(0.05)
        time.sleep(0.3)  # the DSFR's scripts finish setting up their components

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url)

    def submit(self, selector: str):
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, selector).click()
        self.settle()

    def sign_in_team(self):
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.open("/connexion/")
        self.driver.find_element(By.NAME, "username").send_keys(TEAM[0])
        self.driver.find_element(By.NAME, "password").send_keys(TEAM[1])
        self.driver.find_element(By.NAME, "password").submit()
        self.settle()
        if "/connexion/" in self.path:
            raise RuntimeError("the team could not sign in")
        self.identity = "team"

    def sign_in_company(self, token: str, company_pk: int):
        self.driver.delete_all_cookies()
        self.open(f"/entreprise/connexion/{token}/")
        self.submit("main form button[type=submit]")
        if not self.path.startswith(f"/entreprise/{company_pk}/"):
            raise RuntimeError(f"the representative could not sign in (at {self.path})")
        self.identity = "company"

    def axe_violations(self) -> list[dict]:
        """axe-core's violations on the current page (WCAG 2.x A and AA), each with its rule, impact and targets."""
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(self.axe_source)
        results = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
              .then(r => done(r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.map(n => n.target.join(' ')),
              }))))
              .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), targets: []}]));
            """,
            AXE_TAGS,
        )
        return results + self.duplicate_ids()

    def duplicate_ids(self) -> list[dict]:
        """Ids used twice (RGAA 8.2; axe-core 4.9+ only reports those that ARIA or a label points to)."""
        duplicates = self.driver.execute_script(
            """
            const seen = {};
            for (const element of document.querySelectorAll('[id]')) seen[element.id] = (seen[element.id] || 0) + 1;
            return Object.keys(seen).filter(id => seen[id] > 1);
            """
        )
        if not duplicates:
            return []
        return [
            {
                "id": "duplicate-id",
                "impact": "serious",
                "help": "Ids must be unique",
                "targets": [f"#{d}" for d in duplicates],
            }
        ]

    def title(self) -> str:
        return self.driver.title


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    command = sys.argv[1]
    print(json.dumps(SCRIPTS[command]()))
