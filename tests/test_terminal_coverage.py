"""The terminal-log review's coverage report (issue 19, point 6): figures worked out by hand
on a quarter built here through the models, months without look-ups read as what they are,
the page for coordinators only (everyone else 404), its PDF and workbook read back, and a
query count that does not grow with the look-ups."""

import datetime
import io
import itertools
import shutil
import subprocess
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from people.fiscal import Period
from terminal_logs.coverage import MonthState, coverage_for
from terminal_logs.models import (
    Finding,
    Operation,
    ReviewCampaign,
    ReviewItem,
    TerminalLogImport,
    TerminalLogSettings,
    TerminalLookup,
)

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 26)  # the clock fixture's day
S = MonthState
_keys = itertools.count()


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour),
                                     tzinfo=JST)


def lookup(organisation, day: str, department=None, person=None) -> TerminalLookup:
    batch = TerminalLogImport.objects.filter(organisation=organisation).first() or \
        TerminalLogImport.objects.create(
            organisation=organisation, file_name="log.csv", file_sha256="0" * 64,
            imported_at=at("2026-10-01"), rows_in_file=0, rows_imported=0)
    key = next(_keys)
    return TerminalLookup.objects.create(
        batch=batch, organisation=organisation, looked_up_at=at(day), terminal="CS-01",
        operator_reference=person.employee_number if person else "X9", person=person,
        department=department, operation=Operation.INQUIRY, operation_raw="照会",
        conditions_hash=f"{key:064x}", masked="阿蘇 *** / 昭和**年", result_count=1,
        row_key=f"{key:032x}")


def campaign(organisation, quarter, *, sent=True) -> ReviewCampaign:
    return ReviewCampaign.objects.create(
        organisation=organisation, fiscal_year=2026, quarter=quarter, seed=19,
        drawn_at=at("2026-10-05"), sent_at=at("2026-10-05", 11) if sent else None,
        answers_due_on=datetime.date(2026, 10, 20) if sent else None)


def item(the_lookup, *, campaign=None, finding=None, state=ReviewItem.State.EXPLAINED,
         due_on=datetime.date(2026, 10, 20)) -> ReviewItem:
    return ReviewItem.objects.create(
        campaign=campaign, finding=finding, lookup=the_lookup,
        drawn_because=(ReviewItem.Reason.RETROSPECTIVE if finding else
                       ReviewItem.Reason.SAMPLED),
        department=the_lookup.department or the_lookup.organisation.departments.first(),
        due_on=due_on, state=state)


def finding(the_item, *, closed=False) -> Finding:
    return Finding.objects.create(
        item=the_item, organisation=the_item.lookup.organisation,
        department=the_item.department, operator=the_item.lookup.person,
        found_on=datetime.date(2026, 10, 15), checked_back_from=datetime.date(2026, 4, 15),
        closed_at=at("2026-11-20") if closed else None)


@pytest.fixture
def quarter(clock, prefecture, department_a, department_b, operator):
    """FY2026 Q2 (July to September) of 熊本県, reviewed in October:

    | department | July                       | August                        | September            |
    | A          | 3 look-ups, 2 drawn and    | 2 look-ups, 1 drawn, pending  | none                 |
    |            | answered (1 a finding)     | since 20 Oct; the other       |                      |
    |            |                            | checked back (due 10 Dec)     |                      |
    | B          | 1 look-up, not drawn       | none                          | 2, both drawn and    |
    |            |                            |                               | answered (1 a closed |
    |            |                            |                               | finding)             |
    | nobody     |                            |                               | 1, not drawn         |
    """
    unexplained = ReviewItem.State.UNEXPLAINED
    q2 = campaign(prefecture, 2)
    a_july = [lookup(prefecture, f"2026-07-{day:02d}", department_a, operator)
              for day in (6, 7, 8)]
    a_august = [lookup(prefecture, f"2026-08-{day:02d}", department_a, operator)
                for day in (3, 4)]
    b_july = lookup(prefecture, "2026-07-09", department_b)
    b_september = [lookup(prefecture, f"2026-09-{day:02d}", department_b) for day in (1, 2)]
    lookup(prefecture, "2026-09-03")  # matching nobody
    item(a_july[0], campaign=q2)
    found = finding(item(a_july[1], campaign=q2, state=unexplained))
    item(a_august[0], campaign=q2, state=ReviewItem.State.PENDING)
    item(a_august[1], finding=found, state=ReviewItem.State.PENDING,
         due_on=datetime.date(2026, 12, 10))
    item(b_september[0], campaign=q2)
    finding(item(b_september[1], campaign=q2, state=unexplained), closed=True)
    return {"a_july": a_july, "b_july": b_july}


