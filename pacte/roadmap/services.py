"""The roadmap of a pact: the 5 steps of the ANCT method, each with its state computed from data."""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.appropriation.models import Circle, Presentation
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.models import ncount
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Interview, InterviewStatus, Pride, PrideKind
from pacte.interviews.services import INTERVIEW_MINIMUM, INTERVIEW_TARGET, stale_contacts
from pacte.publications.models import PactStatus, PactVersion
from pacte.stakeholders.models import Category, Stakeholder
from pacte.territories.models import Territory
from pacte.workshops.models import Idea, ReactionKind, Workshop, WorkshopKind, WorkshopStatus


@dataclass
class Check:
    label: str
    done: bool
    detail: str = ""


@dataclass
class Step:
    number: int
    title: str
    asks: str
    checks: list[Check] = field(default_factory=list)
    coming: str = ""  # what the platform does not track yet for this step

    @property
    def status(self) -> str:
        if not self.checks:
            return "untracked"
        done = sum(c.done for c in self.checks)
        if done == len(self.checks):
            return "done"
        return "in_progress" if done else "todo"

    @property
    def status_label(self) -> str:
        return {
            "done": _("Terminée"),
            "in_progress": _("En cours"),
            "todo": _("À faire"),
            "untracked": _("Pas encore suivie"),
        }[self.status]

    @property
    def progress(self) -> str:
        return f"{sum(c.done for c in self.checks)}/{len(self.checks)}"


def _categories(territory) -> tuple[set, set]:
    """1 query (at most 5 × 6 rows): the categories of the stakeholders, and those the interviews held covered,
    as interviews_by_category() counts them (the interviewees' entities, or the interview's own entity when it
    was recorded without interviewees)."""
    stakeholders = Stakeholder.objects.for_territory(territory).order_by().values("category")
    done = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE).order_by()
    rows = (
        stakeholders.annotate(interviewee=Value(None, output_field=CharField()), alone=Value(None, CharField()))
        .values_list("category", "interviewee", "alone")
        .union(
            done.annotate(
                category=Value(None, output_field=CharField()),
                interviewee=F("interviewees__stakeholder__category"),
                alone=Case(When(interviewees__isnull=True, then=F("stakeholder__category")), default=Value(None)),
            ).values_list("category", "interviewee", "alone")
        )
    )
    present, interviewed = set(), set()
    for category, interviewee, alone in rows:
        present.add(category)
        interviewed.update((interviewee, alone))
    return present, interviewed


