"""Spreadsheet bombs: every reader of an uploaded spreadsheet (rosters, drill timelines,
attendance sign-in sheets) refuses a file past the row, column, cell or unpacked-size
limits with a message, quickly and without the memory the file asks for.

The bombs are built here. The memory of reading one is measured in a fresh Python
process with tracemalloc, so that nothing else the test run allocated counts.
"""

import functools
import io
import os
import re
import subprocess
import sys
import textwrap
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation

from core.imports.files import FileRefused, read_sheet
from drills.models import Scenario
from people.roster import roster_import
from tests.test_sessions import START, invite, make_session
from training.sessions import attendance_import

LIMIT_MESSAGE = re.compile(r"more than [\d,]+ (rows|columns|filled cells|MB)")


@functools.cache
def bomb(rows=8000, *, header=("職員番号", "出欠", "備考"), dimension=True) -> bytes:
    """The reviewer's file: a header, then rows that each hold one cell in column XFD,
    the last of 16,384. About 40 KB; openpyxl used to spread it into 131 million cells.
    The rows are written as XML (openpyxl would take minutes to write them)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(list(header))
    workbook.active["XFD2"] = "x"
    stream = io.BytesIO()
    workbook.save(stream)
    cells = "".join(f'<row r="{row}"><c r="XFD{row}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for row in range(2, rows + 1))
    content = replace_sheet(stream.getvalue(), lambda xml: re.sub(
        rb'<row r="2">.*?</row>', cells.encode(), xml.replace(b"A1:XFD2", f"A1:XFD{rows}".encode())
    ))
    return content if dimension else without_dimension(content)


def replace_sheet(content: bytes, change) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                data = change(data)
            rewritten.writestr(member.filename, data)
    return target.getvalue()


def without_dimension(content: bytes) -> bytes:
    """The same workbook with no <dimension> element, as some programs write it."""
    return replace_sheet(content, lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))


def zip_bomb(unpacked_megabytes: int) -> bytes:
    """A small workbook with one part that inflates to `unpacked_megabytes`."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["職員番号", "出欠"])
    stream = io.BytesIO()
    workbook.save(stream)
    with zipfile.ZipFile(stream, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.xml", b" " * (unpacked_megabytes * 1024 * 1024))
    return stream.getvalue()


def refused(content, encoding="auto"):
    with translation.override("en"), pytest.raises(FileRefused) as error:
        read_sheet(content, encoding)
    return str(error.value)


def test_the_bomb_is_small_and_declares_column_xfd():
    content = bomb()
    assert len(content) < 60_000
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:XFD8000"' in sheet and sheet.count(b"<row ") == 8000
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(without_dimension(content))).read(
        "xl/worksheets/sheet1.xml")


def test_a_sheet_declaring_column_xfd_is_refused_before_its_rows_are_read():
    assert "more than 50 columns" in refused(bomb())


def test_a_sheet_without_a_dimension_is_refused_at_the_first_cell_past_the_last_column():
    assert "more than 50 columns" in refused(bomb(dimension=False))


def test_a_sheet_declaring_too_many_rows_is_refused(settings):
    settings.SPREADSHEET_MAX_ROWS = 100
    workbook = openpyxl.Workbook()
    workbook.active.append(["職員番号"])
    workbook.active["A150"] = "x"
    stream = io.BytesIO()
    workbook.save(stream)
    assert "more than 100 rows" in refused(stream.getvalue())
    assert "more than 100 rows" in refused(without_dimension(stream.getvalue()))


def test_blank_formatted_rows_past_the_limit_are_passed_over(settings):
    settings.SPREADSHEET_MAX_ROWS = 100
    workbook = openpyxl.Workbook()
    workbook.active.append(["職員番号", "出欠"])
    workbook.active.append(["operator", "出席"])
    workbook.active["A500"].number_format = "@"  # formatted, never filled
    stream = io.BytesIO()
    workbook.save(stream)
    sheet = read_sheet(without_dimension(stream.getvalue()), "auto")
    assert sheet.rows == [(2, ["operator", "出席"])]


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(settings):
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    content = zip_bomb(20)
    assert len(content) < 100_000
    assert "unpacks to more than 10 MB" in refused(content)


def test_more_filled_cells_than_the_limit_are_refused(settings):
    settings.SPREADSHEET_MAX_CELLS = 1000
    rows = "\r\n".join(",".join(f"{row}-{column}" for column in range(10)) for row in range(200))
    assert "more than 1000 filled cells" in refused(rows.encode())


def test_a_csv_line_of_endless_commas_is_refused_before_it_is_split():
    assert "more than 50 columns" in refused(("職員番号" + "," * 2_000_000 + "x").encode())


