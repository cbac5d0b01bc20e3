"""The roadmap of a pact: the 5 steps of the ANCT method, each with its state computed from data."""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.appropriation.models import Circle, Presentation
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.companies.models import Membership, MembershipStatus
from pacte.core.models import JournalEntry, JournalVerb, ncount
from pacte.governance.models import ActionPlan, AnnualReview, EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator, IndicatorValue
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Interview, InterviewStatus, Pride, PrideKind
from pacte.interviews.services import INTERVIEW_MINIMUM, INTERVIEW_TARGET, stale_contacts
from pacte.publications.models import PactStatus, PactVersion
from pacte.replication.services import TEMPLATE, content_read
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
    # What the platform records for this step beyond the checks, as computed facts (e.g. step 5's adhesions).
    facts: list[str] = field(default_factory=list)

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


def text_squash(text) -> str:
    """A text as the reader sees it: white space (line ends from a browser's text area included) collapsed."""
    return " ".join((text or "").split())


NOTHING_FROM_TEMPLATE = {
    "editorial": None,
    "acknowledgements": None,
    "principles": [],
    "indicators": set(),
    "groups": set(),
}


def template_texts(from_template: bool) -> dict:
    """What the generic template gave a territory created from it, squashed for comparison: its content never counts
    as work done (the rule Commitment.from_template applies to the commitments). A territory whose content was not
    loaded from the template (the reference case, from which the template was drawn) compares with nothing."""
    if not from_template:
        return NOTHING_FROM_TEMPLATE
    content = content_read(TEMPLATE)
    pact = content["pact"]
    return {
        "editorial": text_squash(pact.get("editorial")),
        "acknowledgements": text_squash(pact.get("acknowledgements")),
        # compared in SQL, line ends as a browser's text area sends them made plain
        "principles": [(p["title"], p["text"]) for p in pact.get("governance_principles") or []],
        "indicators": {
            (item if isinstance(item, str) else item["name"])
            for theme in content["themes"]
            for item in theme.get("indicators") or []
        },
        "groups": {
            (
                text_squash("\n".join(theme["thematic_group"].get("objectives") or [])),
                text_squash(theme["thematic_group"].get("participants", "")),
            )
            for theme in content["themes"]
            if theme.get("thematic_group")
        },
    }