def figures(row):
    return (row.lookups, row.drawn, row.reviewed, row.overdue, row.findings_open,
            row.findings_closed, [cell.state for cell in row.months],
            (row.months_covered, row.months_with_lookups))


def test_a_quarters_figures_worked_out_by_hand(quarter, prefecture):
    coverage = coverage_for(prefecture, Period(2026, 2), today=TODAY)

    a, b, nobody = coverage.departments
    assert (a.name, b.name, nobody.name) == ("県北広域本部福祉課", "球磨地域振興局用地課",
                                             "該当者なしの操作者")
    # A: 5 look-ups; 3 drawn by the campaign and 1 checked back; 2 answered; the August
    # one pending past 20 October; the finding from July still open.
    assert figures(a) == (5, 4, 2, 1, 1, 0, [S.COVERED, S.IN_REVIEW, S.NO_LOOKUPS], (1, 2))
    assert figures(b) == (3, 2, 2, 0, 0, 1, [S.NOT_REVIEWED, S.NO_LOOKUPS, S.COVERED], (1, 2))
    assert figures(nobody) == (1, 0, 0, 0, 0, 0,
                               [S.NO_LOOKUPS, S.NO_LOOKUPS, S.NOT_REVIEWED], (0, 1))
    # The organisation's month is its least reviewed department's; the look-up matching
    # nobody counts in the totals but does not make September unreviewed.
    assert figures(coverage.total) == (
        9, 6, 4, 1, 1, 1, [S.NOT_REVIEWED, S.IN_REVIEW, S.COVERED], (1, 3))
    assert [cell.lookups for cell in coverage.total.months] == [4, 2, 3]


def test_an_answer_is_overdue_only_after_its_due_date(quarter, prefecture, clock):
    clock.move_to(datetime.datetime(2026, 10, 20, 18, 0, tzinfo=JST))
    on_the_day = coverage_for(prefecture, Period(2026, 2), today=datetime.date(2026, 10, 20))
    assert on_the_day.total.overdue == 0
    next_day = coverage_for(prefecture, Period(2026, 2), today=datetime.date(2026, 10, 21))
    assert next_day.total.overdue == 1


def test_a_retrospective_check_counts_as_reviewed_but_covers_no_month(
        clock, prefecture, department_a, operator):
    q2 = campaign(prefecture, 2)
    july = lookup(prefecture, "2026-07-06", department_a, operator)
    found = finding(item(lookup(prefecture, "2026-08-06", department_a, operator),
                         campaign=q2, state=ReviewItem.State.UNEXPLAINED))
    item(july, finding=found)

    [a] = coverage_for(prefecture, Period(2026, 2), today=TODAY).departments

    assert (a.lookups, a.drawn, a.reviewed) == (2, 2, 2)
    assert [cell.state for cell in a.months] == [S.NOT_REVIEWED, S.COVERED, S.NOT_IMPORTED]


def test_months_without_look_ups_read_as_what_they_are(clock, prefecture, department_a):
    """FY2026 as of 26 November: logs from June to October. April and May come before
    them, November after them, December onwards has not begun. June's quarter ended with
    no campaign: not reviewed. October's quarter is still running: awaiting."""
    lookup(prefecture, "2026-06-15", department_a)
    lookup(prefecture, "2026-10-15", department_a)

    [a] = coverage_for(prefecture, Period(2026), today=TODAY).departments

    assert [cell.state for cell in a.months] == [
        S.BEFORE_LOGS, S.BEFORE_LOGS, S.NOT_REVIEWED,
        S.NO_LOOKUPS, S.NO_LOOKUPS, S.NO_LOOKUPS,
        S.AWAITING, S.NOT_IMPORTED, S.FUTURE,
        S.FUTURE, S.FUTURE, S.FUTURE]
    assert (a.months_covered, a.months_with_lookups) == (0, 2)


