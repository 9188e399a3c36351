"""The one way the site shows a percentage: "90%", "83.3%", never "90.00%".

Pages use the `percent` template filter (a built-in of every template, see
settings.TEMPLATES), PDFs and messages call `percent()`, and spreadsheets get a `Percent`
value, which core.exports writes as text in CSV ("90%", which Excel and LibreOffice
read back as the number 0.9) and as a number with a percentage format in XLSX, so a
column of scores can still be averaged.

At most one decimal, and rounded down: a score of 79.96% reads 79.9%, never the 80% pass
mark it missed.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django import template

NO_FIGURE = "—"

register = template.Library()


def _fraction(part, whole) -> Decimal | None:
    if part is None or whole in (None, 0):
        return None
    return Decimal(str(part)) / Decimal(str(whole))


def _shown(fraction: Decimal) -> Decimal:
    """The percentage to show: one decimal, rounded down, with no trailing zero."""
    value = (fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


@dataclass(frozen=True)
class Percent:
    """`part` out of `whole` (a score out of 100 by default), for a spreadsheet cell."""

    part: Decimal | float | int
    whole: Decimal | float | int = 100

    @property
    def fraction(self) -> Decimal | None:
        return _fraction(self.part, self.whole)

    @property
    def xlsx_number_format(self) -> str:
        fraction = self.fraction
        shown = _shown(fraction) if fraction is not None else Decimal(0)
        return "0%" if shown == shown.to_integral_value() else "0.0%"

    def __str__(self) -> str:
        return percent(self.part, self.whole)


@register.filter(name="percent")
def percent(part, whole=100) -> str:
    """`part` out of `whole` as a percentage: 90 → "90%", (1, 3) → "33.3%", None → "—"."""
    fraction = _fraction(part, whole)
    if fraction is None:
        return NO_FIGURE
    return f"{_shown(fraction)}%"
