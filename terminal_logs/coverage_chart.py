"""The coverage report's chart of the year: one row per department (and the organisation's
row on top), one column per month, each cell coloured and marked by the month's state
(terminal_logs.coverage.MonthState), so that the unchecked months stand out.

The geometry is decided once here, in pixels, and drawn twice: as inline SVG on the page
(templates/terminal_logs/coverage_chart.svg, no script, nothing to load, as the quiz
analysis draws its charts) and as a reportlab drawing in the PDF (`chart_drawing`, as
the after-action report draws its timeline). A cell's mark says its state without
colour, and the text alternative says each department's months in words.
"""

import datetime
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from terminal_logs.coverage import Coverage, DepartmentCoverage, MonthState

LABEL_WIDTH = 170  # px left of the cells, for the department's name
CELL_WIDTH = 34
CELL_HEIGHT = 22
HEADER_HEIGHT = 20
LEGEND_ROW_HEIGHT = 18
LEGEND_COLUMNS = 3
LEGEND_COLUMN_WIDTH = 200
FONT_SIZE = 11
# Colour and mark of each state: the marks are in JIS X 0208, so the PDF's IPAex font and
# any Japanese screen font have them.
STYLE = {
    MonthState.COVERED: ("#2f855a", "#ffffff", "○"),
    MonthState.IN_REVIEW: ("#d69e2e", "#1d2733", "△"),
    MonthState.AWAITING: ("#a3bfdb", "#1d2733", "…"),
    MonthState.NOT_REVIEWED: ("#c53030", "#ffffff", "×"),
    MonthState.NO_LOOKUPS: ("#e6ebf0", "#5b6673", "0"),
    MonthState.NOT_IMPORTED: ("#f5f7fa", "#5b6673", "未"),
    MonthState.BEFORE_LOGS: ("#ffffff", "#8795a3", "－"),
    MonthState.OUTSIDE_RETENTION: ("#ffffff", "#8795a3", "廃"),
    MonthState.FUTURE: ("#ffffff", "#c8d0d9", ""),
}
GRID = "#c8d0d9"
INK = "#1d2733"


@dataclass(frozen=True)
class ChartCell:
    x: int
    y: int
    fill: str
    ink: str
    mark: str
    title: str  # what the cell says in words: its tooltip on the page


@dataclass(frozen=True)
class ChartLabel:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class LegendEntry:
    x: int
    y: int
    fill: str
    ink: str
    mark: str
    text: str


@dataclass(frozen=True)
class CoverageChart:
    width: int
    height: int
    cells: list[ChartCell]
    row_labels: list[ChartLabel]
    month_labels: list[ChartLabel]
    legend: list[LegendEntry]
    title: str
    description: str  # the text alternative

    @property
    def cell_width(self) -> int:
        return CELL_WIDTH

    @property
    def cell_height(self) -> int:
        return CELL_HEIGHT

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def font_size(self) -> int:
        return FONT_SIZE


def month_label(month: datetime.date) -> str:
    """4月 in Japanese, Apr in English."""
    return dateformat.format(month, "M")


