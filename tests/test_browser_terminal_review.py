"""The terminal-log review in a real browser (issue 19): the coordinator imports a month
of the terminals' log, draws the quarter's sample and sends it; the supervisor answers one
look-up with its document and finds no reason for another; the finding appears with its
retrospective check of the operator's earlier look-ups; and the coverage report shows it
all."""

import pytest

from terminal_logs.models import Finding, ReviewItem, TerminalLookup
from tests.conftest import log_in
from tests.test_terminal_logs import csv_file, row, run

pytestmark = pytest.mark.browser


@pytest.fixture
def june_log(clock, prefecture, operator, colleague, coordinator):
    """The operator's look-ups of June, imported before: what a retrospective check after
    a finding in September looks back at."""
    run(prefecture, csv_file([row(at=f"2026-06-{day:02d} 10:00:00", resident=f"43006{day:02d}0001")
                              for day in (1, 2, 3)]), by=coordinator, file_name="june.csv")


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


def test_import_draw_answer_find_and_see_the_coverage(browser, page, live_server, clock,
                                                      coordinator, supervisor, june_log,
                                                      september_log):
    # The coordinator imports September's log.
    log_in(page, live_server, "coordinator")
    page.get_by_role("link", name="端末アクセスログ").first.click()
    page.get_by_role("link", name="ログの取込").click()
    page.get_by_label("アクセスログの抽出ファイル").set_input_files(str(september_log))
    page.get_by_role("button", name="ファイルを確認する").click()
    page.get_by_role("button", name="これらの照会を取り込む").click()
    assert TerminalLookup.objects.count() == 3 + 11

    # ... draws the second quarter's sample (the last complete one: the form's default),
    # reads why each department got its share, and sends it.
    page.get_by_role("link", name="四半期の照会検証").click()
    page.get_by_role("button", name="抽出する", exact=True).click()
    assert page.locator("table.shares").is_visible()
    page.get_by_role("button", name="所属長へ送付する").click()
    drawn = ReviewItem.objects.filter(campaign__isnull=False, department=supervisor.department)
    assert drawn.count() >= 2 and drawn.first().campaign.sent_at is not None

    # The supervisor answers one with its document and finds no reason for another.
    supervisor_page = browser.new_context().new_page()
    log_in(supervisor_page, live_server, "supervisor")
    supervisor_page.goto(f"{live_server.url}/terminal-logs/review/look-ups/")
    supervisor_page.locator("table.lookups tbody tr", has_text="佐藤 次郎").first.locator(
        "a").click()
    supervisor_page.get_by_label("業務上の理由を確認した").check()
    supervisor_page.locator("#id_business_reason").fill("転入届の受付に伴う本人確認")
    supervisor_page.get_by_label("根拠書類の種類").fill("転入届")
    supervisor_page.get_by_label("根拠書類の番号").fill("R8-0912")
    supervisor_page.get_by_role("button", name="回答を記録する").click()
    assert supervisor_page.get_by_text("回答を記録しました。").is_visible()
    # The operator's look-up: their June look-ups are there to be checked back.
    supervisor_page.locator("table.lookups tbody tr", has_text="山田 花子").first.locator(
        "a").click()
    unexplained_item = supervisor_page.url.rstrip("/").rsplit("/", 1)[-1]
    supervisor_page.get_by_label("業務上の理由が確認できない").check()
    supervisor_page.locator("#id_business_reason").fill("該当する申請書が見当たらない")
    supervisor_page.get_by_role("button", name="回答を記録する").click()
    finding = Finding.objects.get(item_id=int(unexplained_item))

    # The finding appears with its retrospective check of the operator's earlier look-ups.
    page.goto(f"{live_server.url}/terminal-logs/review/findings/{finding.pk}/")
    retrospective = page.locator("table.lookups tbody tr")
    assert retrospective.count() == finding.retrospective_items.count() >= 1
    assert "2026-06-0" in retrospective.first.inner_text()

    # The coverage report shows it: September of department A drawn, two answers in,
    # the rest pending; the finding open.
    page.get_by_role("link", name="点検状況").click()
    page.get_by_label("対象期間").select_option(label="第2四半期")
    page.get_by_role("button", name="表示").click()
    department_a = page.locator("#coverage-figures tbody tr", has_text=supervisor.department.name)
    figures = department_a.locator("td").all_inner_texts()
    total_drawn = ReviewItem.objects.filter(lookup__department=supervisor.department,
                                            lookup__looked_up_at__month=9).count()
    assert figures[1:3] == ["10", str(total_drawn)]
    assert figures[3] == "2"  # reviewed: the two answers
    assert figures[5:] == ["1", "0"]  # the finding, open
    assert "9月：点検中（回答待ち）" in page.locator("svg.coverage-chart").inner_html()