def test_a_drawn_campaign_not_yet_sent_leaves_its_quarter_awaiting(clock, prefecture,
                                                                   department_a):
    july = lookup(prefecture, "2026-07-06", department_a)
    q2 = campaign(prefecture, 2, sent=False)
    item(july, campaign=q2, state=ReviewItem.State.PENDING, due_on=None)

    [a] = coverage_for(prefecture, Period(2026, 2), today=TODAY).departments

    assert a.months[0].state == S.AWAITING
    assert (a.drawn, a.overdue) == (0, 0)  # not yet put to anyone


def test_months_past_retention_read_as_such(clock, prefecture, department_a):
    TerminalLogSettings.objects.create(organisation=prefecture, retention_years=1)
    lookup(prefecture, "2026-01-15", department_a)  # kept from 26 November 2025

    coverage = coverage_for(prefecture, Period(2025), today=TODAY)

    states = [cell.state for cell in coverage.total.months]
    assert states[:7] == [S.OUTSIDE_RETENTION] * 7  # April to October 2025
    assert states[7:] == [S.BEFORE_LOGS, S.BEFORE_LOGS, S.NOT_REVIEWED, S.NOT_IMPORTED,
                          S.NOT_IMPORTED]


def test_a_month_of_look_ups_matching_nobody_only_is_theirs(clock, prefecture):
    lookup(prefecture, "2026-07-06")

    coverage = coverage_for(prefecture, Period(2026, 2), today=TODAY)

    assert coverage.total.months[0].state == S.NOT_REVIEWED


def test_an_organisation_without_look_ups_has_only_its_total(clock, prefecture):
    coverage = coverage_for(prefecture, Period(2026, 1), today=TODAY)
    assert coverage.departments == [] and not coverage.has_lookups
    assert [cell.state for cell in coverage.total.months] == [S.BEFORE_LOGS] * 3


# The pages


def coverage_url(year=2026, name="terminal_logs:coverage"):
    return reverse(name, args=[year])


@pytest.mark.parametrize("name", ["terminal_logs:coverage", "terminal_logs:coverage_pdf",
                                  "terminal_logs:coverage_xlsx"])
@pytest.mark.parametrize("who", ["operator", "supervisor", "evaluator", "outsider"])
def test_only_coordinators_open_the_report(request, login, quarter, evaluator, outsider,
                                           supervisor, name, who):
    assert login(request.getfixturevalue(who)).get(coverage_url(name=name)).status_code == 404


def test_the_coordinator_reads_the_quarter(login, quarter, coordinator, prefecture):
    response = login(coordinator).get(coverage_url(), {"quarter": 2})
    page = response.content.decode()
    assert response.status_code == 200
    assert "令和8年度 第2四半期" in page and "県北広域本部福祉課" in page
    a_row = next(figures for row, figures in response.context["rows"]
                 if row.name == "県北広域本部福祉課")
    assert a_row == ["県北広域本部福祉課", "1 / 2", 5, 4, 2, 1, 1, 0]
    assert response.context["total"] == ["合計", "1 / 3", 9, 6, 4, 1, 1, 1]
    # The chart: one cell per department and month, the total's row included, each
    # saying its month in words.
    assert page.count('<g class="cell">') == 4 * 3
    assert "県北広域本部福祉課 7月：点検済（照会3件中2件点検済）" in page
    assert "球磨地域振興局用地課 7月：未点検" in page
    assert "点検状況" in page  # the tab, from every terminal-log page
    lookups = login(coordinator).get(reverse("terminal_logs:lookups")).content.decode()
    assert reverse("terminal_logs:coverage_current") in lookups


