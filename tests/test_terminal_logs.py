"""Importing the registry terminals' access logs (issue 19, point 1): hashing, matching,
all-or-nothing with each bad input named, re-import idempotence, retention.

Files are generated here, so each test shows the rows it feeds in. Service messages are
checked in English; the pages (tests/test_terminal_logs_views.py) in Japanese. The clock
stands at 2026-11-26 10:00 JST (conftest's `clock`).
"""

import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.apps import apps
from django.db import connection, models
from django.test import override_settings
from django.utils import translation

from audit import trail
from audit.models import AuditEvent
from people.models import IdGrant
from terminal_logs import hashing
from terminal_logs.importing import terminal_log_import
from terminal_logs.models import (
    Operation,
    ReviewCampaign,
    ReviewItem,
    TerminalLogImport,
    TerminalLogSettings,
    TerminalLookup,
)
from terminal_logs.retention import lookups_purge
from terminal_logs.rules import Flag

JST = ZoneInfo("Asia/Tokyo")
HEADER = ["日時", "端末", "操作者", "操作", "検索条件", "結果件数", "住民票コード"]
# A resident whose name and identifier must be nowhere in the database after an import.
RESIDENT_NAME = "阿蘇山 凛太郎"
RESIDENT_ID = "12345678901"
RESIDENT_BIRTH = "昭和45年3月1日"
CONDITIONS = f"氏名:{RESIDENT_NAME} 生年月日:{RESIDENT_BIRTH} 住所:熊本市中央区水前寺6丁目"


def row(at="2026-11-24 10:00:00", terminal="T-001", operator="operator", operation="照会",
        conditions=CONDITIONS, count="1", resident=RESIDENT_ID):
    return [at, terminal, operator, operation, conditions, count, resident]


def csv_file(rows, header=HEADER, encoding="utf-8"):
    lines = [header, *rows]
    return "".join(",".join(f'"{cell}"' for cell in line) + "\r\n" for line in lines).encode(
        encoding)


def run(organisation, content, *, by=None, dry_run=False, encoding="auto", now=None,
        file_name="access-2026-11.csv", **options):
    with translation.override("en"):
        return terminal_log_import(
            organisation=organisation, by=by, content=content, file_name=file_name,
            encoding=encoding, dry_run=dry_run,
            now=now or datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST), **options)


@pytest.fixture
def staff(operator, colleague, supervisor, coordinator):
    return {"operator": operator, "colleague": colleague}


# Hashing: no resident in clear


def text_columns():
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [field.column for field in model._meta.local_concrete_fields
                   if isinstance(field, models.CharField | models.TextField | models.JSONField)]
        if columns:
            yield model._meta.db_table, columns


def test_no_table_holds_the_resident_in_clear_after_an_import(clock, prefecture, staff,
                                                              coordinator):
    result = run(prefecture, csv_file([row(), row(at="2026-11-24 10:05:00", operator="nobody")]),
                 by=coordinator)
    assert result.written and result.new_rows == 2
    # The import's audit event, as the confirm view writes it.
    trail.record(None, AuditEvent.Action.IMPORTED, result.batch, organisation=prefecture,
                 detail=f"terminal log: {result.file_name}, {result.new_rows} look-ups")
    clear = [RESIDENT_NAME, RESIDENT_NAME.replace(" ", ""), "凛太郎", RESIDENT_ID,
             RESIDENT_BIRTH, "水前寺", CONDITIONS]
    found = []
    with connection.cursor() as cursor:
        for table, columns in text_columns():
            for column in columns:
                for text in clear:
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s',
                        [f"%{text}%"])
                    if cursor.fetchone()[0]:
                        found.append((table, column, text))
    assert found == []
    # What is stored instead: the masked form, and hashes that are the keyed ones.
    lookup = TerminalLookup.objects.order_by("looked_up_at").first()
    assert lookup.masked == "阿蘇 *** / 昭和**年"
    key = hashing.DEVELOPMENT_KEY
    assert lookup.resident_hash == hashing.resident_hash(key, RESIDENT_ID)
    assert lookup.conditions_hash == hashing.conditions_hash(key, CONDITIONS)
    assert lookup.resident_hash != hashing.resident_hash(b"another key", RESIDENT_ID)
    assert TerminalLookup.objects.filter(masked__contains="阿蘇").count() == 2


