"""The matching rules, in one place: which offers and needs make a proposed synergy, with a score and reasons.

An **exchange** pairs one company's offer with another company's need when all of these hold:

1. **Never the same company** on both sides.
2. **Same kind** (materials, waste, energy, water…) and a **compatible sub-kind**:
   - waste: when both sides give a European List of Waste code, they share its chapter (the code's first two digits,
     e.g. 15 = packaging); the very same code scores more. A side without a code matches, "code à préciser";
   - energy: same form (heat, electricity, gas); heat: the offered temperature is at least the needed one (when
     both are given).
3. **Overlapping periods**: [from, until] of both sides intersect (an open end is unbounded).
4. **Distance** between the two communes' centroids (haversine, km) at most the territory's maximum for the kind
   (`MatchingSettings`); a side without a known commune is not excluded, the reason says "distance inconnue".
5. **Quantities** never exclude: with the same unit the reason says which share of the need the offer covers
   ("couvre 40 % du besoin"), otherwise that they are to be compared.

Score (0–100): 40 for the kind, + up to 15 for the sub-kind (exact waste code, heat temperature given), + up to 25
for the quantity covered, + up to 20 the closer the two sites are. Each offer keeps its best `MAX_PER_OFFER` needs
(a territory of 300 companies would otherwise drown the team in proposals).

A **pooling** gathers the needs of at least 2 different companies of the same kind and sub-kind (energy form,
waste chapter) — a shared purchase, a shared training, a pooled contract; no distance limit applies (the pooled
purchase or training is organised for the territory), the reason gives the farthest distance. Score: 40 + 10 per
company beyond the first (at most 100).

**Idempotent and deterministic**: each proposal has a key (`x:<offer>:<need>`, `p:<kind>:<sub-kind>`); a rerun
updates the score and reasons of still-proposed ones (a pooling also takes in newcomers' needs), never duplicates,
and never proposes again a key the team abandoned (nor touches one it is following). Declarations whose period
ended before today are left out. Queries are bounded: the settings, the declarations, the existing keys, the
communes' centroids (cached), then bulk writes.
"""

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pacte.core.models import ncount

from .models import (
    DEFAULT_MAX_KM,
    Declaration,
    Direction,
    EnergyForm,
    Kind,
    MatchingSettings,
    Mode,
    Role,
    Status,
    Synergy,
    SynergyParty,
)

MAX_PER_OFFER = 3
EARTH_RADIUS_KM = 6371.0088
CENTROID_CACHE = "synergies:centroid:v1:"
CENTROID_TTL = 60 * 60 * 24 * 30


# --- geography --------------------------------------------------------------------------------------------------


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (longitude, latitude) points in degrees."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=65536)
def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """haversine_km, memoised: a territory has a few dozen communes, so a few thousand pairs."""
    return haversine_km(a, b)


def commune_centroids(codes) -> dict[str, tuple[float, float]]:
    """INSEE code → (longitude, latitude) of the commune outline's centroid; cached, one query for the missing."""
    import shapely

    from pacte.territories.models import Commune

    codes = sorted({c for c in codes if c})
    found = {k.removeprefix(CENTROID_CACHE): v for k, v in cache.get_many([CENTROID_CACHE + c for c in codes]).items()}
    missing = [c for c in codes if c not in found]
    if missing:
        computed = {}
        for code, wkt in (
            Commune.objects.filter(insee_code__in=missing).exclude(geometry="").values_list("insee_code", "geometry")
        ):
            point = shapely.from_wkt(wkt).centroid
            computed[code] = (round(point.x, 6), round(point.y, 6))
        cache.set_many({CENTROID_CACHE + c: v for c, v in computed.items()}, CENTROID_TTL)
        found.update(computed)
    return found


# --- the rules --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _labels(language: str, choices) -> dict[str, str]:
    return {value: str(label).lower() for value, label in choices.choices}


def _label(choices, value: str) -> str:
    """A choice's label in lower case, translated once per language (get_FOO_display re-translates every choice on
    every call: a third of the matching time for a territory of 300 companies)."""
    return _labels(translation.get_language() or "", choices).get(value, value)


