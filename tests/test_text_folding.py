"""core.text: the one folding of character widths (issue 18, point 9), by worked example."""

import pytest

from core.text import fold_width, typed_code


@pytest.mark.parametrize(("typed", "folded"), [
    ("ﾊﾟｽﾜｰﾄﾞ", "パスワード"),  # half-width katakana, with its sound marks composed
    ("照合ＩＤ", "照合ID"),  # full-width letters
    ("０３００", "0300"),  # full-width digits: a code keeps its leading zero
    ("記録　検証", "記録 検証"),  # the full-width space
    ("パスワード", "パスワード"),  # already usual: unchanged
    (None, ""),
])
def test_widths_fold_to_the_usual_form(typed, folded):
    assert fold_width(typed) == folded


@pytest.mark.parametrize("typed", ["ABCD2345", "abcd-2345", "ａｂｃｄ－２３４５", " ＡＢＣＤ　２３４５ "])
def test_a_typed_code_keeps_its_letters_and_digits_in_upper_case(typed):
    assert typed_code(typed) == "ABCD2345"
