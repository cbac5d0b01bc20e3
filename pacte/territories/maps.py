"""The perimeter map, drawn server-side as SVG so that web and print show the same picture."""

import math

import shapely
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

# DSFR illustrative colours, one per intercommunality.
PALETTE = ["#000091", "#009081", "#C3992A", "#CE614A", "#6A6AF4", "#A558A0", "#68A532", "#E4794A"]
WIDTH = 640


def perimeter_svg(intercommunalities) -> str:
    """An SVG map of the communes, coloured by intercommunality, with a legend; '' without outlines."""
    shapes = []
    for index, epci in enumerate(intercommunalities):
        for commune in epci.communes.all():
            if commune.geometry:
                shapes.append((index, commune.name, shapely.from_wkt(commune.geometry)))
    if not shapes:
        return ""
    min_x, min_y, max_x, max_y = shapely.GeometryCollection([s for _, _, s in shapes]).bounds
    # Equirectangular projection corrected by the cosine of the mean latitude.
    kx = math.cos(math.radians((min_y + max_y) / 2))
    scale = WIDTH / ((max_x - min_x) * kx)
    height = round((max_y - min_y) * scale)

    def path(shape) -> str:
        polygons = getattr(shape, "geoms", [shape])
        parts = []
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                points = " ".join(f"{(x - min_x) * kx * scale:.1f},{(max_y - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{points}Z")
        return "".join(parts)

    paths = format_html_join(
        "",
        '<path d="{}" fill="{}" stroke="#fff" stroke-width="0.8"><title>{}</title></path>',
        ((path(shape), PALETTE[i % len(PALETTE)], name) for i, name, shape in shapes),
    )
    legend = format_html_join(
        "",
        '<g transform="translate(8,{})"><rect width="14" height="14" fill="{}"/>'
        '<text x="20" y="12" font-size="13" font-family="Marianne, Arial, sans-serif">{}</text></g>',
        ((height + 10 + 22 * i, PALETTE[i % len(PALETTE)], epci.name) for i, epci in enumerate(intercommunalities)),
    )
    total_height = height + 16 + 22 * len(intercommunalities)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="perimeter-title" '
        'class="pacte-map"><title id="perimeter-title">{}</title>{}{}</svg>',
        WIDTH,
        total_height,
        _("Carte du périmètre : communes par intercommunalité"),
        paths,
        legend,
    )