@dataclass
class Match:
    key: str
    mode: str
    kind: str
    title: str
    score: int
    reasons: list[str]
    offer: Declaration | None = None
    needs: list[Declaration] = field(default_factory=list)


def sub_kind(declaration) -> str:
    """What must be equal within a kind for two declarations to match or pool (heat temperature aside)."""
    if declaration.kind == Kind.ENERGY:
        return declaration.energy_form or ""
    if declaration.kind == Kind.WASTE and declaration.waste_code:
        return declaration.waste_code[:2]
    return ""


def periods_overlap(a, b) -> bool:
    if a.starts_on is None and a.ends_on is None or b.starts_on is None and b.ends_on is None:
        return True
    start = max((d for d in (a.starts_on, b.starts_on) if d), default=None)
    end = min((d for d in (a.ends_on, b.ends_on) if d), default=None)
    return start is None or end is None or start <= end


def _percent(share: Decimal) -> str:
    return f"{round(share * 100)} %"


def _km(distance: float) -> str:
    return f"{distance:.1f}".replace(".", ",") + " km"


def sub_kind_check(offer, need, explain: bool = True) -> tuple[bool, int, list[str]]:
    """Whether the sub-kinds are compatible, the points they earn, and why (`explain` False: no text, for speed)."""
    if offer.kind == Kind.WASTE:
        if offer.waste_code and need.waste_code:
            if offer.waste_code.rstrip("*") == need.waste_code.rstrip("*"):
                return True, 15, [_("Même code déchet (%(code)s).") % {"code": offer.waste_code}] if explain else []
            if offer.waste_code[:2] != need.waste_code[:2]:
                return False, 0, []
            return (
                True,
                8,
                [_("Même famille de déchets (chapitre %(c)s).") % {"c": offer.waste_code[:2]}] if explain else [],
            )
        return True, 0, [_("Code déchet à préciser d'un côté au moins.")] if explain else []
    if offer.kind == Kind.ENERGY:
        if offer.energy_form != need.energy_form:
            return False, 0, []
        if offer.energy_form == EnergyForm.HEAT:
            if offer.temperature_c is not None and need.temperature_c is not None:
                if offer.temperature_c < need.temperature_c:
                    return False, 0, []
                reason = _("Chaleur disponible à %(o)s °C pour un besoin à %(n)s °C.") if explain else ""
                return True, 15, [reason % {"o": offer.temperature_c, "n": need.temperature_c}] if explain else []
            return True, 5, [_("Chaleur : température à préciser.")] if explain else []
        if not explain:
            return True, 10, []
        return True, 10, [_("Même forme d'énergie (%(f)s).") % {"f": _label(EnergyForm, offer.energy_form)}]
    return True, 0, []


def quantity_check(offer, need, explain: bool = True) -> tuple[int, list[str]]:
    """Points for the share of the need the offer covers (same unit), and the reason."""
    if offer.quantity is None or need.quantity is None:
        return 5, [_("Quantités à préciser.")] if explain else []
    if offer.unit != need.unit:
        if not explain:
            return 0, []
        return 0, [
            _("Quantités en unités différentes (%(o)s / %(n)s) : à comparer.")
            % {"o": offer.get_unit_display(), "n": need.get_unit_display()}
        ]
    if need.quantity <= 0:
        return 25, [_("Besoin sans quantité chiffrée.")] if explain else []
    share = min(Decimal(1), offer.quantity / need.quantity)
    if share >= 1:
        return 25, [_("L'offre couvre tout le besoin.")] if explain else []
    if not explain:
        return round(25 * share), []
    return round(25 * share), [_("Correspondance partielle : l'offre couvre %(p)s du besoin.") % {"p": _percent(share)}]


