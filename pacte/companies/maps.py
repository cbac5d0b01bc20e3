"""The industrial universe by commune, drawn server-side as SVG (as the perimeter map is)."""

import math

import shapely
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from pacte.core.models import ncount

# DSFR blue France, from light to dark: the number of establishments per commune.
SHADES = ["#ECECFE", "#CACAFB", "#8585F6", "#313178", "#000091"]
EMPTY = "#F6F6F6"
WIDTH = 640


def _shade(n: int, top: int) -> str:
    if not n:
        return EMPTY
    return SHADES[min(len(SHADES) - 1, int(len(SHADES) * n / (top + 1)))]


def universe_svg(communes, counts: dict) -> str:
    """communes: Commune objects with their outline; counts: insee_code → establishments. '' without outlines."""
    shapes = [(c, shapely.from_wkt(c.geometry)) for c in communes if c.geometry]
    if not shapes:
        return ""
    min_x, min_y, max_x, max_y = shapely.GeometryCollection([s for _c, s in shapes]).bounds
    kx = math.cos(math.radians((min_y + max_y) / 2))
    scale = WIDTH / max((max_x - min_x) * kx, 1e-9)
    height = round((max_y - min_y) * scale)
    top = max(counts.values(), default=0)

    def path(shape) -> str:
        parts = []
        for polygon in getattr(shape, "geoms", [shape]):
            for ring in [polygon.exterior, *polygon.interiors]:
                points = " ".join(f"{(x - min_x) * kx * scale:.1f},{(max_y - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{points}Z")
        return "".join(parts)

    def title(commune) -> str:
        n = counts.get(commune.insee_code, 0)
        return f"{commune.name} : " + ncount(_("%(n)s établissement"), _("%(n)s établissements"), n)

    paths = format_html_join(
        "",
        '<path d="{}" fill="{}" stroke="#fff" stroke-width="0.6"><title>{}</title></path>',
        ((path(shape), _shade(counts.get(c.insee_code, 0), top), title(c)) for c, shape in shapes),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="universe-map-title" '
        'class="pacte-map"><title id="universe-map-title">{}</title>{}</svg>',
        WIDTH,
        height,
        _("Carte des établissements industriels par commune (plus la couleur est foncée, plus il y en a)"),
        paths,
    )
