"""The after-action report's timeline chart: injects against the actions taken, drawn with
reportlab's graphics, one lane per drill role along drill time in minutes.

Only drawing is decided here; drills.report decides which events go on it.
"""

import datetime
import math
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.units import mm
from reportlab.lib.validators import isAnything
from reportlab.pdfbase.pdfmetrics import stringWidth


@dataclass(frozen=True)
class ChartEvent:
    INJECT = "inject"
    LOG = "log"
    ACHIEVED = "achieved"

    at: datetime.timedelta  # drill time
    lane: int  # the drill role's id
    kind: str


LABEL_WIDTH = 34 * mm
RIGHT_PADDING = 4 * mm
TOP_PADDING = 3 * mm
LANE_HEIGHT = 9 * mm
AXIS_HEIGHT = 11 * mm
LEGEND_HEIGHT = 7 * mm
FONT_SIZE = 7
MARKER = 1.3 * mm
# Few enough ticks to read; the first step that gives at most this many is used.
MAX_TICKS = 10
TICK_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240)
COLOURS = {
    ChartEvent.INJECT: colors.HexColor("#a40000"),
    ChartEvent.LOG: colors.HexColor("#2b6cb0"),
    ChartEvent.ACHIEVED: colors.HexColor("#2f855a"),
}
# Each kind sits at its own height in the lane, so a log entry and the tick it earned
# at the same minute are both visible.
LANE_OFFSETS = {ChartEvent.INJECT: 2.6 * mm, ChartEvent.LOG: 0, ChartEvent.ACHIEVED: -2.6 * mm}


def timeline_chart(*, lanes: list[tuple[int, str]], events: list[ChartEvent],
                   until: datetime.timedelta, width: float, font: str,
                   labels: dict[str, str]) -> Drawing:
    """`lanes`: (role id, role name) from top to bottom; `until`: drill time at the end
    of the chart (the drill's end, or now); `labels`: the legend's text for each kind of
    event and for the axis ("axis")."""
    lanes = lanes or [(None, "")]
    height = TOP_PADDING + len(lanes) * LANE_HEIGHT + AXIS_HEIGHT + LEGEND_HEIGHT
    drawing = _Chart(width, height, markers=[])
    plot_left, plot_right = LABEL_WIDTH, width - RIGHT_PADDING
    plot_bottom = AXIS_HEIGHT + LEGEND_HEIGHT
    latest = max([_minutes(until), *(_minutes(event.at) for event in events), 1.0])
    step = next((step for step in TICK_STEPS if latest / step <= MAX_TICKS), TICK_STEPS[-1])
    axis_end = math.ceil(latest / step) * step

    def x_of(minutes: float) -> float:
        return plot_left + max(0.0, minutes) / axis_end * (plot_right - plot_left)

    centres = {}
    for index, (lane, name) in enumerate(lanes):
        top = height - TOP_PADDING - index * LANE_HEIGHT
        if index % 2 == 0:
            drawing.add(Rect(plot_left, top - LANE_HEIGHT, plot_right - plot_left, LANE_HEIGHT,
                             fillColor=colors.HexColor("#f3f5f8"), strokeColor=None))
        centres[lane] = top - LANE_HEIGHT / 2
        drawing.add(String(plot_left - 2 * mm, centres[lane] - FONT_SIZE / 3,
                           _fit(name, LABEL_WIDTH - 4 * mm, font), fontName=font,
                           fontSize=FONT_SIZE, textAnchor="end"))

    drawing.add(Line(plot_left, plot_bottom, plot_right, plot_bottom, strokeWidth=0.6))
    for tick in range(0, axis_end + 1, step):
        x = x_of(tick)
        drawing.add(Line(x, plot_bottom, x, plot_bottom - 1.5 * mm, strokeWidth=0.6))
        drawing.add(Line(x, plot_bottom, x, height - TOP_PADDING, strokeWidth=0.2,
                         strokeColor=colors.HexColor("#c8d0d9")))
        drawing.add(String(x, plot_bottom - 4.5 * mm, str(tick), fontName=font,
                           fontSize=FONT_SIZE, textAnchor="middle"))
    drawing.add(String((plot_left + plot_right) / 2, LEGEND_HEIGHT + 1.5 * mm,
                       labels["axis"], fontName=font, fontSize=FONT_SIZE, textAnchor="middle"))

    drawing.markers = [(event.kind, x_of(_minutes(event.at)),
                        centres[event.lane] + LANE_OFFSETS[event.kind])
                       for event in events if event.lane in centres]

    x = plot_left
    for kind in (ChartEvent.INJECT, ChartEvent.LOG, ChartEvent.ACHIEVED):
        drawing.add(_marker(kind, x + MARKER, LEGEND_HEIGHT / 2))
        drawing.add(String(x + 3 * MARKER, LEGEND_HEIGHT / 2 - FONT_SIZE / 3, labels[kind],
                           fontName=font, fontSize=FONT_SIZE))
        x += 3 * MARKER + stringWidth(labels[kind], font, FONT_SIZE) + 6 * mm
    return drawing


class _Chart(Drawing):
    """The chart's shapes, then its events' markers, on top of them as the last shapes
    would be: each kind of marker drawn once, as a form, and placed where each event
    goes. Drawn as shapes, a long drill's thousand log entries each wrote their circle's
    curves out in full, a sixth of the report's time. (So the markers are drawn in a PDF
    only: renderSVG or renderPM would leave them out.)"""

    _attrMap = AttrMap(BASE=Drawing, markers=AttrMapValue(isAnything,
                                                          desc="(kind, x, y) of each event"))

    def draw(self, *args, **kwargs):
        super().draw(*args, **kwargs)
        canvas = self.canv
        for kind in {kind for kind, _x, _y in self.markers}:
            if not canvas.hasForm(_form_name(kind)):
                canvas.beginForm(_form_name(kind), -MARKER, -MARKER, MARKER, MARKER)
                renderPDF.draw(_one(_marker(kind, MARKER, MARKER)), canvas, -MARKER, -MARKER)
                canvas.endForm()
        for kind, x, y in self.markers:
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm(_form_name(kind))
            canvas.restoreState()


def _form_name(kind: str) -> str:
    return f"timeline-chart-{kind}"


def _one(shape) -> Drawing:
    drawing = Drawing(2 * MARKER, 2 * MARKER)
    drawing.add(shape)
    return drawing


def _marker(kind: str, x: float, y: float):
    colour = COLOURS[kind]
    if kind == ChartEvent.INJECT:  # a triangle pointing down at the moment of release
        return Polygon([x - MARKER, y + MARKER, x + MARKER, y + MARKER, x, y - MARKER],
                       fillColor=colour, strokeColor=None)
    if kind == ChartEvent.ACHIEVED:
        return Rect(x - MARKER, y - MARKER, 2 * MARKER, 2 * MARKER, fillColor=colour,
                    strokeColor=None)
    return Circle(x, y, MARKER, fillColor=colour, strokeColor=None)


def _minutes(value: datetime.timedelta) -> float:
    return value.total_seconds() / 60


def _fit(text: str, width: float, font: str) -> str:
    """`text` cut short with an ellipsis to fit `width`."""
    if stringWidth(text, font, FONT_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", font, FONT_SIZE) > width:
        text = text[:-1]
    return text + "…"