def distance_check(offer, need, centroids, max_km: float, explain: bool = True) -> tuple[bool, int, list[str]]:
    a, b = centroids.get(offer.commune_code), centroids.get(need.commune_code)
    if a is None or b is None:
        return True, 0, [_("Distance inconnue (commune non renseignée).")] if explain else []
    distance = _distance(a, b)
    if distance > max_km:
        return False, 0, []
    points = round(20 * (1 - distance / max_km)) if max_km else 20
    if not explain:
        return True, points, []
    return True, points, [_("%(d)s entre les deux sites (maximum %(m)s).") % {"d": _km(distance), "m": _km(max_km)}]


def exchange_score(offer, need, centroids, max_km: float) -> int | None:
    """The score of this offer for this need, or None when a rule excludes it (no text: the fast path)."""
    if offer.company_id == need.company_id or offer.kind != need.kind or not periods_overlap(offer, need):
        return None
    compatible, sub_points, _r = sub_kind_check(offer, need, explain=False)
    if not compatible:
        return None
    near, distance_points, _r = distance_check(offer, need, centroids, max_km, explain=False)
    if not near:
        return None
    return min(100, 40 + sub_points + quantity_check(offer, need, explain=False)[0] + distance_points)


def exchange_match(offer, need, centroids, max_km: float) -> Match | None:
    """The proposal for this offer and this need, with its reasons, or None when a rule excludes it."""
    score = exchange_score(offer, need, centroids, max_km)
    if score is None:
        return None
    reasons = [
        _("Même nature : %(k)s.") % {"k": _label(Kind, offer.kind)},
        *sub_kind_check(offer, need)[2],
        _("Périodes compatibles."),
        *distance_check(offer, need, centroids, max_km)[2],
        *quantity_check(offer, need)[1],
    ]
    return Match(
        key=f"x:{offer.pk}:{need.pk}",
        mode=Mode.EXCHANGE,
        kind=offer.kind,
        title=_("%(o)s → %(n)s : %(k)s")
        % {"o": offer.company.name, "n": need.company.name, "k": _label(Kind, offer.kind)},
        score=score,
        reasons=reasons,
        offer=offer,
        needs=[need],
    )


def pooling_matches(needs, centroids) -> list[Match]:
    """Needs of at least 2 different companies sharing kind and sub-kind: one pooling proposal per group."""
    groups = defaultdict(list)
    for need in needs:
        groups[(need.kind, sub_kind(need))].append(need)
    matches = []
    for (kind, sub), group in sorted(groups.items()):
        companies = {n.company_id for n in group}
        if len(companies) < 2:
            continue
        # One need per company (its first), so that the group counts companies.
        chosen = {}
        for need in sorted(group, key=lambda n: n.pk):
            chosen.setdefault(need.company_id, need)
        members = sorted(chosen.values(), key=lambda n: n.pk)
        label = _label(Kind, members[0].kind)
        if sub:
            label += f" ({_label(EnergyForm, members[0].energy_form) if kind == Kind.ENERGY else sub})"
        points = [centroids[n.commune_code] for n in members if n.commune_code in centroids]
        farthest = max((haversine_km(a, b) for i, a in enumerate(points) for b in points[i + 1 :]), default=None)
        reasons = [
            ncount(_("%(n)s entreprise partage ce besoin."), _("%(n)s entreprises partagent ce besoin."), len(members))
            + " "
            + _("Nature : %(k)s.") % {"k": label},
            _("Un achat, un contrat ou une formation en commun réduit le coût de chacune."),
        ]
        if farthest is not None:
            reasons.append(_("Sites distants de %(d)s au plus.") % {"d": _km(farthest)})
        matches.append(
            Match(
                key=f"p:{kind}:{sub}",
                mode=Mode.POOLING,
                kind=kind,
                title=_("Mutualisation : %(k)s, %(n)s entreprises") % {"k": label, "n": len(members)},
                score=min(100, 40 + 10 * (len(members) - 1)),
                reasons=reasons,
                needs=members,
            )
        )
    return matches


