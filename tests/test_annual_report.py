"""The annual report to the protection council (/reports/annual/<fiscal year>/): its
figures worked out by hand, the draft, finalising once, and who may see it."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from people.fiscal import FiscalYear
from people.models import IdGrant
from reports.annual.figures import annual_figures
from reports.models import AnnualDraft, AnnualReport
from tests.conftest import make_person
from tests.letterheads import letterhead_post

JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's moment


def table(figures, key):
    return next(table for table in figures.tables if table.key == key)


def row_of(table, name):
    return next(row for row in table.rows if row[0] == name)


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode()


@pytest.fixture
def year(clock, prefecture, city, department_a, department_b, operator, colleague, outsider):
    """熊本県: the operator (granted 2026-04-10, new this year) and the colleague (2023);
    a leaver granted 2025-05-01 and revoked 2026-06-30 (an ID holder last year, not on
    the report date); 熊本市: the outsider (granted 2025-05-01)."""
    leaver = make_person("leaver", department_b, name="木村 奈緒",
                         granted_on=datetime.date(2025, 5, 1))
    IdGrant.objects.filter(person=leaver).update(revoked_on=datetime.date(2026, 6, 30))
    return FiscalYear(2026)


def test_the_id_holders_worked_out_by_hand(year):
    figures = annual_figures(year, now=NOW)
    holders = table(figures, "id_holders")
    # 熊本県 on 2026-11-26: operator (new) and colleague hold IDs; the leaver's was revoked.
    # On 2026-03-31 (the last day of FY2025): the colleague and the leaver, the leaver new.
    assert row_of(holders, "熊本県") == ["熊本県", 2, 1, "50%", 2, 1]
    assert row_of(holders, "熊本市") == ["熊本市", 1, 0, "0%", 1, 1]
    assert holders.total == ["合計", 3, 1, "33.3%", 3, 2]
    assert figures.report_date == datetime.date(2026, 11, 26)
    assert figures.has_records


def test_a_grant_on_31_march_is_new_in_that_year_and_one_on_1_april_in_the_next(
        clock, prefecture, department_a):
    make_person("march", department_a, name="三月 一", granted_on=datetime.date(2027, 3, 31))
    make_person("april", department_a, name="四月 二", granted_on=datetime.date(2027, 4, 1))
    clock.move_to(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=JST))
    now = datetime.datetime(2027, 4, 2, 9, 0, tzinfo=JST)
    # FY2026 as it stood on its last day, 2027-03-31: only the March grant, new.
    last_year = table(annual_figures(FiscalYear(2026), now=now), "id_holders")
    assert row_of(last_year, "熊本県")[1:3] == [1, 1]
    # FY2027 on 2027-04-02: both hold IDs; only the April grant is new this year.
    this_year = table(annual_figures(FiscalYear(2027), now=now), "id_holders")
    assert row_of(this_year, "熊本県")[1:3] == [2, 1]
    assert row_of(this_year, "熊本県")[4:] == [1, 1]  # the previous year's column


def test_a_person_who_moved_department_is_counted_once(year, operator, department_b):
    operator.department = department_b
    operator.save()
    holders = table(annual_figures(year, now=NOW), "id_holders")
    assert row_of(holders, "熊本県")[1] == 2


def test_the_duties_per_organisation_are_the_duty_matrix_counts(year, closed_session):
    duties = table(annual_figures(year, now=NOW), "duties")
    prefecture = row_of(duties, "熊本県")
    # Two ID holders; the operator attended the closed session, the colleague did not and
    # is still to be briefed; nobody has passed the quiz or holds a certificate.
    columns = dict(zip(duties.columns, prefecture, strict=True))
    assert prefecture[1] == 2
    assert columns["研修会出席"] == "1 / 2 (50%)"
    assert columns["有効な修了証"] == "0 / 2 (0%)"
    assert columns["年次訓練の実施"] == 0


def test_sessions_attendees_and_the_share_of_new_id_holders(year, closed_session):
    # closed_session: held 2026-11-20 for department A; the operator (new) attended, the
    # colleague (granted 2023) did not.
    sessions = table(annual_figures(year, now=NOW), "sessions")
    assert row_of(sessions, "熊本県") == ["熊本県", 1, 1, 1, "100%"]
    sharing = table(annual_figures(year, now=NOW), "sharing")
    # The colleague is to be briefed by 2026-12-26: not briefed, not overdue, no report.
    assert sharing.rows == [["熊本県 県北広域本部福祉課", 1, 0, 0, 0, 1, 0]]


def test_a_year_with_no_records_says_so_and_cannot_be_finalised(clock, coordinator, login):
    # Only the coordinator exists, who holds no ID: nothing to report for FY2025.
    client = login(coordinator)
    response = client.get(reverse("reports:annual", args=[2025]))
    assert response.status_code == 200
    assert "この年度の記録はありません" in response.content.decode()
    assert "id=\"finalise-button\"" not in response.content.decode()
    response = finalise(client, 2025)
    assert "報告するものがありません" in response.content.decode()
    assert not AnnualReport.objects.exists()


def finalise(client, year, **form):
    """Post the finalise form as the page renders it: with the moment its draft was
    counted."""
    counted_at = AnnualDraft.objects.get(fiscal_year=year).counted_at.isoformat()
    return client.post(reverse("reports:annual_finalise", args=[year]),
                       {"confirm": "on", "counted_at": counted_at, **letterhead_post(), **form},
                       follow=True)


def test_finalising_freezes_the_figures_and_the_pdf_once(year, coordinator, login,
                                                         department_a):
    client = login(coordinator)
    assert 'name="counted_at"' in client.get(reverse("reports:annual", args=[2026])).content.decode()
    draft = client.get(reverse("reports:annual_pdf", args=[2026]))
    assert draft["Content-Type"] == "application/pdf"
    assert "下書き" in pdf_text(draft.content)

    refused = client.post(reverse("reports:annual_finalise", args=[2026]), follow=True)
    assert "チェック" in refused.content.decode() and not AnnualReport.objects.exists()

    finalise(client, 2026)
    final = AnnualReport.objects.get(fiscal_year=2026)
    assert final.finalised_by == coordinator
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_FINALISED)
    assert event.actor == coordinator.user and event.object_id == str(final.pk)

    # A new ID holder after finalising changes the draft figures, not the final report.
    make_person("newcomer", department_a, name="新人 三", granted_on=datetime.date(2026, 11, 1))
    page = client.get(reverse("reports:annual", args=[2026])).content.decode()
    assert "確定" in page and "finalise-button" not in page
    holders = table(annual_figures(year, now=NOW), "id_holders")
    assert row_of(holders, "熊本県")[1] == 3
    text = pdf_text(client.get(reverse("reports:annual_pdf", args=[2026])).content)
    assert "下書き" not in text and "個人情報保護審議会" in text
    assert bytes(final.pdf) == client.get(reverse("reports:annual_pdf", args=[2026])).content
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get(reverse("reports:annual_xlsx", args=[2026])).content))
    first = workbook.worksheets[0]
    assert [cell.value for cell in first[2]][:3] == ["熊本県", 2, 1]  # frozen: not 3

    again = finalise(client, 2026)
    assert "すでに確定" in again.content.decode()
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize("url", [
    reverse("reports:annual_current"),
    reverse("reports:annual", args=[2026]),
    reverse("reports:annual_pdf", args=[2026]),
    reverse("reports:annual_xlsx", args=[2026]),
])
def test_anyone_but_a_prefecture_coordinator_is_answered_404(year, url, city_coordinator,
                                                             supervisor, login):
    for person in (city_coordinator, supervisor):
        assert login(person).get(url).status_code == 404
    for action in ("annual_finalise", "annual_recount"):
        response = login(city_coordinator).post(reverse(f"reports:{action}", args=[2026]),
                                                {"confirm": "on"})
        assert response.status_code == 404
    assert not AnnualReport.objects.exists() and not AnnualDraft.objects.exists()


@pytest.mark.parametrize("year_asked", [1999, 2027])
def test_a_year_before_the_platform_or_still_to_come_is_not_found(clock, coordinator, login,
                                                                   year_asked):
    assert login(coordinator).get(reverse("reports:annual", args=[year_asked])).status_code == 404


def test_the_current_year_is_the_default(clock, coordinator, login):
    response = login(coordinator).get(reverse("reports:annual_current"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:annual", args=[2026])