@pytest.mark.parametrize("conditions, shown", [
    ("氏名:熊本 太郎 生年月日:昭和45年3月1日", "熊本 *** / 昭和**年"),
    ("カナ=クマモト タロウ,S45.3.1", "クマ *** / 昭和**年"),
    ("熊本太郎 1990/5/1 男", "熊本 *** / 平成**年"),
    ("住民票コード 12345678901", "***"),
])
def test_the_masked_form_keeps_the_family_names_start_and_the_era(conditions, shown):
    assert hashing.masked(conditions) == shown


def test_width_and_spacing_do_not_change_a_hash():
    key = b"k"
    assert hashing.resident_hash(key, "１２３４５") == hashing.resident_hash(key, "12345")
    assert hashing.conditions_hash(key, "氏名:熊本　太郎") == hashing.conditions_hash(
        key, "氏名:熊本 太郎")


@override_settings(TERMINAL_LOG_KEY="", DEBUG=False, TESTING=False)
def test_production_without_a_key_refuses_to_import(prefecture, staff):
    result = run(prefecture, csv_file([row()]))
    assert not result.written
    assert "TERMINAL_LOG_KEY" in result.file_errors[0]
    assert not TerminalLookup.objects.exists()


@override_settings(TERMINAL_LOG_KEY="the-production-key")
def test_the_key_from_the_environment_is_the_one_used(clock, prefecture, staff):
    run(prefecture, csv_file([row()]))
    assert TerminalLookup.objects.get().resident_hash == hashing.resident_hash(
        b"the-production-key", RESIDENT_ID)


# Matching


def test_rows_are_matched_to_the_person_and_the_grant_valid_that_day(clock, prefecture, staff,
                                                                     department_a):
    operator = staff["operator"]
    IdGrant.objects.filter(person=operator).update(revoked_on=datetime.date(2026, 11, 1))
    later = IdGrant.objects.create(person=operator, granted_on=datetime.date(2026, 11, 10))
    run(prefecture, csv_file([
        row(at="2026-10-20 10:00:00", operator="ｏｐｅｒａｔｏｒ"),  # full width, as typed
        row(at="2026-11-05 10:00:00"),
        row(at="2026-11-24 10:00:00"),
        row(at="2026-11-24 11:00:00", operator="someone-else"),
    ]))
    lookups = list(TerminalLookup.objects.order_by("looked_up_at"))
    first_grant = IdGrant.objects.get(person=operator, granted_on=datetime.date(2026, 4, 10))
    assert [(lookup.person_id, lookup.id_grant_id) for lookup in lookups] == [
        (operator.pk, first_grant.pk), (operator.pk, None), (operator.pk, later.pk),
        (None, None)]
    assert lookups[0].department_id == department_a.pk
    assert lookups[0].operator_reference == "operator"
    assert lookups[3].operator_reference == "someone-else"
    assert lookups[3].flags & Flag.UNKNOWN_OPERATOR
    assert lookups[1].flags & Flag.NO_ID_GRANT
    assert not lookups[2].flags & Flag.NO_ID_GRANT


def test_operations_are_classified_and_kept_as_given(clock, prefecture, staff):
    run(prefecture, csv_file([
        row(at="2026-11-24 10:00:00", operation="本人確認情報照会"),
        row(at="2026-11-24 10:01:00", operation="更新"),
        row(at="2026-11-24 10:02:00", operation="写し交付"),
        row(at="2026-11-24 10:03:00", operation="ログイン"),
    ]))
    assert list(TerminalLookup.objects.order_by("looked_up_at").values_list(
        "operation", "operation_raw")) == [
        (Operation.INQUIRY, "本人確認情報照会"), (Operation.UPDATE, "更新"),
        (Operation.ISSUE, "写し交付"), (Operation.OTHER, "ログイン")]


