"""The item analysis as people read it: a small chart per question, and the spreadsheet.

The chart is drawn on the server as inline SVG (no script, nothing to load): one bar for
the facility, with the too-hard and too-easy limits marked, and one bar per choice for
the share of the attempts that picked it. Its text alternative says the same in words,
and the table beside it holds every figure.

The spreadsheet goes through the site's one export pipeline (core.exports): one row
per choice of each question, with the question's figures and flags repeated, so that a
coordinator can sort and filter it.
"""

from dataclasses import dataclass

import tablib
from django.utils.translation import gettext as _

from core.numbers import Percent, percent
from training.analysis import TOO_EASY_ABOVE, TOO_HARD_BELOW, ItemAnalysis, QuizAnalysis

LABEL_WIDTH = 80  # px left of the bars, for "正答率" and "選択肢 1 ✓"
BAR_WIDTH = 200  # px for 100%
ROW_HEIGHT = 22
CHART_WIDTH = LABEL_WIDTH + BAR_WIDTH + 60  # room for the figure after a full bar


@dataclass(frozen=True)
class ChartBar:
    label: str
    y: int
    width: int  # px
    figure: str  # "44.4%"
    kind: str  # facility, correct, distractor


@dataclass(frozen=True)
class ItemChart:
    bars: list[ChartBar]
    height: int
    too_hard_x: int
    too_easy_x: int
    description: str  # the text alternative

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def width(self) -> int:
        return CHART_WIDTH

    @property
    def row_height(self) -> int:
        return ROW_HEIGHT


def _bar_width(share: float | None) -> int:
    return round(BAR_WIDTH * (share or 0))


def item_chart(item: ItemAnalysis) -> ItemChart:
    facility = item.all.facility
    bars = [ChartBar(_("Facility"), 0, _bar_width(facility),
                     percent(item.all.correct, item.all.asked), "facility")]
    words = [_("Facility %(figure)s") % {"figure": bars[0].figure}]
    for number, row in enumerate(item.choices, start=1):
        label = _("Choice %(number)d") % {"number": number}
        figure = percent(row.picked, row.asked)
        bars.append(ChartBar(
            f"{label} ✓" if row.choice.is_correct else label, number * ROW_HEIGHT,
            _bar_width(row.share), figure, "correct" if row.choice.is_correct else "distractor",
        ))
        wording = (
            _("%(choice)s (correct answer) picked by %(figure)s") if row.choice.is_correct
            else _("%(choice)s picked by %(figure)s")
        )
        words.append(wording % {"choice": label, "figure": figure})
    return ItemChart(
        bars=bars,
        height=len(bars) * ROW_HEIGHT + 4,
        too_hard_x=LABEL_WIDTH + round(BAR_WIDTH * TOO_HARD_BELOW),
        too_easy_x=LABEL_WIDTH + round(BAR_WIDTH * TOO_EASY_ABOVE),
        # Translated: Japanese lists with 、, English with a semicolon.
        description=_("; ").join(words),
    )


def analysis_export(figures: QuizAnalysis) -> tablib.Dataset:
    """One row per choice of each question, over all attempts and first attempts."""
    dataset = tablib.Dataset(title=_("Item analysis"), headers=[
        _("Question"), _("Category"), _("Asked"), _("Answered correctly"), _("Facility"),
        _("Discrimination"), _("Facility (first attempts)"),
        _("Discrimination (first attempts)"), _("Flags"), _("Choice"), _("Correct answer"),
        _("Picked (all attempts)"), _("Share picked"),
    ])
    for item in figures.items:
        flags = " / ".join(flag.text for flag in item.flags)
        for row in item.choices:
            dataset.append([
                item.question.text, item.question.category, item.all.asked, item.all.correct,
                _index(item.all.facility), _index(item.all.discrimination),
                _index(item.first.facility), _index(item.first.discrimination), flags,
                row.choice.text, "✓" if row.choice.is_correct else "", row.picked,
                Percent(row.picked, row.asked) if row.asked else None,
            ])
    return dataset


def _index(value: float | None) -> float | None:
    """Facility and discrimination are indices from -1 to 1, kept as numbers to 2 places."""
    return None if value is None else round(value, 2)