def is_own_text(text, template_text) -> bool:
    """Some text that is not the template's."""
    return bool(text_squash(text)) and text_squash(text) != template_text


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
                ncount(_("%(n)s innovant"), _("%(n)s innovants"), innovative)
                + ", "
                + ncount(_("%(n)s emblématique"), _("%(n)s emblématiques"), emblematic),
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
    """A workshop is held once it is closed and its date is past: an open workshop, or one dated in the future,
    is not (yet) held, whatever it gathered."""
    held = [w for w in workshops if w["held"]]
    if held:
        detail = _("tenu le %(d)s") % {"d": timezone.localtime(held[0]["starts_at"]).strftime("%d/%m/%Y")}
    elif workshops:
        latest = workshops[0]
        day = timezone.localtime(latest["starts_at"]).strftime("%d/%m/%Y")
        if latest["starts_at"] > timezone.now():
            detail = _("prévu le %(d)s") % {"d": day}
        elif latest["status"] == WorkshopStatus.OPEN:
            detail = _("ouvert depuis le %(d)s, pas encore clos") % {"d": day}
        else:
            detail = _("prévu le %(d)s, pas encore ouvert ni clos") % {"d": day}
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
        now = timezone.now()
        for w in workshops:
            w["held"] = w["status"] == WorkshopStatus.CLOSED and w["starts_at"] <= now
        pending_vetoes = sum(w["pending_vetoes"] for w in workshops)
    gathered = any(w["reactions"] for w in workshops if w["kind"] == WorkshopKind.COMMITMENTS)
    first = _workshop_check(
        _("Atelier #1 (engagements) tenu"), [w for w in workshops if w["kind"] == WorkshopKind.COMMITMENTS]
    )
    if pending_vetoes:
        vetoes_detail = ncount(
            _("%(n)s veto en attente de décision"), _("%(n)s vetos en attente de décision"), pending_vetoes
        )
    elif first.done or gathered:
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
    one planned), the economic events, the governance principles (those of its own, and all), the companies' side of
    step 5 (adhesions, action plans, annual reviews held, indicator values), and whether the territory's content was
    loaded from the generic template."""

    def first(queryset, field):
        return Subquery(queryset.order_by(field, "pk").values(field)[:1])

    stakeholders = Stakeholder.objects.for_territory(territory)
    done = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE)
    prides = Pride.objects.for_territory(territory)
    presentations = Presentation.objects.filter(territory=OuterRef("pk"))
    latest = PactVersion.objects.filter(territory=OuterRef("pk")).order_by("-number").values("number", "published_on")
    principles = GovernancePrinciple.objects.for_territory(territory).annotate(
        plain_text=Replace(F("text"), Value("\r\n"), Value("\n"), output_field=TextField())
    )
    own_principles = principles
    for title, text in template_texts(True)["principles"]:
        own_principles = own_principles.exclude(title=title, plain_text=text)
    memberships = Membership.objects.for_territory(territory)
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
        # the principles of its own: not the template's (title and text as loaded, or sent back by a text area)
        "own_principles": _count(own_principles),
        "all_principles": _count(principles),
        "from_template": Exists(
            JournalEntry.objects.filter(territory=OuterRef("pk"), verb=JournalVerb.TEMPLATE_LOADED)
        ),
        "adhesions_active": _count(memberships.filter(status=MembershipStatus.ACTIVE)),
        "adhesions_invited": _count(memberships.filter(status=MembershipStatus.INVITED)),
        "action_plans": _count(ActionPlan.objects.for_territory(territory)),
        "reviews_held": _count(AnnualReview.objects.for_territory(territory).filter(held_on__isnull=False)),
        "indicator_values": _count(IndicatorValue.objects.for_territory(territory)),
        **circles,
    }
    return Territory.objects.filter(pk=territory.pk).annotate(**figures).values(*figures).get()


def _themes(territory, template) -> list:
    """1 query: the themes, each with whether it has indicators of its own (not the template's), a reciprocal
    commitment (actions on both sides), a commitment adapted from the template's text, and a complete thematic group
    (objectives and participants) whose text is not the template's."""
    commitments = Commitment.objects.filter(theme=OuterRef("pk"))
    # what str.strip() tells apart in Python: some character other than white space
    complete_groups = ThematicGroup.objects.filter(
        theme=OuterRef("pk"), objectives__regex=r"\S", participants__regex=r"\S"
    ).order_by("order", "pk")
    themes = list(
        Theme.objects.for_territory(territory)
        .annotate(
            has_indicators=Exists(
                Indicator.objects.filter(theme=OuterRef("pk")).exclude(name__in=template["indicators"])
            ),
            has_template_indicators=Exists(Indicator.objects.filter(theme=OuterRef("pk"))),
            reciprocal=Exists(
                commitments.filter(
                    Exists(CompanyAction.objects.filter(commitment=OuterRef("pk"))),
                    Exists(TerritoryAction.objects.filter(commitment=OuterRef("pk"))),
                )
            ),
            adapted=Exists(commitments.filter(from_template=False)),
            group_objectives=Subquery(complete_groups.values("objectives")[:1]),
            group_participants=Subquery(complete_groups.values("participants")[:1]),
        )
        .order_by("order", "pk")
    )
    for theme in themes:
        texts = (text_squash(theme.group_objectives), text_squash(theme.group_participants))
        theme.has_group = theme.group_objectives is not None and texts not in template["groups"]
        theme.group_from_template = theme.group_objectives is not None and not theme.has_group
        theme.has_template_indicators = theme.has_template_indicators and not theme.has_indicators
    return themes


def _template_detail(text: str, template_text: str) -> str:
    if not text_squash(text):
        return _("à rédiger")
    return "" if is_own_text(text, template_text) else _("encore au texte du modèle")


def _step3(pact, themes, facts, template) -> Step:
    without_indicators = [t.name for t in themes if not t.has_indicators and not t.has_template_indicators]
    template_indicators = [t.name for t in themes if t.has_template_indicators]
    acknowledged = facts["acknowledged"]
    published = facts["version_number"] is not None  # a frozen version exists (pacte.publications)
    editorial = pact.editorial if pact else ""
    acknowledgements = pact.acknowledgements if pact else ""
    own_acknowledgements = is_own_text(acknowledgements, template["acknowledgements"])
    checks = [
        Check(
            _("Édito de la collectivité"),
            is_own_text(editorial, template["editorial"]),
            _template_detail(editorial, template["editorial"]),
        ),
        Check(
            _("Indicateurs proposés pour chaque thématique"),
            bool(themes) and not without_indicators and not template_indicators,
            "; ".join(
                [_("sans indicateur : %(t)s") % {"t": ", ".join(without_indicators)}] * bool(without_indicators)
                + [_("encore aux indicateurs du modèle : %(t)s") % {"t": ", ".join(template_indicators)}]
                * bool(template_indicators)
            ),
        ),
        Check(
            _("Remerciements aux acteurs mobilisés"),
            own_acknowledgements and acknowledged > 0,
            ncount(_("%(n)s acteur remercié"), _("%(n)s acteurs remerciés"), acknowledged)
            + (
                "" if own_acknowledgements else " — " + _template_detail(acknowledgements, template["acknowledgements"])
            ),
        ),
        Check(
            _("Pacte publié"),
            published,
            (
                _("version publiée v%(v)s du %(d)s")
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


def _step5_facts(facts) -> list[str]:
    """What the companies' side of step 5 amounts to, counted: adhesions, action plans, annual reviews held and the
    indicator values entered (the platform records them all; the method asks for the frame, not for a number)."""
    active, invited = facts["adhesions_active"], facts["adhesions_invited"]
    return [
        ncount(_("%(n)s entreprise adhérente"), _("%(n)s entreprises adhérentes"), active)
        + (", " + ncount(_("%(n)s invitée"), _("%(n)s invitées"), invited) if invited else ""),
        ncount(_("%(n)s plan d'action"), _("%(n)s plans d'action"), facts["action_plans"]),
        ncount(_("%(n)s revue annuelle tenue"), _("%(n)s revues annuelles tenues"), facts["reviews_held"]),
        ncount(
            _("%(n)s valeur d'indicateur saisie"), _("%(n)s valeurs d'indicateurs saisies"), facts["indicator_values"]
        ),
    ]


def _step5(themes, facts) -> Step:
    theme_count = len(themes)
    without_group = [t.name for t in themes if not t.has_group]
    from_template = [t.name for t in themes if t.group_from_template]
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
            Check(
                _("Principes de gouvernance (adhésion volontaire, 3 ans, revue annuelle)"),
                principles > 0,
                "" if principles else (_("encore au texte du modèle") if facts["all_principles"] else _("à rédiger")),
            ),
            Check(
                _("Groupes thématiques avec objectifs et participants"),
                theme_count > 0 and not without_group,
                _("%(n)s/%(t)s groupes") % {"n": theme_count - len(without_group), "t": theme_count}
                + (
                    " — " + _("encore au texte du modèle : %(t)s") % {"t": ", ".join(from_template)}
                    if from_template
                    else ""
                )
                + (
                    " — "
                    + _("sans groupe complet : %(t)s")
                    % {"t": ", ".join(sorted(set(without_group) - set(from_template), key=without_group.index))}
                    if set(without_group) - set(from_template)
                    else ""
                ),
            ),
            Check(
                _("Calendrier des rencontres économiques"),
                events > 0,
                ncount(_("%(n)s rencontre"), _("%(n)s rencontres"), events),
            ),
        ],
        _step5_facts(facts),
    )


def roadmap_for(territory) -> list[Step]:
    """The 5 steps in 5 queries whatever the size of the data: the pact, the figures (_facts), the themes, the
    diagnostic axes and the workshops."""
    pact = getattr(territory, "pact", None)
    facts = _facts(territory)
    template = template_texts(facts["from_template"])
    facts["principles"] = facts["own_principles"] if facts["from_template"] else facts["all_principles"]
    themes = _themes(territory, template)
    return [
        _step1(territory, themes, facts),
        _step2(pact),
        _step3(pact, themes, facts, template),
        _step4(facts),
        _step5(themes, facts),
    ]