def test_cells_are_stored_as_the_log_gives_them_whatever_their_characters(clock, prefecture,
                                                                           staff):
    # PostgreSQL is fed COPY's text format (terminal_logs.writing), where a backslash, a tab
    # and a line break mean something: each must come back as it was.
    awkward = ["T\\01", "T\t02", "T\n03", "T\\N", "\\N"]
    result = run(prefecture, csv_file([
        row(at=f"2026-11-24 1{n}:00:00", terminal=terminal, operation=f"照会\\{terminal}")
        for n, terminal in enumerate(awkward)]))
    assert result.written, result.file_errors or result.bad_rows
    stored = list(TerminalLookup.objects.order_by("looked_up_at").values_list(
        "terminal", "operation_raw"))
    assert stored == [(terminal, f"照会\\{terminal}") for terminal in awkward]


def test_the_rules_facts_are_stored_with_each_look_up(clock, prefecture, staff):
    # Facts the rules share between look-ups, and facts of one look-up alone.
    TerminalLogSettings.objects.create(organisation=prefecture, burst_limit=2, burst_minutes=10)
    run(prefecture, csv_file([
        row(at="2026-11-24 07:00:00"), row(at="2026-11-24 07:01:00"),
        row(at="2026-11-24 07:02:00"), row(at="2026-11-23 10:00:00"),
    ]))
    facts = list(TerminalLookup.objects.order_by("looked_up_at").values_list(
        "flag_facts", flat=True))
    hours = {"opens": "08:30", "closes": "17:15"}
    assert facts == [
        {"outside_hours": {"closed_day": True}},  # 勤労感謝の日
        {"outside_hours": hours}, {"outside_hours": hours},
        {"outside_hours": hours, "burst": {"count": 3, "minutes": 10, "limit": 2}},
    ]


# Columns: the vendor's headings


def test_a_vendors_headings_are_found_by_their_aliases(clock, prefecture, staff):
    header = ["アクセス日時", "端末ID", "照合ID", "処理区分", "照会条件", "該当件数", "対象者"]
    result = run(prefecture, csv_file([row()], header=header))
    assert result.written, result.file_errors


def test_a_choice_of_columns_is_saved_for_the_organisation(clock, prefecture, staff):
    header = ["A", "B", "C", "D", "E", "F", "G"]
    refused = run(prefecture, csv_file([row()], header=header), dry_run=True)
    assert refused.column_match.needs_choice and not refused.written
    chosen = {"looked_up_at": 0, "terminal": 1, "operator": 2, "operation": 3, "conditions": 4,
              "result_count": 5, "resident": 6}
    assert run(prefecture, csv_file([row()], header=header), chosen=chosen).written
    assert TerminalLogSettings.objects.get(organisation=prefecture).column_headings == {
        "looked_up_at": "A", "terminal": "B", "operator": "C", "operation": "D",
        "conditions": "E", "result_count": "F", "resident": "G"}
    # Next month's file from the same vendor is read without asking.
    again = run(prefecture, csv_file([row(at="2026-11-25 10:00:00")], header=header),
                file_name="access-2026-11b.csv")
    assert again.written, again.file_errors


# Re-importing


def test_importing_the_same_file_again_changes_nothing(clock, prefecture, staff):
    content = csv_file([row(), row(at="2026-11-24 10:01:00")])
    assert run(prefecture, content).written
    again = run(prefecture, content)
    assert not again.written and not again.has_errors
    assert "changes nothing" in again.notices[0]
    assert TerminalLookup.objects.count() == 2
    assert TerminalLogImport.objects.count() == 1