def _step1(territory, themes, facts) -> Step:
    present, interviewed = _categories(territory)
    missing = [label for value, label in Category.choices if value not in present]
    interviews = facts["interviews_done"]
    not_interviewed = [label for value, label in Category.choices if value not in interviewed]
    to_follow_up = facts["to_follow_up"]
    axes = list(
        DiagnosticAxis.objects.for_territory(territory)
        .annotate(
            has_finding=Exists(
                Finding.objects.filter(
                    axis=OuterRef("pk"), kind__in=(FindingKind.STRENGTH, FindingKind.WEAKNESS), retained=True
                )
            )
        )
        .order_by("order", "pk")
        .values("name", "has_finding")
    )  # 1 query
    empty_axes = [a["name"] for a in axes if not a["has_finding"]]
    themes_without = [t.name for t in themes if not t.reciprocal]
    themes_generic = [t.name for t in themes if t.reciprocal and not t.adapted]
    innovative, emblematic = facts["innovative"], facts["emblematic"]
    return Step(
        1,
        _("Définition des engagements industrie-territoire"),
        _(
            "Réaliser environ 30 entretiens avec les acteurs économiques du territoire, en couvrant "
            "les 5 catégories d'acteurs (collectivités, services et opérateurs de l'État, entreprises, "
            "société civile, partenaires du pacte), avec le guide d'entretien ; en tirer le diagnostic "
            "industriel (atouts ✓ et faiblesses ✗), les fiertés locales et une première version des "
            "engagements réciproques."
        ),
        [
            Check(
                _("Parties prenantes identifiées dans les 5 catégories"),
                not missing,
                _("%(n)s/5 catégories") % {"n": 5 - len(missing)}
                + (" — " + _("manque : %(m)s") % {"m": ", ".join(str(m) for m in missing)} if missing else ""),
            ),
            Check(
                _("Entretiens réalisés (objectif : environ %(target)s)") % {"target": INTERVIEW_TARGET},
                interviews >= INTERVIEW_MINIMUM,
                _("%(n)s/%(target)s entretiens réalisés") % {"n": interviews, "target": INTERVIEW_TARGET}
                + (
                    " — " + ncount(_("%(n)s contact à relancer"), _("%(n)s contacts à relancer"), to_follow_up)
                    if to_follow_up
                    else ""
                ),
            ),
            Check(
                _("Entretiens menés dans les 5 catégories d'acteurs"),
                not not_interviewed,
                _("%(n)s/5 catégories") % {"n": 5 - len(not_interviewed)}
                + (
                    " — " + _("sans entretien : %(m)s") % {"m": ", ".join(str(m) for m in not_interviewed)}
                    if not_interviewed
                    else ""
                ),
            ),
            Check(
                _("Diagnostic industriel : des constats sur chaque axe"),
                bool(axes) and not empty_axes,
                (_("axes sans constat : %(a)s") % {"a": ", ".join(empty_axes)})
                if empty_axes
                else ncount(_("%(n)s axe renseigné"), _("%(n)s axes renseignés"), len(axes)),
            ),
            Check(
                _("Fiertés locales : produits innovants et emblématiques"),
                innovative > 0 and emblematic > 0,
                _("%(i)s innovant(s), %(e)s emblématique(s)") % {"i": innovative, "e": emblematic},
            ),
            Check(
                _("Engagements réciproques rédigés pour chaque thématique"),
                bool(themes) and not themes_without and not themes_generic,
                "; ".join(
                    [_("sans engagement réciproque : %(t)s") % {"t": ", ".join(themes_without)}] * bool(themes_without)
                    + [_("encore au texte du modèle : %(t)s") % {"t": ", ".join(themes_generic)}] * bool(themes_generic)
                )
                or _("%(n)s thématiques couvertes") % {"n": len(themes)},
            ),
        ],
    )


def _workshop_check(label: str, workshops: list[dict]) -> Check:
    """A workshop is held once it gathered a reaction or a post-it, or once it is closed."""
    held = [w for w in workshops if w["held"]]
    if held:
        detail = _("tenu le %(d)s") % {"d": timezone.localtime(held[0]["starts_at"]).strftime("%d/%m/%Y")}
    elif workshops:
        detail = _("prévu le %(d)s") % {"d": timezone.localtime(workshops[0]["starts_at"]).strftime("%d/%m/%Y")}
    else:
        detail = _("aucun atelier créé")
    return Check(label, bool(held), detail)


def _step2(pact) -> Step:
    validated = pact is not None and pact.status in (PactStatus.VALIDATED, PactStatus.PUBLISHED)
    territory = pact.territory if pact is not None else None  # cached by territory.pact: no query
    workshops, pending_vetoes = [], 0
    if territory is not None:
        workshops = list(
            Workshop.objects.for_territory(territory)
            .annotate(
                reactions=Count("participants__reactions"),
                # the vetoes waiting for a decision, as unresolved(kinds=[VETO]) counts them
                pending_vetoes=Count(
                    "participants__reactions",
                    filter=Q(
                        participants__reactions__kind=ReactionKind.VETO,
                        participants__reactions__resolution__isnull=True,
                    ),
                ),
                has_ideas=Exists(Idea.objects.filter(workshop=OuterRef("pk"))),
            )
            .order_by("-starts_at", "-pk")
            .values("kind", "status", "starts_at", "reactions", "pending_vetoes", "has_ideas")
        )  # 1 query: the workshops, whether each was held, and the vetoes waiting for a decision
        for w in workshops:
            w["held"] = w["status"] == WorkshopStatus.CLOSED or bool(w["reactions"]) or w["has_ideas"]
        pending_vetoes = sum(w["pending_vetoes"] for w in workshops)
    first = _workshop_check(
        _("Atelier #1 (engagements) tenu"), [w for w in workshops if w["kind"] == WorkshopKind.COMMITMENTS]
    )
    if pending_vetoes:
        vetoes_detail = ncount(
            _("%(n)s veto en attente de décision"), _("%(n)s vetos en attente de décision"), pending_vetoes
        )
    elif first.done:
        vetoes_detail = _("aucun veto en attente")
    else:
        vetoes_detail = _("aucun veto recueilli : l'atelier #1 n'a pas encore eu lieu")
    return Step(
        2,
        _("Co-construction et validation collective des engagements"),
        _(
            "Animer deux ateliers collaboratifs de 3 h : l'atelier #1 sur les engagements réciproques "
            "(vous retrouvez-vous dans ces engagements ? questions ou ajustements ? vetos ?), l'atelier #2 "
            "sur la gouvernance (durée d'adhésion et fréquence de suivi, suivi des indicateurs, instances "
            "thématiques, « ce pacte sera réussi si… »). Les vetos sont levés avant la validation."
        ),
        [
            first,
            _workshop_check(
                _("Atelier #2 (gouvernance) tenu"), [w for w in workshops if w["kind"] == WorkshopKind.GOVERNANCE]
            ),
            # Vetoes are lifted once they were gathered (workshop #1 held) and each one was decided on.
            Check(_("Vetos levés"), first.done and not pending_vetoes, vetoes_detail),
            Check(
                _("Engagements validés collectivement"),
                validated,
                pact.get_status_display() if pact else _("pas de pacte"),
            ),
        ],
    )


