"""The automated accessibility check: axe-core (vendored) in a real headless Chromium, over the main public, team,
participant and company pages of the demo, at desktop width and at a 390 px phone width. Any violation of the
WCAG 2.x A/AA rules fails, naming the rule, the page and the elements.

It runs the production server on a throwaway SQLite database holding the demo (see tests/browser.py), so it needs
Debian's chromium and chromedriver. Skipped only when they are absent AND the CI variable is unset: in CI (.ci/run
installs them) it always runs. Set A11Y_REPORT=<file> to also write every page's violations as JSON.
"""

import json
import os

import pytest
from django.conf import settings

from tests.browser import VIEWPORTS, Chromium, DemoDatabase, chromium_available
from tests.concurrency import Server

pytestmark = [
    pytest.mark.skipif(
        not chromium_available() and not os.environ.get("CI"),
        reason="Chromium (/usr/bin/chromium, /usr/bin/chromedriver) absent; in CI this check always runs",
    ),
]

ERROR_TITLES = ("Demande incorrecte", "Accès refusé", "Formulaire expiré", "Page introuvable", "Trop de demandes")

# (name, who is signed in, path). In this order: each identity is taken once (the company's sign-in link is
# single-use, and signing in replaces the session).
PAGES = [
    ("accueil", "anonymous", "/"),
    ("pacte", "anonymous", "/territoires/{slug}/"),
    ("indicateurs-publics", "anonymous", "/territoires/{slug}/indicateurs/"),
    ("calendrier-public", "anonymous", "/territoires/{slug}/calendrier/"),
    ("appels-fonciers", "anonymous", "/territoires/{slug}/foncier/"),
    ("appel-foncier", "anonymous", "/territoires/{slug}/foncier/{call_pk}/"),
    ("accessibilite", "anonymous", "/accessibilite/"),
    ("mentions-legales", "anonymous", "/mentions-legales/"),
    ("donnees-personnelles", "anonymous", "/donnees-personnelles/"),
    ("plan-du-site", "anonymous", "/plan-du-site/"),
    ("connexion", "anonymous", "/connexion/"),
    ("territoires", "anonymous", "/territoires/?q=rochefort"),
    ("donnees-ouvertes", "anonymous", "/donnees/"),
    ("participant", "participant", "/atelier/p/{participant_token}/"),
    ("feuille-de-route", "team", "/espace/{slug}/feuille-de-route/"),
    ("fichier-de-suivi", "team", "/espace/{slug}/acteurs/"),
    ("entretiens", "team", "/espace/{slug}/entretiens/"),
    ("entretien", "team", "/espace/{slug}/entretiens/{interview_pk}/"),
    ("fiertes", "team", "/espace/{slug}/fiertes/"),
    ("ateliers", "team", "/espace/{slug}/ateliers/"),
    ("atelier", "team", "/espace/{slug}/ateliers/{workshop_pk}/"),
    ("tableau-atelier", "team", "/espace/{slug}/ateliers/{workshop_pk}/tableau/"),
    ("arbitrages", "team", "/espace/{slug}/arbitrages/"),
    ("entreprises", "team", "/espace/{slug}/entreprises/"),
    ("indicateurs", "team", "/espace/{slug}/indicateurs/"),
    ("groupes", "team", "/espace/{slug}/groupes/"),
    ("calendrier", "team", "/espace/{slug}/calendrier/"),
    ("foncier", "team", "/espace/{slug}/foncier/"),
    ("classement", "team", "/espace/{slug}/foncier/appels/{call_pk}/classement/"),
    ("donnees-personnelles-equipe", "team", "/espace/{slug}/donnees-personnelles/?q=Camille"),
    ("equipe", "team", "/espace/{slug}/equipe/"),
    ("redaction", "team", "/espace/{slug}/redaction/"),
    ("redaction-edito", "team", "/espace/{slug}/redaction/edito/"),
    ("redaction-chiffres-cles", "team", "/espace/{slug}/redaction/chiffres-cles/"),
    ("redaction-engagements", "team", "/espace/{slug}/redaction/engagements/{theme_pk}/"),
    ("redaction-sources", "team", "/espace/{slug}/redaction/engagements/{theme_pk}/sources/"),
    ("redaction-trace", "team", "/espace/{slug}/redaction/engagement/{commitment_pk}/trace/"),
    ("univers-industriel", "team", "/espace/{slug}/entreprises/univers-industriel/"),
    ("chiffres-cles-sirene", "team", "/espace/{slug}/entreprises/chiffres-cles/"),
    ("preparation-publication", "team", "/espace/{slug}/pacte/preparation/"),
    ("confirmation-publication", "team", "/espace/{slug}/pacte/publier/"),
    ("retrait-publication", "team", "/espace/{slug}/pacte/retirer/"),
    ("espace-entreprise", "company", "/entreprise/{company_pk}/"),
    ("indicateurs-entreprise", "company", "/entreprise/{company_pk}/indicateurs/"),
]
OPTIONAL = {"donnees-personnelles-equipe": "pacte.privacy"}  # pages of an app the settings may not install yet
CASES = [(name, who, path, viewport) for name, who, path in PAGES for viewport in VIEWPORTS]
_report: dict = {}


@pytest.fixture(scope="module")
def demo_site():
    database = DemoDatabase()
    try:
        data = database.prepare()
        with Server(database.url, workers=1, threads=4, SECRET_KEY=database.secret_key) as server:
            browser = Chromium(server.url)
            try:
                yield browser, data, database
            finally:
                browser.quit()
                if os.environ.get("A11Y_REPORT"):
                    with open(os.environ["A11Y_REPORT"], "w", encoding="utf-8") as stream:
                        json.dump(_report, stream, ensure_ascii=False, indent=2)
    finally:
        database.cleanup()


def _become(browser: Chromium, who: str, data: dict, database: DemoDatabase):
    if browser.identity == who or who in ("anonymous", "participant") and browser.identity == "anonymous":
        return
    if who == "team":
        browser.sign_in_team()
    elif who == "company":
        token = data.pop("sign_in_token", None) or database.run("sign_in")["sign_in_token"]
        browser.sign_in_company(token, data["company_pk"])
    else:
        browser.driver.delete_all_cookies()
        browser.identity = "anonymous"


@pytest.mark.parametrize(("name", "who", "path", "viewport"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_the_page_has_no_accessibility_violation(demo_site, name, who, path, viewport):
    if name in OPTIONAL and OPTIONAL[name] not in settings.INSTALLED_APPS:
        pytest.skip(f"{OPTIONAL[name]} is not installed")
    browser, data, database = demo_site
    if "{call_pk}" in path and not data.get("call_pk"):
        pytest.skip("the demo has no land call")
    _become(browser, who, data, database)
    browser.viewport(viewport)
    browser.open(path.format(**data))
    title = browser.title()
    assert not title.startswith(ERROR_TITLES), f"{name}: the page answered an error ({title}) at {browser.path}"
    violations = browser.axe_violations()
    _report[f"{name} ({viewport})"] = {"path": browser.path, "violations": violations}
    assert not violations, f"{name} ({viewport}) {browser.path}:\n" + "\n".join(
        f"  - {v['id']} [{v['impact']}] {v['help']}: {', '.join(v['targets'][:8])}" for v in violations
    )
