"""The demo's evidence: Rochefort's commitments linked to the interview ideas, findings and post-its they match.

[Illustration] The source publication gives Rochefort's findings (by axis of the diagnostic) and its commitments
(by theme), but not which finding or idea led to which commitment, and its interview ideas and post-its are
themselves marked "[Illustration]" in the demo data. The matches below are ours, made by reading the texts side by
side; they link without changing any text (the published pact keeps the source's wording), and name the existing
action that says the same thing when there is one.
"""

from django.db import transaction

from pacte.commitments.models import Commitment
from pacte.interviews.models import CommitmentIdea, Finding, IdeaSide
from pacte.workshops.models import Idea as PostIt

from .models import EvidenceKind, EvidenceLink

# (start of the source's text, commitment short title, side of the matching action, start of its text or None).
# [Illustration] every line of these tables.
IDEAS = [
    (
        "[Illustration] Mener des campagnes de communication sur l'industrie",
        "L'amélioration de l'image positive de l'industrie",
        IdeaSide.TERRITORY,
        "faciliter l'organisation de portes-ouvertes",
    ),
    (
        "[Illustration] Mutualiser des ressources et rechercher des synergies",
        "La mutualisation des ressources et la recherche de synergies",
        IdeaSide.COMPANY,
        "contribuer aux synergies au sein des zones d'activités",
    ),
    (
        "[Illustration] Accueillir des stagiaires et des alternants",
        "La pérennité de l'emploi local et le renforcement de la formation pour l'industrie",
        IdeaSide.COMPANY,
        "offrir de la polyvalence aux collaborateurs",
    ),
]
FINDINGS = [
    ("Du foncier industriel encore disponible", "Communiquer sur les projets d'implantation", None, None),
    ("Des projets de zones d'activités en cours", "Communiquer sur les projets d'implantation", None, None),
    ("Un regain d'attractivité des villes moyennes", "Un soutien au rayonnement du territoire", None, None),
    (
        "Des infrastructures locales dédiées à l'innovation",
        "Une recherche régulière d'innovation et de diversification",
        IdeaSide.TERRITORY,
        "proposer et communiquer sur les infrastructures",
    ),
    (
        "Une nécessité d'accélérer l'investissement des entreprises sur l'innovation",
        "Une recherche régulière d'innovation et de diversification",
        None,
        None,
    ),
    (
        "Une offre de formations locales existante",
        "La pérennité de l'emploi local et le renforcement de la formation pour l'industrie",
        IdeaSide.TERRITORY,
        "soutenir le développement et l'adaptation de la formation locale",
    ),
    (
        "Un manque de candidats au sein des formations industrielles",
        "La pérennité de l'emploi local et le renforcement de la formation pour l'industrie",
        None,
        None,
    ),
    (
        "Une difficulté à recruter",
        "La pérennité de l'emploi local et le renforcement de la formation pour l'industrie",
        IdeaSide.TERRITORY,
        "impliquer les entreprises et leurs représentants dans la définition des politiques locales de transport",
    ),
    ("Une difficulté à recruter", "L'amélioration de la qualité de vie des collaborateurs", None, None),
    (
        "Une difficulté à se déplacer et à se loger",
        "L'amélioration de la qualité de vie des collaborateurs",
        IdeaSide.COMPANY,
        "expérimenter de nouvelles solutions",
    ),
    (
        "Une nécessaire accélération des stratégies de transition environnementales",
        "Un progrès sur le développement durable",
        None,
        None,
    ),
    (
        "Des donneurs d'ordre locaux",
        "Une contribution au progrès des filières et à la sous-traitance locale",
        None,
        None,
    ),
    (
        "... mais une collaboration économique à renforcer",
        "Une contribution au progrès des filières et à la sous-traitance locale",
        IdeaSide.COMPANY,
        "animer son écosystème de sous-traitants",
    ),
    (
        "Un patrimoine industriel historique",
        "L'amélioration de l'image positive de l'industrie",
        IdeaSide.COMPANY,
        "le cas échéant, valoriser le patrimoine bâti",
    ),
]
POSTITS = [
    (
        "[Illustration] Associer les lycées professionnels aux portes ouvertes",
        "L'amélioration de l'image positive de l'industrie",
        IdeaSide.COMPANY,
        "ouvrir les portes des usines",
    ),
]


def _first(items, start):
    return next((item for item in items if item.text.startswith(start)), None)


@transaction.atomic
def evidence_demo_load(*, territory) -> int:
    """[Illustration] Link the demo territory's commitments to the ideas, findings and post-its they match (see the
    tables above); idempotent (a link already there is kept). Returns the number of links created. Sources or
    commitments the territory does not have (a territory that is not the reference case) are skipped."""
    commitments = {
        c.short_title: c
        for c in Commitment.objects.for_territory(territory).prefetch_related("company_actions", "territory_actions")
    }
    sources = {
        EvidenceKind.IDEA: (IDEAS, list(CommitmentIdea.objects.for_territory(territory))),
        EvidenceKind.FINDING: (FINDINGS, list(Finding.objects.for_territory(territory))),
        EvidenceKind.POSTIT: (POSTITS, list(PostIt.objects.for_territory(territory).filter(commitment__isnull=False))),
    }
    created = 0
    for kind, (table, items) in sources.items():
        for start, short_title, side, action_start in table:
            source, commitment = _first(items, start), commitments.get(short_title)
            if source is None or commitment is None:
                continue
            sides = {}
            if side is not None:
                actions = (
                    commitment.company_actions.all() if side == IdeaSide.COMPANY else commitment.territory_actions.all()
                )
                action = _first(actions, action_start)
                if action is not None:
                    sides = {f"{side}_action": action}
            _link, new = EvidenceLink.objects.get_or_create(
                commitment=commitment, **{kind: source}, defaults={"territory": territory, "kind": kind, **sides}
            )
            created += new
    return created
