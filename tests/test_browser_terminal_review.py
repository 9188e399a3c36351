"""The terminal-log review in a real browser (issue 19): the coordinator imports a month
of the terminals' log, and the coverage report shows the month as it stands."""

import pytest

from terminal_logs.models import TerminalLookup
from tests.conftest import log_in
from tests.test_terminal_logs import csv_file, row

pytestmark = pytest.mark.browser


@pytest.fixture
def september_log(tmp_path, operator, colleague, other_supervisor):
    """September 2026 (the second quarter's last month): look-ups by department A's
    operator and colleague, and one by department B's supervisor."""
    rows = [row(at=f"2026-09-{day:02d} 10:{minute:02d}:00", operator=who,
                resident=f"4300{day:02d}{minute:02d}0001")
            for day in (1, 2, 3, 8, 9) for minute, who in ((5, "operator"), (20, "colleague"))]
    rows.append(row(at="2026-09-10 11:00:00", operator="other_supervisor",
                    resident="430010110001"))
    path = tmp_path / "端末アクセスログ_2026年09月分.csv"
    path.write_bytes(csv_file(rows))
    return path


def test_a_month_imported_shows_in_the_coverage_report(page, live_server, clock, coordinator,
                                                       supervisor, september_log):
    log_in(page, live_server, "coordinator")
    page.get_by_role("link", name="端末アクセスログ").first.click()
    page.get_by_role("link", name="ログの取込").click()
    page.get_by_label("アクセスログの抽出ファイル").set_input_files(str(september_log))
    page.get_by_role("button", name="ファイルを確認する").click()
    page.get_by_role("button", name="これらの照会を取り込む").click()
    assert TerminalLookup.objects.count() == 11

    page.get_by_role("link", name="点検状況").click()
    page.get_by_label("対象期間").select_option(label="第2四半期")
    page.get_by_role("button", name="表示").click()
    figures = page.locator("#coverage-figures")
    department_a = figures.locator("tbody tr", has_text="県北広域本部福祉課")
    # Ten look-ups in September, none drawn: the quarter is over, so the month is not
    # reviewed; July and August come before the logs.
    assert department_a.locator("td").all_inner_texts() == ["0 / 1", "10", "0", "0", "0", "0",
                                                            "0"]
    cell = page.locator("svg.coverage-chart g.cell", has_text="×").first
    assert "9月：未点検" in cell.locator("title").text_content()
    assert "7月：ログ取込開始前" in page.locator("svg.coverage-chart").inner_html()
