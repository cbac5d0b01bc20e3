"""Charts drawn server-side as SVG, so that the web page, the PDF and the slides show the same picture."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

TERRITORY_COLOUR = "#000091"  # DSFR blue France
NATIONAL_COLOUR = "#929292"  # DSFR grey


def size_classes_svg(rows: list[dict], *, territory_label: str = "", national_label: str = "") -> str:
    """Grouped horizontal bars: the share of each company size class, territory vs all Territoires d'industrie.

    `rows` are the document's size classes: {"label", "territory", "national"} (percentages). '' without rows.
    """
    if not rows:
        return ""
    territory_label = territory_label or _("Territoire")
    national_label = national_label or _("TI de France")
    label_width, bar_width, bar_height, gap = 230, 330, 16, 14
    width = label_width + bar_width + 60
    top = 34
    height = top + len(rows) * (2 * bar_height + gap) + 4
    biggest = max(max(r["territory"], r["national"]) for r in rows) or 100

    def bar(y, value, colour):
        length = bar_width * value / biggest
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
            '<text x="{}" y="{}" font-size="12" fill="#161616">{} %</text>',
            label_width,
            y,
            f"{length:.1f}",
            bar_height,
            colour,
            f"{label_width + length + 6:.1f}",
            y + bar_height - 4,
            f"{value:g}".replace(".", ","),
        )

    groups = format_html_join(
        "",
        '<text x="0" y="{}" font-size="13" fill="#161616">{}</text>{}{}',
        (
            (
                top + i * (2 * bar_height + gap) + bar_height + 4,
                row["label"],
                bar(top + i * (2 * bar_height + gap), row["territory"], TERRITORY_COLOUR),
                bar(top + i * (2 * bar_height + gap) + bar_height, row["national"], NATIONAL_COLOUR),
            )
            for i, row in enumerate(rows)
        ),
    )
    legend = format_html(
        '<rect x="0" y="4" width="14" height="14" fill="{}"/><text x="20" y="16" font-size="12">{}</text>'
        '<rect x="{}" y="4" width="14" height="14" fill="{}"/><text x="{}" y="16" font-size="12">{}</text>',
        TERRITORY_COLOUR,
        territory_label,
        label_width + 20,
        NATIONAL_COLOUR,
        label_width + 40,
        national_label,
    )
    title = _("Répartition des établissements par taille : %(t)s et %(n)s") % {
        "t": territory_label,
        "n": national_label,
    }
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{title}" font-family="Marianne, Arial, sans-serif" class="pacte-chart">'
        "<title>{title}</title>{legend}{groups}</svg>",
        w=width,
        h=height,
        title=title,
        legend=legend,
        groups=groups,
    )