def _count(queryset, group: str = "territory"):
    """The number of rows of `queryset` as a scalar subquery (0 when there is none)."""
    return Coalesce(Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]), 0)


def _facts(territory) -> dict:
    """1 query for every figure of the roadmap that is a number or a yes/no: the stakeholders by category, the
    interviews held and the categories they covered, the contacts to follow up, the prides, the acknowledged
    stakeholders, the latest published version, the circles of the restitution (date first held, date of the next
    one planned), the economic events and the governance principles."""

    def first(queryset, field):
        return Subquery(queryset.order_by(field, "pk").values(field)[:1])

    stakeholders = Stakeholder.objects.for_territory(territory)
    done = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE)
    prides = Pride.objects.for_territory(territory)
    presentations = Presentation.objects.filter(territory=OuterRef("pk"))
    latest = PactVersion.objects.filter(territory=OuterRef("pk")).order_by("-number").values("number", "published_on")
    circles = {}
    for circle in Circle.values:
        of_circle = presentations.filter(circle=circle)
        circles[f"{circle}_held_on"] = first(of_circle.filter(held=True), "date")
        circles[f"{circle}_planned_on"] = first(of_circle.filter(held=False, date__isnull=False), "date")
    figures = {
        "interviews_done": _count(done),
        "to_follow_up": _count(stale_contacts(territory=territory)),
        "innovative": _count(prides.filter(kind=PrideKind.INNOVATIVE)),
        "emblematic": _count(prides.filter(kind=PrideKind.EMBLEMATIC)),
        "acknowledged": _count(stakeholders.filter(acknowledged=True)),
        "version_number": Subquery(latest.values("number")[:1]),
        "version_published_on": Subquery(latest.values("published_on")[:1]),
        "events": _count(EconomicEvent.objects.for_territory(territory)),
        "principles": _count(GovernancePrinciple.objects.for_territory(territory)),
        **circles,
    }
    return Territory.objects.filter(pk=territory.pk).annotate(**figures).values(*figures).get()


def _themes(territory) -> list:
    """1 query: the themes, each with whether it has indicators, a reciprocal commitment (actions on both sides),
    a commitment adapted from the template's text, and a complete thematic group (objectives and participants)."""
    commitments = Commitment.objects.filter(theme=OuterRef("pk"))
    return list(
        Theme.objects.for_territory(territory)
        .annotate(
            has_indicators=Exists(Indicator.objects.filter(theme=OuterRef("pk"))),
            reciprocal=Exists(
                commitments.filter(
                    Exists(CompanyAction.objects.filter(commitment=OuterRef("pk"))),
                    Exists(TerritoryAction.objects.filter(commitment=OuterRef("pk"))),
                )
            ),
            adapted=Exists(commitments.filter(from_template=False)),
            # what str.strip() tells apart in Python: some character other than white space
            has_group=Exists(
                ThematicGroup.objects.filter(theme=OuterRef("pk"), objectives__regex=r"\S", participants__regex=r"\S")
            ),
        )
        .order_by("order", "pk")
    )


