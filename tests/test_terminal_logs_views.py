"""The terminal logs' pages: the coordinator imports a log (preview, confirm), reads the
look-ups by flag and department, and keeps the watch-list; everyone else gets 404. The
pages are checked in Japanese."""


import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from terminal_logs import hashing
from terminal_logs.models import (
    TerminalLogImport,
    TerminalLogSettings,
    TerminalLookup,
    WatchedResident,
)
from terminal_logs.rules import Flag
from tests.test_terminal_logs import RESIDENT_ID, csv_file, row, run

URLS = ["terminal_logs:lookups", "terminal_logs:import", "terminal_logs:watchlist",
        "terminal_logs:settings"]


@pytest.fixture
def staff(operator, colleague, supervisor, coordinator):
    return {"operator": operator, "colleague": colleague}


def upload(client, prefecture, content, name="access-2026-11.csv"):
    return client.post(reverse("terminal_logs:import"), {
        "organisation": prefecture.pk, "encoding": "auto",
        "file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.mark.parametrize("name", URLS)
@pytest.mark.parametrize("who", ["operator", "supervisor", "evaluator", "outsider"])
def test_only_coordinators_open_the_pages(request, login, staff, evaluator, outsider, name, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name)).status_code in (404, 405)


def test_the_coordinator_imports_a_log_after_a_preview(clock, login, prefecture, staff,
                                                       coordinator):
    client = login(coordinator)
    content = csv_file([row(), row(at="2026-11-24 10:01:00", operator="X9"),
                        row(at="2026-11-24 10:01:00", operator="X9")])
    preview = upload(client, prefecture, content)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "取り込む照会" in page and "該当者なし" in page
    assert "阿蘇 *** / 昭和**年" in page and "阿蘇山" not in page
    assert not TerminalLookup.objects.exists()
    token = preview.context["token"]
    confirmed = client.post(reverse("terminal_logs:import_confirm"), {"token": token})
    assert confirmed.status_code == 302
    assert TerminalLookup.objects.count() == 2
    batch = TerminalLogImport.objects.get()
    assert (batch.rows_in_file, batch.rows_imported, batch.duplicates, batch.unmatched) == (
        3, 2, 1, 1)
    assert batch.imported_by == coordinator
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert event.object_id == str(batch.pk) and event.organisation_id == prefecture.pk
    # The token is used once.
    again = client.post(reverse("terminal_logs:import_confirm"), {"token": token})
    assert again.status_code == 302 and TerminalLookup.objects.count() == 2


def test_a_bad_file_is_refused_in_japanese_naming_the_cell(clock, login, prefecture, staff,
                                                           coordinator):
    client = login(coordinator)
    response = upload(client, prefecture, csv_file([row(), row(at="2027-01-01 09:00:00")]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "3行目" in page and "未来の日時" in page and "何も取り込んでいません" in page
    assert response.context["token"] is None


def test_a_file_over_the_limit_is_refused_before_it_is_read(clock, login, prefecture, staff,
                                                            coordinator, monkeypatch):
    monkeypatch.setattr("terminal_logs.views.LogUploadForm.max_kilobytes", 1)
    response = upload(login(coordinator), prefecture, csv_file([row()] * 30))
    assert response.status_code == 400
    assert "1 KB" in response.content.decode()


def test_a_city_coordinator_cannot_import_for_the_prefecture(clock, login, prefecture, staff,
                                                             city_coordinator):
    response = upload(login(city_coordinator), prefecture, csv_file([row()]))
    assert response.status_code == 400  # not a choice of theirs
    assert not TerminalLookup.objects.exists()


def test_the_list_filters_by_flag_and_department(clock, login, prefecture, staff, coordinator,
                                                 department_a, department_b):
    run(prefecture, csv_file([row(at="2026-11-24 10:00:00"),
                              row(at="2026-11-23 10:00:00", operator="colleague"),
                              row(at="2026-11-24 11:00:00", operator="X9")]))
    client = login(coordinator)
    url = reverse("terminal_logs:lookups")
    everything = client.get(url)
    assert len(everything.context["page"].lookups) == 3
    unknown = client.get(url, {"flag": Flag.UNKNOWN_OPERATOR})
    assert [lookup.operator_reference for lookup in unknown.context["page"].lookups] == ["X9"]
    assert "該当者なし" in unknown.content.decode()
    outside = client.get(url, {"flag": Flag.OUTSIDE_HOURS})
    assert [lookup.operator_reference for lookup in outside.context["page"].lookups] == ["colleague"]
    assert "閉庁日" in outside.content.decode()
    by_department = client.get(url, {"department": department_a.pk})
    assert len(by_department.context["page"].lookups) == 2
    assert client.get(url, {"department": department_b.pk}).context["page"].lookups == []


def test_the_list_is_audited_and_a_city_coordinator_sees_none_of_the_prefecture(
        clock, login, prefecture, staff, coordinator, city_coordinator):
    run(prefecture, csv_file([row()]))
    response = login(city_coordinator).get(reverse("terminal_logs:lookups"))
    assert response.status_code == 200
    assert response.context["page"].lookups == []
    assert "山田" not in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST_VIEWED).count() == 1


def test_the_list_takes_a_fixed_number_of_queries(clock, login, prefecture, staff, coordinator,
                                                  django_assert_num_queries):
    run(prefecture, csv_file([row(at=f"2026-11-24 10:{minute:02d}:00") for minute in range(5)]))
    client = login(coordinator)
    url = reverse("terminal_logs:lookups")
    client.get(url)  # the session and the user, read once warm
    # session, user, scope (person, roles, grant), the organisations and the departments
    # of the one chosen for the filter, the page of look-ups with person and department
    # (no count: keyset pages), and the list's audit event (savepoint, chain head,
    # insert, chain hash, release).
    with django_assert_num_queries(11) as few:
        client.get(url)
    run(prefecture, csv_file([row(at=f"2026-11-24 {11 + n // 60}:{n % 60:02d}:00",
                                  operator="colleague") for n in range(80)]),
        file_name="more.csv")
    with django_assert_num_queries(len(few.captured_queries)):
        first = client.get(url)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url, {"after": first.context["page"].next_key, "flag": -1})


def test_the_list_pages_through_every_look_up_newest_first_and_back(
        clock, login, prefecture, staff, coordinator):
    times = [f"2026-11-24 {9 + n // 60:02d}:{n % 60:02d}:00" for n in range(120)]
    # Two look-ups in the same second: the key (time, organisation, row key) orders them.
    run(prefecture, csv_file([row(at=at) for at in times]
                             + [row(at=times[70], operator="colleague")]))
    client = login(coordinator)
    url = reverse("terminal_logs:lookups")
    pages, response = [], client.get(url)
    assert "after=" in response.content.decode() and "before=" not in response.content.decode()
    while True:
        page = response.context["page"]
        pages.append(page)
        if page.next_key is None:
            break
        response = client.get(url, {"after": page.next_key})
    assert [len(page.lookups) for page in pages] == [50, 50, 21]
    seen = [lookup.pk for page in pages for lookup in page.lookups]
    assert seen == list(TerminalLookup.objects.order_by(
        "-looked_up_at", "-organisation_id", "-row_key").values_list("pk", flat=True))
    assert pages[0].previous_key is None and pages[1].previous_key is not None
    back = client.get(url, {"before": pages[2].previous_key}).context["page"]
    assert [lookup.pk for lookup in back.lookups] == [lookup.pk for lookup in pages[1].lookups]
    assert back.previous_key == pages[1].previous_key
    first = client.get(url, {"before": pages[1].previous_key}).context["page"]
    assert [lookup.pk for lookup in first.lookups] == [lookup.pk for lookup in pages[0].lookups]
    assert first.previous_key is None


def test_departments_are_offered_for_one_organisation_at_a_time(
        clock, login, prefecture, city, city_department, staff, coordinator, department_a):
    run(prefecture, csv_file([row()]))
    client = login(coordinator)
    url = reverse("terminal_logs:lookups")

    def offered(response):
        return {label for value, label in response.context["form"].fields["department"].choices
                if value}

    # Both organisations seen: no department until one is chosen.
    assert offered(client.get(url)) == set()
    assert "区民課" in offered(client.get(url, {"organisation": city.pk}))
    assert "区民課" not in offered(client.get(url, {"organisation": prefecture.pk}))
    # A link naming only the department (the coverage report's) finds its organisation.
    linked = client.get(url, {"department": department_a.pk})
    assert linked.context["form"]["organisation"].value() == str(prefecture.pk)
    assert len(linked.context["page"].lookups) == 1
    assert client.get(url, {"organisation": city.pk}).context["page"].lookups == []
    # A department of another organisation than the one chosen is refused, in words.
    refused = client.get(url, {"organisation": city.pk, "department": department_a.pk})
    assert "page" in refused.context and refused.context["form"].errors
    assert "正しく選択" in refused.content.decode()


def test_a_cursor_that_is_not_one_shows_the_first_page(clock, login, prefecture, staff,
                                                       coordinator):
    run(prefecture, csv_file([row()]))
    client = login(coordinator)
    url = reverse("terminal_logs:lookups")
    for cursor in ("x", "2026-11-24T10:00:00~1", "2026-11-24T10:00:00~a~b",
                   "2026-11-24T10:00:00~1~b"):
        response = client.get(url, {"after": cursor})
        assert response.status_code == 200 and len(response.context["page"].lookups) == 1


def test_the_watch_list_stores_only_the_hash(clock, login, prefecture, staff, coordinator):
    client = login(coordinator)
    response = client.post(reverse("terminal_logs:watchlist"), {
        "organisation": prefecture.pk, "identifier": RESIDENT_ID, "note": "著名人"})
    assert response.status_code == 302
    watched = WatchedResident.objects.get()
    assert watched.resident_hash == hashing.resident_hash(hashing.DEVELOPMENT_KEY, RESIDENT_ID)
    assert RESIDENT_ID not in str(list(WatchedResident.objects.values_list()))
    again = client.post(reverse("terminal_logs:watchlist"), {
        "organisation": prefecture.pk, "identifier": RESIDENT_ID, "note": "著名人"})
    assert again.status_code == 400 and "既に" in again.content.decode()
    page = client.get(reverse("terminal_logs:watchlist")).content.decode()
    assert "著名人" in page and RESIDENT_ID not in page


def test_the_navigation_links_coordinators_to_the_logs(login, staff, coordinator, operator):
    url = reverse("terminal_logs:lookups")
    assert url in login(coordinator).get(reverse("home")).content.decode()
    assert url not in login(operator).get(reverse("home")).content.decode()


def test_recent_imports_are_listed_on_the_import_page(clock, login, prefecture, staff,
                                                      coordinator):
    run(prefecture, csv_file([row()]), by=coordinator, file_name="2026年11月分.csv")
    page = login(coordinator).get(reverse("terminal_logs:import")).content.decode()
    assert "2026年11月分.csv" in page


def test_a_city_coordinator_cannot_watch_a_resident_for_the_prefecture(login, prefecture, city,
                                                                       city_coordinator):
    client = login(city_coordinator)
    refused = client.post(reverse("terminal_logs:watchlist"), {
        "organisation": prefecture.pk, "identifier": RESIDENT_ID, "note": "著名人"})
    assert refused.status_code == 400 and not WatchedResident.objects.exists()
    accepted = client.post(reverse("terminal_logs:watchlist"), {
        "organisation": city.pk, "identifier": RESIDENT_ID, "note": "著名人"})
    assert accepted.status_code == 302
    assert WatchedResident.objects.get().organisation == city


def test_the_coordinator_sets_retention_hours_and_limits(login, prefecture, city, coordinator,
                                                         city_coordinator):
    client = login(coordinator)
    url = f"{reverse('terminal_logs:settings')}?organisation={prefecture.pk}"
    assert client.get(url).context["form"].initial["retention_years"] == 5
    fields = {"retention_years": 7, "office_opens": "09:00", "office_closes": "17:45",
              "burst_limit": 20, "burst_minutes": 5, "spread_departments": 3, "spread_days": 14,
              "review_rate_percent": "2.5", "review_minimum": 4, "review_answer_working_days": 8}
    assert client.post(url, fields).status_code == 302
    saved = TerminalLogSettings.objects.get(organisation=prefecture)
    assert (saved.retention_years, saved.office_opens, saved.burst_limit) == (
        7, datetime.time(9), 20)
    assert (str(saved.review_rate_percent), saved.review_minimum,
            saved.review_answer_working_days) == ("2.50", 4, 8)
    refused = client.post(url, {**fields, "office_closes": "08:00"})
    assert refused.status_code == 400 and "勤務時間の終了" in refused.content.decode()
    # Another organisation's coordinator: 404 for the prefecture, their own city by default.
    other = login(city_coordinator)
    assert other.get(url).status_code == 404
    assert other.post(url, fields).status_code == 404
    assert other.get(reverse("terminal_logs:settings")).context["organisation"] == city