def matches_compute(declarations, *, settings: MatchingSettings | None, centroids) -> list[Match]:
    """All the proposals for these declarations (pure: no query), deterministic."""
    offers, needs = defaultdict(list), defaultdict(list)
    for declaration in declarations:
        (offers if declaration.direction == Direction.OFFER else needs)[declaration.kind].append(declaration)
    matches = []
    for kind in sorted(offers):
        max_km = settings.limit(kind) if settings else float(DEFAULT_MAX_KM.get(kind, 50))
        for offer in sorted(offers[kind], key=lambda d: d.pk):
            scored = [
                (-score, need.pk, need)
                for need in needs.get(kind, ())
                if (score := exchange_score(offer, need, centroids, max_km)) is not None
            ]
            scored.sort(key=lambda item: item[:2])
            matches.extend(exchange_match(offer, need, centroids, max_km) for _s, _pk, need in scored[:MAX_PER_OFFER])
    all_needs = [n for kind in sorted(needs) for n in needs[kind]]
    matches.extend(pooling_matches(all_needs, centroids))
    return matches


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0  # abandoned by the team, or already followed


def declarations_for_matching(territory):
    today = timezone.localdate()
    return list(
        Declaration.objects.for_territory(territory)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("company")
        .order_by("pk")
    )


@transaction.atomic
def matching_run(*, territory, actor=None) -> RunResult:
    """Propose the synergies of a territory (idempotent: see the module's docstring)."""
    from pacte.core.models import JournalVerb, journal_write

    settings = MatchingSettings.objects.filter(territory=territory).first()
    declarations = declarations_for_matching(territory)
    centroids = commune_centroids(d.commune_code for d in declarations)
    matches = matches_compute(declarations, settings=settings, centroids=centroids)
    existing = {s.key: s for s in Synergy.objects.for_territory(territory).filter(key__in=[m.key for m in matches])}
    result = RunResult()
    new, parties, changed = [], [], []
    pooling_updates = []
    for match in matches:
        synergy = existing.get(match.key)
        if synergy is None:
            new.append(
                (
                    match,
                    Synergy(
                        territory=territory,
                        key=match.key,
                        mode=match.mode,
                        kind=match.kind,
                        title=match.title[:300],
                        offer=match.offer,
                        score=match.score,
                        reasons=match.reasons,
                    ),
                )
            )
            continue
        if synergy.status != Status.PROPOSED:
            result.skipped += 1
            continue
        if (synergy.score, synergy.reasons, synergy.title) != (match.score, match.reasons, match.title[:300]):
            synergy.score, synergy.reasons, synergy.title = match.score, match.reasons, match.title[:300]
            changed.append(synergy)
        if match.mode == Mode.POOLING:
            pooling_updates.append((synergy, match))
    Synergy.objects.bulk_create([s for _m, s in new])
    for match, synergy in new:
        if match.offer is not None:
            parties.append(
                SynergyParty(
                    synergy=synergy, company_id=match.offer.company_id, declaration=match.offer, role=Role.OFFER
                )
            )
        for need in match.needs:
            parties.append(SynergyParty(synergy=synergy, company_id=need.company_id, declaration=need, role=Role.NEED))
    if pooling_updates:
        present = set(
            SynergyParty.objects.filter(synergy__in=[s for s, _m in pooling_updates]).values_list(
                "synergy_id", "company_id"
            )
        )
        for synergy, match in pooling_updates:
            for need in match.needs:
                if (synergy.pk, need.company_id) not in present:
                    parties.append(
                        SynergyParty(synergy=synergy, company_id=need.company_id, declaration=need, role=Role.NEED)
                    )
                    if synergy not in changed:
                        changed.append(synergy)
    SynergyParty.objects.bulk_create(parties)
    if changed:
        now = timezone.now()
        for synergy in changed:
            synergy.updated_at = now
        Synergy.objects.bulk_update(changed, ["score", "reasons", "title", "updated_at"])
    result.created, result.updated = len(new), len(changed)
    if result.created or result.updated:
        journal_write(
            territory=territory,
            verb=JournalVerb.SYNERGIES_PROPOSED,
            message=_("Synergies proposées : %(c)s nouvelles, %(u)s mises à jour.")
            % {"c": result.created, "u": result.updated},
            actor=actor,
        )
    return result