def test_rows_imported_before_from_another_file_are_not_imported_again(clock, prefecture, staff):
    run(prefecture, csv_file([row(), row(at="2026-11-24 10:01:00")]))
    result = run(prefecture, csv_file([row(at="2026-11-24 10:01:00"),
                                       row(at="2026-11-24 10:02:00")]), file_name="second.csv")
    assert result.written and result.new_rows == 1 and result.already_imported == 1
    assert TerminalLookup.objects.count() == 3


def test_a_repeated_row_is_imported_once_and_reported(clock, prefecture, staff):
    result = run(prefecture, csv_file([row(), row(), row(at="2026-11-24 10:01:00")]))
    assert result.written and result.duplicates == 1 and result.new_rows == 2
    assert "1 rows repeat" in " ".join(result.notices)
    assert TerminalLogImport.objects.get().duplicates == 1
    assert TerminalLookup.objects.count() == 2


def test_rows_out_of_order_are_accepted_and_sorted(clock, prefecture, staff):
    result = run(prefecture, csv_file([row(at="2026-11-24 12:00:00"),
                                       row(at="2026-11-24 09:00:00")]))
    assert result.written
    batch = TerminalLogImport.objects.get()
    assert (batch.first_at, batch.last_at) == (
        datetime.datetime(2026, 11, 24, 9, tzinfo=JST), datetime.datetime(2026, 11, 24, 12,
                                                                          tzinfo=JST))


# Bad input: nothing partial


def test_a_time_in_the_future_is_refused_naming_the_cell(clock, prefecture, staff):
    result = run(prefecture, csv_file([row(), row(at="2026-11-26 10:00:01")]))
    assert not result.written
    assert [error for r in result.bad_rows for error in r.errors] == [
        "Line 3, column A (日時): 2026-11-26 10:00:01 is in the future: a log records only "
        "what has happened."]
    assert not TerminalLookup.objects.exists() and not TerminalLogImport.objects.exists()


def test_an_unreadable_time_or_count_is_refused_naming_the_cell(clock, prefecture, staff):
    result = run(prefecture, csv_file([row(at="昨日"), row(count="多数")]))
    assert not result.written and result.error_count == 2
    errors = [error for r in result.bad_rows for error in r.errors]
    assert errors[0].startswith("Line 2, column A (日時): “昨日” is not a date and time")
    assert errors[1] == "Line 3, column F (結果件数): “多数” is not a number of results."
    assert not TerminalLookup.objects.exists()


def test_an_unknown_operator_is_flagged_not_refused(clock, prefecture, staff):
    result = run(prefecture, csv_file([row(), row(at="2026-11-24 10:01:00", operator="X9")]))
    assert result.written and result.unmatched == 1
    unknown = TerminalLookup.objects.get(operator_reference="X9")
    assert unknown.person is None and unknown.flags & Flag.UNKNOWN_OPERATOR
    with translation.override("ja"):
        assert "該当者なし" in unknown.explanations()[0]


def test_a_file_of_another_organisation_is_refused(clock, prefecture, city, staff, outsider):
    header = [*HEADER, "団体コード"]
    result = run(prefecture, csv_file([[*row(), "431001"]], header=header))
    assert not result.written
    assert "another organisation (organisation code 431001)" in result.file_errors[0]
    # Without the code: not one operator is staff of the organisation.
    result = run(prefecture, csv_file([row(operator="outsider")]))
    assert not result.written and "No operator in this file" in result.file_errors[0]
    assert not TerminalLookup.objects.exists()
    # The right code passes.
    assert run(prefecture, csv_file([[*row(), "430005"]], header=header)).written


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                           ("cp932", b"")])
def test_utf8_with_or_without_bom_and_cp932_are_read(clock, prefecture, staff, encoding, bom):
    result = run(prefecture, bom + csv_file([row()], encoding=encoding))
    assert result.written, result.file_errors
    assert TerminalLookup.objects.get().masked == "阿蘇 *** / 昭和**年"
    assert TerminalLookup.objects.get().operation_raw == "照会"