def test_a_csv_value_past_the_last_column_is_refused():
    line = ",".join(["operator", "出席", *[""] * 60, "x"])
    assert "more than 50 columns" in refused(f"職員番号,出欠\r\n{line}\r\n".encode())


def test_empty_columns_past_the_last_are_ignored():
    line = ",".join(["operator", "出席", *[""] * 60])
    assert read_sheet(f"職員番号,出欠\r\n{line}\r\n".encode(), "auto").rows == [
        (2, ["operator", "出席", *[""] * 48]),
    ]


READ_IN_A_FRESH_PROCESS = textwrap.dedent("""
    import os, sys, time, tracemalloc
    sys.path.insert(0, os.getcwd())
    import django
    django.setup()
    import tablib
    from core.imports.files import FileRefused, read_sheet
    content = sys.stdin.buffer.read()
    tracemalloc.start()
    started = time.process_time()
    try:
        sheet = read_sheet(content, "auto")  # then the rows as the roster import holds them
        tablib.Dataset(*(cells for _line, cells in sheet.rows), headers=sheet.headers)
        outcome = "read"
    except FileRefused:
        outcome = "refused"
    seconds = time.process_time() - started
    print(outcome, tracemalloc.get_traced_memory()[1], seconds)
""")


def read_in_a_fresh_process(content: bytes) -> tuple[str, int, float]:
    """(read or refused, peak bytes allocated, CPU seconds) of reading `content`."""
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS], input=content, capture_output=True,
        check=True, timeout=300, cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
             "SECRET_KEY": "a-key-for-a-process-that-only-reads-a-file"},
    )
    outcome, peak, seconds = done.stdout.decode().split()
    return outcome, int(peak), float(seconds)


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
def test_the_bomb_is_refused_in_little_time_and_memory(dimension):
    outcome, peak, seconds = read_in_a_fresh_process(bomb(dimension=dimension))
    assert outcome == "refused"
    assert peak < 20 * MEGABYTE
    assert seconds < 10  # it took 60 s; refusing takes well under a second when idle


def test_an_accepted_file_stays_under_200_mb():
    """5,000 rows of 10 filled cells, each text of its own. Memory grows with the filled
    cells (the rows are no wider than their last cell, and never past the column
    limit), so a file of SPREADSHEET_MAX_CELLS such cells, the most accepted, takes
    SPREADSHEET_MAX_CELLS / 50,000 times this one's."""
    cells = 50_000
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([f"列{column}" for column in range(10)])
    for row in range(cells // 10):
        sheet.append([f"{row}-{column}-熊本" for column in range(10)])
    stream = io.BytesIO()
    workbook.save(stream)
    outcome, peak, _seconds = read_in_a_fresh_process(stream.getvalue())
    assert outcome == "read"
    assert peak * settings.SPREADSHEET_MAX_CELLS / cells < 200 * MEGABYTE


# Each reader refuses the bomb with the message, in the user's language.


def test_the_roster_import_refuses_the_bomb(coordinator):
    with translation.override("en"):
        result = roster_import(kind="people", content=bomb(), file_name="名簿.xlsx",
                               encoding="auto", by=coordinator.user, dry_run=True)
    assert any(LIMIT_MESSAGE.search(error) for error in result.file_errors), result.file_errors


def test_the_attendance_import_refuses_the_bomb(prefecture, operator, coordinator):
    session = make_session(prefecture)
    invite(session, operator)
    with translation.override("en"):
        result = attendance_import(session=session, content=bomb(dimension=False),
                                   file_name="受付簿.xlsx", encoding="auto", by=coordinator,
                                   now=START, dry_run=True)
    assert any(LIMIT_MESSAGE.search(error) for error in result.file_errors), result.file_errors


def test_the_timeline_import_refuses_the_bomb_and_keeps_the_timeline(prefecture):
    from drills.timeline import timeline_import

    scenario = Scenario.objects.create(organisation=prefecture, title="著名人の照会",
                                       incident_type="unauthorised_lookup")
    content = bomb(header=("時刻", "手段", "発信者", "宛先", "件名", "内容", "期待される対応"))
    with translation.override("en"):
        result = timeline_import(scenario=scenario, content=content, file_name="t.xlsx",
                                 encoding="auto", dry_run=False)
    assert not result.written
    assert any(LIMIT_MESSAGE.search(error) for error in result.file_errors), result.file_errors


def test_the_refusal_is_in_japanese_for_a_japanese_user():
    with pytest.raises(FileRefused) as error:
        read_sheet(bomb(), "auto")
    assert "列" in str(error.value)
