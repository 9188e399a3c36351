"""Table cells in a PDF that break lines where a reader would, never inside a word.

reportlab's CJK wrapping breaks Japanese between any two characters, so a narrow column
printed 「総括責/任者」, 「担/当」 and 「計/画書」, and a telephone number split across
two lines is misdialled at night. Here a cell's text is cut into the pieces a line may
end after (`pieces`): a telephone number or a Latin word is one piece, and Japanese
breaks after a space or punctuation, before an opening bracket, and where a word's kana
ending (送り仮名, a particle) meets the next word (「災害対策本部を/設置し、/関係機関へ」).
Each column is made wide enough for its longest piece, taking the room from columns
that have some to spare (`fitted_widths`), and each cell is laid out line by line from
its pieces (`cell`). Only a piece longer than the widest its column may be is broken
further: where its script changes (住基/ネット), and failing that between characters.
"""

import re
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

# A Japanese number as written: 096-000-1001, 03-0000-5119, 0120-000-000.
PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])")
# reportlab's default padding on either side of a table cell, in points.
CELL_PADDING = 6
# A line ends no later than this short of the column's edge: the widths measured here
# and those reportlab measures may differ in the last decimal.
SLACK = 0.5

LATIN = re.compile(r"[!-~]+")  # a run of ASCII: a word, a number, an address
OPENING = set("（「『【〔［｛〈《(\"'[{")
# Characters a line may not begin with (行頭禁則): closing brackets and punctuation,
# small kana and the prolonged sound mark.
CLOSING = set("）」』】〕］｝〉》)/／、。，．,.・：；:;！？!?"
              "ー々ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
# Characters a line may end after, whatever follows.
BREAK_AFTER = set("、。，．,.・：；:;！？!?／/ 　")


def _script(character: str) -> str:
    if "\u3041" <= character <= "\u309f":
        return "hiragana"
    if "\u30a0" <= character <= "\u30ff" or "\uff66" <= character <= "\uff9f":
        return "katakana"
    if character.isascii():
        return "latin"
    return "kanji"  # kanji and anything else


def _runs(text: str) -> list[str]:
    """`text` cut into telephone numbers, ASCII runs and single other characters."""
    runs, position = [], 0
    for match in PHONE.finditer(text):
        runs += _latin_runs(text[position:match.start()])
        runs.append(match.group())
        position = match.end()
    return runs + _latin_runs(text[position:])


def _latin_runs(text: str) -> list[str]:
    runs, position = [], 0
    for match in LATIN.finditer(text):
        runs += list(text[position:match.start()])
        runs.append(match.group())
        position = match.end()
    return runs + list(text[position:])


def _may_break(before: str, after: str, *, at_script_changes: bool) -> bool:
    """Whether a line may end between the runs `before` and `after`."""
    last, first = before[-1], after[0]
    if first in CLOSING or last in OPENING or after.isspace():
        return False
    if last in BREAK_AFTER or first in OPENING:
        return True
    scripts = _script(last), _script(first)
    if scripts[0] == "hiragana" and scripts[1] != "hiragana":
        return True  # a word's kana ending, then the next word
    return at_script_changes and scripts[0] != scripts[1] and scripts[1] != "hiragana"


def pieces(text: str, *, at_script_changes: bool = False) -> list[str]:
    """`text` cut where a line may break; each piece keeps the spaces that follow it."""
    result: list[str] = []
    previous = ""
    for run in _runs(text):
        if previous and not _may_break(previous, run, at_script_changes=at_script_changes):
            result[-1] += run
        else:
            result.append(run)
        previous = run
    return result


def _width(text: str, style: ParagraphStyle) -> float:
    return stringWidth(text.rstrip(), style.fontName, style.fontSize)


def longest_piece(text: str, style: ParagraphStyle) -> float:
    """The width of the widest piece of `text`: the narrowest its column may be, padding
    aside, for no word of it to break."""
    return max((_width(piece, style) for piece in pieces(text)), default=0)


def fitted_widths(rows, widths: list[float], style: ParagraphStyle, *,
                  fixed: tuple[int, ...] = ()) -> list[float]:
    """Column widths for a table of `rows` (of text) summing to what `widths` sum to, each
    as given unless its longest piece needs more, which the other columns (not those in
    `fixed`) give up in proportion to their room to spare. A column never takes more than
    the others can spare: its longest pieces then break after all."""
    needed = [
        max((longest_piece(str(row[column]), style) for row in rows), default=0)
        + 2 * CELL_PADDING + SLACK
        for column in range(len(widths))
    ]
    result = list(widths)
    short = {column: needed[column] - width for column, width in enumerate(widths)
             if needed[column] > width}
    if not short:
        return result
    spare = {column: max(0.0, width - needed[column]) for column, width in enumerate(widths)
             if column not in short and column not in fixed}
    available = sum(spare.values())
    wanted = sum(short.values())
    share = min(1.0, available / wanted) if wanted else 0.0
    for column, missing in short.items():
        result[column] += missing * share
    taken = wanted * share
    for column, room in spare.items():
        if available:
            result[column] -= taken * room / available
    return result


def lines(text: str, width: float, style: ParagraphStyle) -> list[str]:
    """`text` set in lines no wider than `width`, broken only between pieces where it can.

    A line with the next piece is measured by adding that piece's width to the line's,
    not by measuring the whole line again (which made a long cell quadratic): in the
    font's units, which add up exactly, and scaled as stringWidth scales them."""
    scale = 0.001 * style.fontSize
    result: list[str] = []
    for paragraph in text.split("\n"):
        current, current_units = "", 0.0  # the line so far, its trailing spaces included
        for piece in _fitting(pieces(paragraph), width, style):
            word = piece.rstrip()
            units = current_units + _units(word, style) if word else _units(current.rstrip(), style)
            if current and scale * units > width:
                result.append(current.rstrip())
                current = piece.lstrip()
                current_units = _units(current, style)
            else:
                current += piece
                current_units += _units(piece, style)
        result.append(current.rstrip())
    return result


def _units(text: str, style: ParagraphStyle) -> float:
    """The width of `text` in the font's units (stringWidth at 1,000 points: their sum,
    unscaled)."""
    return stringWidth(text, style.fontName, 1000)


def _fitting(text_pieces: list[str], width: float, style: ParagraphStyle) -> list[str]:
    """The pieces, those wider than `width` cut where their script changes or, failing
    that, between characters."""
    result = []
    for piece in text_pieces:
        if _width(piece, style) <= width:
            result.append(piece)
            continue
        for part in pieces(piece, at_script_changes=True):
            if _width(part, style) <= width:
                result.append(part)
            else:
                result += list(part)
    return result


def cell(text, width: float, style: ParagraphStyle) -> Flowable:
    """A table cell of `text` for a column `width` wide (padding included). The lines
    are made here; reportlab only sets them, as they all fit."""
    usable = width - 2 * CELL_PADDING - SLACK
    text = "" if text is None else str(text)
    return SetLines(lines(text, usable, style), style)


# Less than reportlab's own check for a line too wide allows (_FUZZ), and more than the
# rounding by which its sum of each character's width and stringWidth may differ.
FITS_WITHIN = 0.01


class SetLines(Flowable):
    """Lines of plain text set one below the other exactly where a Paragraph of them,
    joined by <br/>, would set them, without its cost: a Paragraph parses its markup
    and, in Japanese (wordWrap="CJK"), measures and places every character on its own,
    again each time a table is measured, split across pages and drawn. A report's
    timeline of a thousand log entries spent most of its time there.

    It holds only where that Paragraph would set each line unchanged on a line of its
    own: each line fits the width given, has no run of spaces (which reportlab makes
    one) and no space at either end, and the style is plain (left-aligned, no indent or
    border). Otherwise, and for anything but measuring and drawing, it is that
    Paragraph."""

    def __init__(self, lines: list[str], style: ParagraphStyle):
        super().__init__()
        self.lines = lines
        self.style = style
        self._paragraph = None
        self._set_as_paragraph = True
        self._plain = bool(lines) and _plain_style(style) and all(map(_plain, lines))
        self._widest = None  # measured when first asked whether it fits

    @property
    def paragraph(self) -> Paragraph:
        if self._paragraph is None:
            self._paragraph = Paragraph("<br/>".join(escape(line) for line in self.lines),
                                        self.style)
        return self._paragraph

    def wrap(self, availWidth, availHeight):
        if self._plain and self._widest is None:
            style = self.style
            self._widest = max(stringWidth(line, style.fontName, style.fontSize)
                               for line in self.lines)
        self._set_as_paragraph = not self._plain or self._widest > availWidth - FITS_WITHIN
        if self._set_as_paragraph:
            return self.paragraph.wrap(availWidth, availHeight)
        self.width, self.height = availWidth, len(self.lines) * self.style.leading
        return self.width, self.height

    def drawOn(self, canvas, x, y, _sW=0):
        if self._set_as_paragraph:
            return self.paragraph.drawOn(canvas, x, y, _sW)
        # As Paragraph.drawPara: the first baseline a font size below the top, each
        # next line a leading below the one before; placed where it is, not by moving
        # the canvas there (a thousand cells, each a translation to write).
        style = self.style
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        text = canvas.beginText(self._hAlignAdjust(x, _sW), y + self.height - style.fontSize)
        text.setFont(style.fontName, style.fontSize, style.leading)
        for line in self.lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.restoreState()
        return None

    def split(self, availWidth, availHeight):
        return self.paragraph.split(availWidth, availHeight)

    def minWidth(self):
        return self.paragraph.minWidth()

    def getPlainText(self):
        return "\n".join(self.lines)


def _plain(line: str) -> bool:
    """Whether a Paragraph sets `line` as it is: no space at either end and no run of
    them, no other white space (U+3000 among them) and no control character (a soft
    hyphen among them): what str.isprintable allows, less the spaces."""
    return (line.isprintable() and line != "" and line[0] != " " and line[-1] != " "
            and "  " not in line)


def _plain_style(style: ParagraphStyle) -> bool:
    return (style.wordWrap == "CJK" and style.alignment == TA_LEFT and not style.leftIndent
            and not style.rightIndent and not style.firstLineIndent and not style.backColor
            and not style.borderWidth and not style.textTransform and not style.shaping
            and getattr(style, "autoLeading", "") in ("", "off"))


def table_cells(rows, widths: list[float], style: ParagraphStyle, *,
                fixed: tuple[int, ...] = ()) -> tuple[list[list[Flowable]], list[float]]:
    """`rows` of text as cells for a Table, with the column widths they need."""
    fitted = fitted_widths(rows, widths, style, fixed=fixed)
    return [[cell(text, width, style) for text, width in zip(row, fitted, strict=True)]
            for row in rows], fitted