def test_an_xlsx_workbook_is_read(clock, prefecture, staff):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(row())
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert run(prefecture, buffer.getvalue(), file_name="access.xlsx").written


@override_settings(TERMINAL_LOG_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_before_reading(clock, prefecture, staff,
                                                              monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr("terminal_logs.importing.read_sheet", never)
    result = run(prefecture, csv_file([row()] * 20))
    assert not result.written
    assert result.file_errors == ["The file is larger than 0 MB, the most that is read. Split "
                                  "the extract by month and import each file."]


def test_a_preview_writes_nothing(clock, prefecture, staff):
    result = run(prefecture, csv_file([row()]), dry_run=True)
    assert result.new_rows == 1 and not result.written
    assert not TerminalLookup.objects.exists() and not TerminalLogImport.objects.exists()


# Retention


def test_lookups_past_retention_are_purged_and_the_purge_is_recorded(clock, prefecture, city,
                                                                     staff, city_department):
    run(prefecture, csv_file([row(at="2021-11-25 10:00:00"), row(at="2021-11-26 10:00:00"),
                              row(at="2026-11-24 10:00:00")]))
    TerminalLogSettings.objects.create(organisation=city, retention_years=1)
    # Five years (the default) before 2026-11-26: the look-up of 2021-11-25 goes.
    assert lookups_purge(now=datetime.datetime(2026, 11, 26, 3, tzinfo=JST)) == {
        prefecture.pk: 1}
    assert TerminalLookup.objects.count() == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOOKUPS_PURGED)
    assert event.organisation_id == prefecture.pk
    assert event.detail == "1 look-ups before 2021-11-26"
    # A year later, with the organisation keeping one year only, the older one goes too.
    TerminalLogSettings.objects.create(organisation=prefecture, retention_years=1)
    clock.move_to(datetime.datetime(2027, 11, 20, 3, tzinfo=JST))
    assert lookups_purge(now=datetime.datetime(2027, 11, 20, 3, tzinfo=JST)) == {
        prefecture.pk: 1}
    assert list(TerminalLookup.objects.values_list("looked_up_at", flat=True)) == [
        datetime.datetime(2026, 11, 24, 10, tzinfo=JST)]
    # Nothing left to purge: nothing recorded.
    assert lookups_purge(now=datetime.datetime(2027, 11, 20, 3, tzinfo=JST)) == {}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOOKUPS_PURGED).count() == 2


def test_a_lookup_put_to_a_supervisor_outlives_its_retention(clock, prefecture, staff):
    """The purge keeps the record behind an answer or a finding: a reviewed look-up
    stays (its review item protects it), the others of its day go."""
    run(prefecture, csv_file([row(at="2021-11-25 10:00:00"), row(at="2021-11-25 11:00:00")]))
    reviewed, other = TerminalLookup.objects.order_by("looked_up_at")
    campaign = ReviewCampaign.objects.create(
        organisation=prefecture, fiscal_year=2021, quarter=3, seed=1,
        drawn_at=datetime.datetime(2021, 12, 1, tzinfo=JST))
    ReviewItem.objects.create(campaign=campaign, lookup=reviewed, department=reviewed.department,
                              drawn_because=ReviewItem.Reason.SAMPLED)
    assert lookups_purge(now=datetime.datetime(2026, 11, 26, 3, tzinfo=JST)) == {
        prefecture.pk: 1}
    assert list(TerminalLookup.objects.all()) == [reviewed]


@pytest.mark.django_db
def test_the_purge_runs_as_a_daily_schedule():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="terminal-lookups-purge")
    assert schedule.func == "terminal_logs.tasks.purge_lookups"
    assert schedule.schedule_type == Schedule.DAILY