def coverage_chart(coverage: Coverage) -> CoverageChart:
    months = coverage.period.months
    rows = [coverage.total, *coverage.departments]
    grid_bottom = HEADER_HEIGHT + len(rows) * CELL_HEIGHT
    cells, labels = [], []
    for index, row in enumerate(rows):
        y = HEADER_HEIGHT + index * CELL_HEIGHT
        labels.append(ChartLabel(LABEL_WIDTH - 6, y + CELL_HEIGHT - 7, row.name))
        for column, cell in enumerate(row.months):
            fill, ink, mark = STYLE[cell.state]
            cells.append(ChartCell(
                LABEL_WIDTH + column * CELL_WIDTH, y, fill, ink, mark,
                _("%(department)s, %(month)s: %(state)s (%(reviewed)d of %(lookups)d look-ups "
                  "reviewed)") % {"department": row.name, "month": month_label(cell.month),
                                  "state": cell.state.label, "reviewed": cell.reviewed,
                                  "lookups": cell.lookups}))
    # As many columns of legend as fit under the grid: a quarter's chart stays narrow.
    grid_width = LABEL_WIDTH + len(months) * CELL_WIDTH
    columns = max(1, min(LEGEND_COLUMNS, grid_width // LEGEND_COLUMN_WIDTH))
    legend = []
    legend_top = grid_bottom + 10
    for index, state in enumerate(MonthState):
        fill, ink, mark = STYLE[state]
        legend.append(LegendEntry(
            (index % columns) * LEGEND_COLUMN_WIDTH,
            legend_top + (index // columns) * LEGEND_ROW_HEIGHT,
            fill, ink, mark, str(state.label)))
    legend_rows = -(-len(MonthState) // columns)
    return CoverageChart(
        width=max(grid_width, columns * LEGEND_COLUMN_WIDTH),
        height=legend_top + legend_rows * LEGEND_ROW_HEIGHT,
        cells=cells,
        row_labels=labels,
        month_labels=[ChartLabel(LABEL_WIDTH + n * CELL_WIDTH + CELL_WIDTH // 2,
                                 HEADER_HEIGHT - 6, month_label(month))
                      for n, month in enumerate(months)],
        legend=legend,
        title=_("Months reviewed, by department: %(period)s") % {
            "period": coverage.period.label()},
        # Translated: Japanese lists with 、, English with a semicolon.
        description=_("; ").join(_describe(row) for row in rows),
    )


def _describe(row: DepartmentCoverage) -> str:
    return _("%(department)s: %(covered)d of %(months)d months with look-ups covered") % {
        "department": row.name, "covered": row.months_covered,
        "months": row.months_with_lookups}


def chart_drawing(chart: CoverageChart, *, width: float, font: str) -> Drawing:
    """The chart as a reportlab drawing at most `width` points wide: a pixel a point, or
    scaled down to fit."""
    scale = min(1.0, width / chart.width)
    drawing = Drawing(chart.width * scale, chart.height * scale)

    def y_of(y: float) -> float:  # SVG measures from the top, reportlab from the bottom
        return (chart.height - y) * scale

    size = FONT_SIZE * scale
    for label in chart.month_labels:
        drawing.add(String(label.x * scale, y_of(label.y), label.text, fontName=font,
                           fontSize=size, textAnchor="middle", fillColor=colors.HexColor(INK)))
    for label in chart.row_labels:
        drawing.add(String(label.x * scale, y_of(label.y),
                           _fit(label.text, (LABEL_WIDTH - 10) * scale, font, size),
                           fontName=font, fontSize=size, textAnchor="end",
                           fillColor=colors.HexColor(INK)))
    for cell in chart.cells:
        _add_box(drawing, cell.x * scale, y_of(cell.y + CELL_HEIGHT), CELL_WIDTH * scale,
                 CELL_HEIGHT * scale, cell.fill, cell.ink, cell.mark, font, size)
    for entry in chart.legend:
        box = (LEGEND_ROW_HEIGHT - 4) * scale
        _add_box(drawing, entry.x * scale, y_of(entry.y + LEGEND_ROW_HEIGHT - 2), box * 1.4,
                 box, entry.fill, entry.ink, entry.mark, font, size * 0.85)
        drawing.add(String(entry.x * scale + box * 1.4 + 4 * scale,
                           y_of(entry.y + LEGEND_ROW_HEIGHT - 6), entry.text, fontName=font,
                           fontSize=size * 0.85, fillColor=colors.HexColor(INK)))
    return drawing


def _add_box(drawing, x, y, width, height, fill, ink, mark, font, size):
    drawing.add(Rect(x, y, width, height, fillColor=colors.HexColor(fill),
                     strokeColor=colors.HexColor(GRID), strokeWidth=0.5))
    if mark:
        drawing.add(String(x + width / 2, y + (height - size) / 2 + size * 0.15, mark,
                           fontName=font, fontSize=size, textAnchor="middle",
                           fillColor=colors.HexColor(ink)))


def _fit(text: str, width: float, font: str, size: float) -> str:
    """`text` cut short with an ellipsis to fit `width`."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