def _step3(pact, themes, facts) -> Step:
    without_indicators = [t.name for t in themes if not t.has_indicators]
    acknowledged = facts["acknowledged"]
    published = facts["version_number"] is not None  # a frozen version exists (pacte.publications)
    checks = [
        Check(_("Édito de la collectivité"), bool(pact and pact.editorial.strip())),
        Check(
            _("Indicateurs proposés pour chaque thématique"),
            bool(themes) and not without_indicators,
            (_("sans indicateur : %(t)s") % {"t": ", ".join(without_indicators)}) if without_indicators else "",
        ),
        Check(
            _("Remerciements aux acteurs mobilisés"),
            bool(pact and pact.acknowledgements.strip()) and acknowledged > 0,
            ncount(_("%(n)s acteur remercié"), _("%(n)s acteurs remerciés"), acknowledged),
        ),
        Check(
            _("Pacte publié"),
            published,
            (
                _("version %(v)s du %(d)s")
                % {"v": facts["version_number"], "d": facts["version_published_on"].strftime("%d/%m/%Y")}
            )
            if published
            else "",
        ),
    ]
    return Step(
        3,
        _("Rédaction du pacte industrie-territoire"),
        _(
            "Formaliser le pacte sous un format communicant : un édito de la collectivité, le diagnostic "
            "industriel local, les fiertés emblématiques, les engagements validés, des propositions "
            "d'indicateurs et des remerciements aux acteurs mobilisés."
        ),
        checks,
    )


def _circle_check(label, held_on, planned_on) -> Check:
    if held_on:
        detail = _("restitution tenue le %(d)s") % {"d": held_on.strftime("%d/%m/%Y")}
    elif planned_on:
        detail = _("restitution prévue le %(d)s") % {"d": planned_on.strftime("%d/%m/%Y")}
    else:
        detail = _("à venir")
    return Check(str(label), held_on is not None, detail)


def _step4(facts) -> Step:
    return Step(
        4,
        _("Appropriation du pacte"),
        _(
            "Restituer la démarche par cercle élargi : le Copil Territoire d'industrie (démarche et "
            "engagements), le bureau communautaire (et réponses aux questions du Copil), l'ensemble des "
            "élus, puis l'ensemble des acteurs économiques (diagnostic, engagements, fiertés, gouvernance "
            "proposée et visibilité sur l'année à venir)."
        ),
        [
            _circle_check(label, facts[f"{value}_held_on"], facts[f"{value}_planned_on"])
            for value, label in Circle.choices
        ],
    )


def _step5(themes, facts) -> Step:
    theme_count = len(themes)
    without_group = [t.name for t in themes if not t.has_group]
    events, principles = facts["events"], facts["principles"]
    return Step(
        5,
        _("Mise en place de la gouvernance du pacte"),
        _(
            "Pour chaque thématique, clarifier les objectifs, les indicateurs et les partenaires d'un "
            "groupe thématique ; donner la visibilité sur l'année (jalons et rencontres économiques) ; "
            "fournir un cadre aux feuilles de route individuelles des entreprises (adhésion de 3 ans, "
            "revue annuelle, plan d'action à 1 an et à 3 ans)."
        ),
        [
            Check(_("Principes de gouvernance (adhésion volontaire, 3 ans, revue annuelle)"), principles > 0),
            Check(
                _("Groupes thématiques avec objectifs et participants"),
                theme_count > 0 and not without_group,
                _("%(n)s/%(t)s groupes") % {"n": theme_count - len(without_group), "t": theme_count}
                + (" — " + _("sans groupe complet : %(t)s") % {"t": ", ".join(without_group)} if without_group else ""),
            ),
            Check(
                _("Calendrier des rencontres économiques"),
                events > 0,
                ncount(_("%(n)s rencontre"), _("%(n)s rencontres"), events),
            ),
        ],
        _(
            "Les adhésions des entreprises, leurs plans d'action, les revues annuelles et le suivi des "
            "indicateurs arrivent dans une prochaine version."
        ),
    )


def roadmap_for(territory) -> list[Step]:
    """The 5 steps in 5 queries whatever the size of the data: the pact, the figures (_facts), the themes, the
    diagnostic axes and the workshops."""
    pact = getattr(territory, "pact", None)
    themes = _themes(territory)
    facts = _facts(territory)
    return [
        _step1(territory, themes, facts),
        _step2(pact),
        _step3(pact, themes, facts),
        _step4(facts),
        _step5(themes, facts),
    ]
