"""The roadmap of a pact: the 5 steps of the ANCT method, each with its state computed from data."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.appropriation.models import Circle, Presentation
from pacte.commitments.models import Theme
from pacte.core.models import ncount
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.interviews.models import DiagnosticAxis, Interview, InterviewStatus, Pride, PrideKind
from pacte.interviews.services import INTERVIEW_MINIMUM, INTERVIEW_TARGET, interviews_by_category, stale_contacts
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


def _step1(territory) -> Step:
    present = set(Stakeholder.objects.for_territory(territory).values_list("category", flat=True).distinct())
    missing = [label for value, label in Category.choices if value not in present]
    interviews = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE).count()
    interviewed = interviews_by_category(territory=territory)
    not_interviewed = [label for value, label in Category.choices if not interviewed.get(value)]
    to_follow_up = stale_contacts(territory=territory).count()
    axes = list(
        DiagnosticAxis.objects.for_territory(territory)
        .annotate(
            strengths=Count("findings", filter=Q(findings__kind="strength", findings__retained=True)),
            weaknesses=Count("findings", filter=Q(findings__kind="weakness", findings__retained=True)),
        )
        .order_by("order", "pk")  # Meta.ordering is not applied to GROUP BY queries
    )
    empty_axes = [a.name for a in axes if not (a.strengths or a.weaknesses)]
    prides = dict(Pride.objects.for_territory(territory).values_list("kind").annotate(n=Count("pk")).order_by())
    themes = list(
        Theme.objects.for_territory(territory)
        .annotate(
            n=Count(
                "commitments",
                filter=Q(commitments__company_actions__isnull=False) & Q(commitments__territory_actions__isnull=False),
            ),
            adapted=Count("commitments", filter=Q(commitments__from_template=False)),
        )
        .order_by("order", "pk")
    )
    themes_without = [t.name for t in themes if not t.n]
    themes_generic = [t.name for t in themes if t.n and not t.adapted]
    innovative, emblematic = prides.get(PrideKind.INNOVATIVE, 0), prides.get(PrideKind.EMBLEMATIC, 0)
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


def _steps_3_and_4_facts(territory) -> dict:
    """1 query for steps 3 and 4: the acknowledged stakeholders, the latest published version, and for each
    circle of the restitution the date it was first held and the date of the next one planned."""

    def first(queryset, field):
        return Subquery(queryset.order_by(field, "pk").values(field)[:1])

    presentations = Presentation.objects.filter(territory=OuterRef("pk"))
    latest = PactVersion.objects.filter(territory=OuterRef("pk")).order_by("-number").values("number", "published_on")
    circles = {}
    for circle in Circle.values:
        of_circle = presentations.filter(circle=circle)
        circles[f"{circle}_held_on"] = first(of_circle.filter(held=True), "date")
        circles[f"{circle}_planned_on"] = first(of_circle.filter(held=False, date__isnull=False), "date")
    return (
        Territory.objects.filter(pk=territory.pk)
        .annotate(
            acknowledged=Coalesce(
                Subquery(
                    Stakeholder.objects.filter(territory=OuterRef("pk"), acknowledged=True)
                    .order_by()
                    .values("territory")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            version_number=Subquery(latest.values("number")[:1]),
            version_published_on=Subquery(latest.values("published_on")[:1]),
            **circles,
        )
        .values("acknowledged", "version_number", "version_published_on", *circles)
        .get()
    )


def _step3(pact, themes, facts) -> Step:
    without_indicators = [t.name for t in themes if not t.n]
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


def _step5(territory, themes) -> Step:
    groups = list(ThematicGroup.objects.for_territory(territory))
    theme_count = len(themes)
    complete_themes = {g.theme_id for g in groups if g.objectives.strip() and g.participants.strip()}
    without_group = [t.name for t in themes if t.pk not in complete_themes]
    events = EconomicEvent.objects.for_territory(territory).count()
    principles = GovernancePrinciple.objects.for_territory(territory).count()
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
    pact = getattr(territory, "pact", None)
    # The themes with their number of indicators, read once for steps 3 and 5.
    themes = list(Theme.objects.for_territory(territory).annotate(n=Count("indicators")).order_by("order", "pk"))
    facts = _steps_3_and_4_facts(territory)  # 1 query for steps 3 and 4
    return [_step1(territory), _step2(pact), _step3(pact, themes, facts), _step4(facts), _step5(territory, themes)]
