"""The territory's mutualisation map, drawn server-side as SVG: communes, companies as points, synergies as lines."""

import math

import shapely
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .models import Status

WIDTH = 640
LINE_COLOURS = {Status.REALISED: "#18753C", Status.PROPOSED: "#6A6AF4"}


def synergies_svg(communes, companies: dict, lines: list) -> str:
    """communes: Commune objects; companies: company name → (lon, lat); lines: (status, (lon, lat), (lon, lat)).
    '' without outlines."""
    shapes = [(c, shapely.from_wkt(c.geometry)) for c in communes if c.geometry]
    if not shapes:
        return ""
    min_x, min_y, max_x, max_y = shapely.GeometryCollection([s for _c, s in shapes]).bounds
    kx = math.cos(math.radians((min_y + max_y) / 2))
    scale = WIDTH / max((max_x - min_x) * kx, 1e-9)
    height = round((max_y - min_y) * scale)

    def xy(point):
        return f"{(point[0] - min_x) * kx * scale:.1f}", f"{(max_y - point[1]) * scale:.1f}"

    def path(shape) -> str:
        parts = []
        for polygon in getattr(shape, "geoms", [shape]):
            for ring in [polygon.exterior, *polygon.interiors]:
                parts.append("M" + " ".join(",".join(xy(p)) for p in ring.coords) + "Z")
        return "".join(parts)

    outlines = format_html_join(
        "",
        '<path d="{}" fill="#F6F6F6" stroke="#CECECE" stroke-width="0.6"><title>{}</title></path>',
        ((path(shape), c.name) for c, shape in shapes),
    )
    segments = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>',
        (
            (
                *xy(a),
                *xy(b),
                LINE_COLOURS.get(status, "#6A6AF4"),
                "" if status == Status.REALISED else ' stroke-dasharray="6 4"',
            )
            for status, a, b in lines
        ),
    )
    points = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="5" fill="#000091" stroke="#fff" stroke-width="1.5"><title>{}</title></circle>',
        ((*xy(point), name) for name, point in sorted(companies.items())),
    )
    legend = format_html(
        '<g font-size="13" font-family="Marianne, Arial, sans-serif" transform="translate(8,{})">'
        '<circle cx="7" cy="7" r="5" fill="#000091"/><text x="20" y="12">{}</text>'
        '<line x1="180" y1="7" x2="210" y2="7" stroke="#18753C" stroke-width="2.5"/><text x="216" y="12">{}</text>'
        '<line x1="360" y1="7" x2="390" y2="7" stroke="#6A6AF4" stroke-width="2.5" stroke-dasharray="6 4"/>'
        '<text x="396" y="12">{}</text></g>',
        height + 10,
        _("Entreprise"),
        _("Synergie réalisée"),
        _("Synergie en cours"),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="synergies-map-title" '
        'class="pacte-map"><title id="synergies-map-title">{}</title>{}{}{}{}</svg>',
        WIDTH,
        height + 34,
        _("Carte des entreprises et des synergies du territoire"),
        outlines,
        segments,
        points,
        legend,
    )