def test_the_current_year_is_the_default(login, clock, coordinator):
    response = login(coordinator).get(reverse("terminal_logs:coverage_current"))
    assert response.status_code == 302 and response["Location"] == coverage_url(2026)


def test_a_city_coordinator_sees_only_their_own_organisation(login, quarter, city,
                                                             city_coordinator, prefecture):
    client = login(city_coordinator)
    refused = client.get(coverage_url(), {"organisation": prefecture.pk})
    assert refused.status_code == 400
    assert "候補にありません" in refused.content.decode()
    own = client.get(coverage_url())
    assert own.status_code == 200 and own.context["coverage"].organisation == city
    assert "県北広域本部福祉課" not in own.content.decode()
    assert client.get(coverage_url(name="terminal_logs:coverage_pdf"),
                      {"organisation": prefecture.pk}).status_code == 404


def test_bad_periods_are_refused(login, clock, coordinator):
    client = login(coordinator)
    response = client.get(coverage_url(), {"quarter": "9"})
    assert response.status_code == 400
    assert "候補にありません" in response.content.decode()
    assert client.get(coverage_url(1999)).status_code == 404
    assert client.get(coverage_url(2027)).status_code == 404  # not begun
    assert client.get(coverage_url(name="terminal_logs:coverage_xlsx"),
                      {"quarter": "x"}).status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(login, quarter, coordinator, prefecture,
                                                  department_a, department_b,
                                                  django_assert_num_queries):
    client = login(coordinator)
    client.get(coverage_url())  # the session and the user, read once warm
    # session, user, scope (person, roles and grant in one query), the organisations (for
    # the choice and again for the form's check), then the figures: settings, first and
    # last look-up, look-ups by department and month, reviews by department and month,
    # findings by department, campaigns, departments.
    with django_assert_num_queries(11) as few:
        client.get(coverage_url())
    q3 = campaign(prefecture, 3)
    for day in range(1, 20):
        for department in (department_a, department_b):
            item(lookup(prefecture, f"2026-10-{day:02d}", department), campaign=q3)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(coverage_url())


def test_the_workbook_reads_back(login, quarter, coordinator):
    response = login(coordinator).get(coverage_url(name="terminal_logs:coverage_xlsx"),
                                      {"quarter": 2})
    assert response.status_code == 200
    assert "terminal-log-coverage-430005-2026-q2.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    figures_sheet, months_sheet = workbook.worksheets
    assert (figures_sheet.title, months_sheet.title) == ("所属別点検状況", "所属別・月別")
    rows = [[cell.value for cell in row] for row in figures_sheet.iter_rows()]
    assert rows[0] == ["所属", "点検済の月", "照会件数", "点検対象", "点検済", "回答期限超過",
                       "指摘（未完了）", "指摘（完了）"]
    assert rows[1] == ["県北広域本部福祉課", "1 / 2", 5, 4, 2, 1, 1, 0]
    assert rows[-1] == ["合計", "1 / 3", 9, 6, 4, 1, 1, 1]
    months = [[cell.value for cell in row] for row in months_sheet.iter_rows()]
    assert months[0] == ["所属", "2026年7月", "2026年8月", "2026年9月"]
    assert months[2] == ["球磨地域振興局用地課", "未点検", "照会なし", "点検済"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_the_pdf_reads_back(login, quarter, coordinator):
    response = login(coordinator).get(coverage_url(name="terminal_logs:coverage_pdf"),
                                      {"quarter": 2})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content,
                          capture_output=True, check=True).stdout.decode()
    assert "端末アクセスログ点検の実施状況 令和8年度 第2四半期" in text
    assert "令和8年7月1日～令和8年9月30日" in text and "令和8年11月26日現在" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "県北広域本部福祉課 1/2 5 4 2 1 1 0" in lines
    assert "合計 1/3 9 6 4 1 1 1" in lines
    # The chart: the months across, a mark per cell, the legend in words.
    assert any(line.startswith("7月 8月 9月") for line in lines)
    assert "球磨地域振興局用地課 × 0 ○" in lines
    assert "未点検: 照会があったのに、点検で抽出されていません。" in lines
