"""The pact as one document: everything it says, as plain data (JSON-serialisable).

The same dictionary feeds the public web page, the PDF, the PowerPoint file and the frozen published
versions (PactVersion.content), so that the three forms always say the same thing and a published version
never changes when the data change later.

Schema (version DOCUMENT_SCHEMA):
{
  "schema": 1,
  "territory": {"name", "slug", "region"},
  "pact": {"title", "subtitle", "cover_image": media file name or "", "editorial_title", "editorial": [paragraph…],
           "ambitions": [str…], "acknowledgements": str},
  "key_figures": [{"value", "label", "source", "date"}],
  "size_classes": [{"code", "label", "territory": float, "national": float}],
  "perimeter": {"intercommunalities": [{"name", "siren", "population": int|None, "communes": int,
                                        "commune_names": [str…]}],   # commune_names: added, absent before
                "population": int, "communes": int, "map_svg": str},
  "diagnostic": [{"name", "findings": [{"kind": "strength"|"weakness", "text"}]}],   # retained findings only
  "prides": [{"kind": "innovative"|"emblematic", "kind_label", "product", "company", "place",
              "size_class", "size_class_label", "image": str (path under MEDIA_ROOT, "" if none)}],
  "themes": [{"code", "name",
              "commitments": [{"short_title", "title", "note",
                               "company_intro", "company_actions": [{"text", "details": [str…]}],
                               "territory_intro", "territory_actions": [{"text", "details": [str…]}]}],
              "indicators": [str…],
              "indicator_figures": [{"code", "name", "year": int|None, "text", "withheld": bool, "coverage",
                                     "reason"}],   # added, absent before: the latest collective value of each
                                                   # indicator through the disclosure control ("" text: none)
              "groups": [{"name", "objectives": [str…], "participants", "animation",
                          "example_indicators": [str…], "partners": [str…]}]}],
  "principles": [{"title", "paragraphs": [str…]}],
  "events": [{"name", "date": "YYYY-MM-DD", "organiser", "description"}],
  "acknowledged": [{"group", "names": [str…]}],
}
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.models import lines
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.collective import published_figures
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, Pride
from pacte.stakeholders.models import Stakeholder
from pacte.territories.maps import perimeter_svg
from pacte.territories.models import KeyFigure, SizeClassShare
from pacte.territories.services import intercommunalities_with_population

DOCUMENT_SCHEMA = 1


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def _actions(actions) -> list[dict]:
    return [{"text": a.text, "details": lines(a.details)} for a in actions]


def pact_document(territory) -> dict:
    """The pact of a territory as it reads now, in a fixed number of queries (about 20)."""
    pact = territory.pact
    intercommunalities = list(intercommunalities_with_population(territory))  # 3 queries
    themes = Theme.objects.for_territory(territory).prefetch_related(  # 1 + 5 queries
        Prefetch(
            "commitments",
            queryset=Commitment.objects.order_by("order", "pk").prefetch_related(
                Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
                Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
            ),
        ),
        Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")),
        Prefetch("thematic_groups", queryset=ThematicGroup.objects.order_by("order", "pk")),
    )
    axes = DiagnosticAxis.objects.for_territory(territory).prefetch_related(  # 2 queries
        Prefetch("findings", queryset=Finding.objects.filter(retained=True).order_by("order", "pk"))
    )
    figures = published_figures(territory)  # 1 query, through the disclosure control
    acknowledged: dict[str, list[str]] = {}
    for stakeholder in (
        Stakeholder.objects.for_territory(territory).filter(acknowledged=True).order_by("order", "name")
    ):  # 1 query
        acknowledged.setdefault(stakeholder.group, []).append(stakeholder.name)
    return {
        "schema": DOCUMENT_SCHEMA,
        "territory": {"name": territory.name, "slug": territory.slug, "region": territory.region},
        "pact": {
            "title": pact.title,
            "subtitle": pact.subtitle,
            "cover_image": pact.cover_image.name or "",
            "editorial_title": pact.editorial_title,
            "editorial": _paragraphs(pact.editorial),
            "ambitions": lines(pact.ambitions),
            "acknowledgements": pact.acknowledgements,
        },
        "key_figures": [
            {"value": f.value, "label": f.label, "source": f.source, "date": f.date}
            for f in KeyFigure.objects.for_territory(territory)
        ],  # 1 query
        "size_classes": [
            {
                "code": r.size_class,
                "label": str(r.get_size_class_display()),
                "territory": float(r.territory_share),
                "national": float(r.national_share),
            }
            for r in SizeClassShare.objects.for_territory(territory)
        ],  # 1 query
        "perimeter": {
            "intercommunalities": [
                {
                    "name": e.name,
                    "siren": e.siren,
                    "population": e.population,
                    "communes": e.commune_count,
                    "commune_names": [c.name for c in e.communes.all()],  # prefetched
                }
                for e in intercommunalities
            ],
            "population": sum(e.population or 0 for e in intercommunalities),
            "communes": sum(e.commune_count for e in intercommunalities),
            "map_svg": str(perimeter_svg(intercommunalities)),
        },
        "diagnostic": [
            {"name": axis.name, "findings": [{"kind": f.kind, "text": f.text} for f in axis.findings.all()]}
            for axis in axes
        ],
        "prides": [
            {
                "kind": p.kind,
                "kind_label": str(p.get_kind_display()),
                "product": p.product,
                "company": p.company,
                "place": p.place,
                "size_class": p.size_class,
                "size_class_label": str(p.get_size_class_display()) if p.size_class else "",
                "image": p.image.name if p.image else "",
            }
            for p in Pride.objects.for_territory(territory)
        ],  # 1 query
        "themes": [
            {
                "code": theme.code,
                "name": theme.name,
                "commitments": [
                    {
                        "short_title": c.short_title,
                        "title": c.title,
                        "note": c.note,
                        "company_intro": c.company_intro,
                        "company_actions": _actions(c.company_actions.all()),
                        "territory_intro": c.territory_intro,
                        "territory_actions": _actions(c.territory_actions.all()),
                    }
                    for c in theme.commitments.all()
                ],
                "indicators": [i.name for i in theme.indicators.all()],
                "indicator_figures": [
                    {"code": i.code, "name": i.name, "year": None, "text": "", "withheld": False, "coverage": ""}
                    | figures.get(i.pk, {})
                    for i in theme.indicators.all()
                ],
                "groups": [
                    {
                        "name": g.name,
                        "objectives": lines(g.objectives),
                        "participants": g.participants,
                        "animation": g.animation,
                        "example_indicators": lines(g.example_indicators),
                        "partners": lines(g.partners),
                    }
                    for g in theme.thematic_groups.all()
                ],
            }
            for theme in themes
        ],
        "principles": [
            {"title": p.title, "paragraphs": _paragraphs(p.text)}
            for p in GovernancePrinciple.objects.for_territory(territory)
        ],  # 1 query
        "events": [
            {"name": e.name, "date": e.date.isoformat(), "organiser": e.organiser, "description": e.description}
            for e in EconomicEvent.objects.for_territory(territory)
        ],  # 1 query
        "acknowledged": [
            {"group": group, "names": names}
            for group, names in sorted(acknowledged.items(), key=lambda item: item[0] == "")  # ungrouped last
        ],
    }


def _perimeter_summary(intercommunalities: list[dict]) -> list[tuple]:
    """What the perimeter says, on the keys every schema-1 document has (commune_names came later)."""
    return [(e["name"], e["siren"], e["population"], e["communes"]) for e in intercommunalities]


def document_changes(previous: dict, current: dict) -> list[str]:
    """What changed between two published versions, in words (one line per change), for the public page."""
    changes = []

    def compare(label, old, new):
        if old != new:
            changes.append(label)

    compare(
        _("Édito"),
        (previous["pact"]["editorial_title"], previous["pact"]["editorial"]),
        (current["pact"]["editorial_title"], current["pact"]["editorial"]),
    )
    compare(_("Ambitions"), previous["pact"]["ambitions"], current["pact"]["ambitions"])
    compare(_("Chiffres clés"), previous["key_figures"], current["key_figures"])
    compare(_("Tailles d'entreprise"), previous["size_classes"], current["size_classes"])
    compare(
        _("Périmètre"),
        _perimeter_summary(previous["perimeter"]["intercommunalities"]),
        _perimeter_summary(current["perimeter"]["intercommunalities"]),
    )
    compare(_("Diagnostic industriel"), previous["diagnostic"], current["diagnostic"])
    compare(_("Fiertés locales"), previous["prides"], current["prides"])
    old_themes = {t["code"]: t for t in previous["themes"]}
    for theme in current["themes"]:
        before = old_themes.pop(theme["code"], None)
        if before is None:
            changes.append(_("Thématique ajoutée : %(t)s") % {"t": theme["name"]})
            continue
        old_commitments = {c["title"]: c for c in before["commitments"]}
        for c in theme["commitments"]:
            was = old_commitments.pop(c["title"], None)
            if was is None:
                changes.append(
                    _("%(t)s — engagement nouveau ou reformulé : « %(c)s »") % {"t": theme["name"], "c": c["title"]}
                )
            elif was != c:
                changes.append(_("%(t)s — engagement modifié : « %(c)s »") % {"t": theme["name"], "c": c["title"]})
        for title in old_commitments:
            changes.append(_("%(t)s — engagement retiré ou reformulé : « %(c)s »") % {"t": theme["name"], "c": title})
        compare(_("%(t)s — indicateurs") % {"t": theme["name"]}, before["indicators"], theme["indicators"])
        compare(_("%(t)s — groupe thématique") % {"t": theme["name"]}, before["groups"], theme["groups"])
    for theme in old_themes.values():
        changes.append(_("Thématique retirée : %(t)s") % {"t": theme["name"]})
    compare(_("Principes de gouvernance"), previous["principles"], current["principles"])
    compare(_("Rencontres économiques"), previous["events"], current["events"])
    compare(
        _("Remerciements"),
        (previous["pact"]["acknowledgements"], previous["acknowledged"]),
        (current["pact"]["acknowledgements"], current["acknowledged"]),
    )
    return changes
