"""Importing a terminal access-log extract through the one spreadsheet pipeline.

`terminal_log_import` is the one entry point, for the pages (preview, then confirm from the
stored upload) and the benchmark alike. The file is read by core.imports (encodings,
limits, which column is which: the headings, their aliases, then the organisation's saved
choice), every row is checked, and only when every row is right are the look-ups written,
all in one transaction, in bulk (terminal_logs.writing).

What a row may not be: a time in the future, a time or a count that cannot be read, a
file of another organisation. Each is named by its line and column, and nothing is
written. What a row may be, and is kept as a finding: an operator who matches nobody
(「該当者なし」). Rows out of order are sorted; a row repeated in the file is imported once
and counted; a row imported before, from this file or another, is not imported again;
the same file again changes nothing.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from hashlib import sha256
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.imports.columns import Column, column_problems, match_columns
from core.imports.files import FileRefused, cell_text, read_sheet
from core.imports.pipeline import ImportKind, ImportResult, ImportRow, RowAction
from core.text import fold_width
from people.calendar import office_calendar
from people.models import Organisation, Person
from terminal_logs import hashing, writing
from terminal_logs.facts import operator_facts
from terminal_logs.models import (
    Operation,
    TerminalLogImport,
    TerminalLogSettings,
    TerminalLookup,
    WatchedResident,
)
from terminal_logs.rules import Flag, Lookup, Rules, apply_rules, flags_of

# Headings as the site writes them, as the roster's are: in Japanese, the office's words.
COLUMNS = (
    Column("looked_up_at", "日時",
           ("操作日時", "アクセス日時", "照会日時", "処理日時", "日付時刻", "datetime",
            "timestamp", "date and time")),
    Column("terminal", "端末", ("端末ID", "端末番号", "端末名", "terminal", "terminal id")),
    Column("operator", "操作者",
           ("操作者ID", "照合ID", "職員番号", "利用者ID", "operator", "operator id",
            "employee number")),
    Column("operation", "操作", ("処理", "処理区分", "業務", "操作種別", "operation")),
    Column("conditions", "検索条件",
           ("照会条件", "条件", "conditions", "search conditions")),
    Column("result_count", "結果件数", ("件数", "該当件数", "results", "result count")),
    Column("resident", "住民票コード", ("対象者", "住民", "resident", "resident id"),
           required=False),
    Column("organisation_code", "団体コード",
           ("地方公共団体コード", "organisation code"), required=False),
)
KIND = ImportKind(name="terminal_log", columns=COLUMNS)
KEYS = [column.key for column in COLUMNS]
HEADING = {column.key: column.heading for column in COLUMNS}

OPERATION_WORDS = (
    (Operation.INQUIRY, ("照会", "検索", "閲覧", "inquiry", "search")),
    (Operation.UPDATE, ("更新", "変更", "訂正", "update")),
    (Operation.ISSUE, ("交付", "発行", "issue")),
)
DATE_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?")
MOST_ERRORS_SHOWN = 200
SAMPLE_ROWS = 20


@dataclass
class TerminalLogImportResult(ImportResult):
    rows_in_file: int = 0
    new_rows: int = 0
    duplicates: int = 0
    already_imported: int = 0
    unmatched: int = 0
    flag_counts: dict[int, int] = field(default_factory=dict)
    error_count: int = 0
    same_file: TerminalLogImport | None = None
    batch: TerminalLogImport | None = None
    sample: list[ImportRow] = field(default_factory=list)
    cell_names: dict[str, str] = field(default_factory=dict)  # field key -> "B (日時)"

    @property
    def flagged_by(self) -> list[tuple[Flag, int]]:
        return [(flag, self.flag_counts[flag]) for flag in Flag if self.flag_counts.get(flag)]

    @property
    def flagged(self) -> int:
        return self.flag_counts.get(0, 0)


@dataclass(slots=True, kw_only=True)
class ParsedRow(Lookup):
    """A row of the file as it is written: the rules' look-up and the rest of the row, one
    object a row (a million rows are a million of them)."""

    terminal: str
    operation: str
    operation_raw: str
    conditions_hash: str
    resident_hash: str
    masked: str
    result_count: int
    row_key: str


def terminal_log_import(*, organisation: Organisation, by: Person | None, content: bytes,
                        file_name: str, encoding: str, dry_run: bool,
                        chosen: dict[str, int] | None = None,
                        remembered: dict[str, str] | None = None,
                        now: datetime.datetime | None = None) -> TerminalLogImportResult:
    """Check a terminal log file and, unless `dry_run`, import it, all or nothing.

    The caller has decided that `by` may import for `organisation` (terminal_logs.access).
    `chosen` and `remembered` say which column is which (core.imports.columns); the
    organisation's saved headings fill in what the user's remembered ones do not."""
    now = now or timezone.now()
    result = TerminalLogImportResult(file_name=file_name, columns=KIND.headings)
    if len(content) > settings.TERMINAL_LOG_MAX_BYTES:
        result.file_errors.append(_too_large())
        return result
    try:
        key = hashing.hashing_key()
    except hashing.KeyMissing as missing:
        result.file_errors.append(str(missing))
        return result
    file_sha256 = sha256(content).hexdigest()
    result.same_file = TerminalLogImport.objects.filter(
        organisation=organisation, file_sha256=file_sha256).first()
    if result.same_file is not None:
        result.notices.append(
            _("This file was imported on %(day)s (%(rows)d look-ups): importing it again "
              "changes nothing.")
            % {"day": timezone.localtime(result.same_file.imported_at).strftime("%Y-%m-%d %H:%M"),
               "rows": result.same_file.rows_imported})
        return result
    log_settings = TerminalLogSettings.of(organisation)
    sheet_rows = _read(result, content, encoding, chosen,
                       {**log_settings.column_headings, **(remembered or {})})
    if sheet_rows is None:
        return result
    parsed = _parse_rows(result, sheet_rows, organisation=organisation, key=key, now=now)
    if result.has_errors:
        return result
    parsed = _drop_repeats(result, parsed, organisation)
    _flag(parsed, organisation, log_settings)
    _count(result, parsed)
    if dry_run or result.has_errors:
        return result
    try:
        with transaction.atomic():
            batch = TerminalLogImport.objects.create(
                organisation=organisation, file_name=file_name[:255], file_sha256=file_sha256,
                imported_by=by, imported_at=now, rows_in_file=result.rows_in_file,
                rows_imported=len(parsed), duplicates=result.duplicates,
                already_imported=result.already_imported, unmatched=result.unmatched,
                flagged=result.flagged,
                first_at=parsed[0].at if parsed else None,
                last_at=parsed[-1].at if parsed else None,
            )
            writing.lookups_write(batch, parsed)
            if chosen is not None and result.headers:
                _save_headings(log_settings, result.headers, chosen)
    except IntegrityError:
        # Someone imported the same file or rows between our check and our write.
        result.file_errors.append(_("Another import of these look-ups finished while this "
                                    "file was being imported, so nothing was imported. "
                                    "Upload the file again."))
        return result
    result.batch, result.written = batch, True
    return result


def _too_large() -> str:
    return _("The file is larger than %(megabytes)d MB, the most that is read. Split the "
             "extract by month and import each file.") % {
        "megabytes": settings.TERMINAL_LOG_MAX_BYTES // (1024 * 1024)}


def _read(result, content, encoding, chosen, remembered):
    """The file's rows (line, cells by field key in KEYS order), or None when it cannot be
    imported (why, in result.file_errors)."""
    try:
        sheet = read_sheet(content, encoding, max_rows=settings.TERMINAL_LOG_MAX_ROWS,
                           max_cells=settings.TERMINAL_LOG_MAX_CELLS)
    except FileRefused as error:
        result.file_errors.append(str(error))
        return None
    result.encoding = sheet.encoding
    result.notices.extend(sheet.notices)
    match = match_columns(sheet.headers, COLUMNS, chosen=chosen, remembered=remembered)
    result.headers, result.column_match = list(sheet.headers), match
    result.file_errors.extend(column_problems(match, COLUMNS))
    if result.file_errors:
        return None
    if match.ignored:
        result.notices.append(
            _("Columns ignored: %(columns)s.") % {"columns": ", ".join(match.ignored)})
    result.rows_in_file = len(sheet.rows)
    positions = [match.positions.get(key) for key in KEYS]
    result.cell_names = {key: _column_letter(position) + " (" + sheet.headers[position] + ")"
                         for key, position in zip(KEYS, positions, strict=True)
                         if position is not None}
    # Each row's cells in KEYS order, a row at a time: a column the file lacks reads as
    # None (the last of the padding), a cell past the end of a short row as "".
    pick = itemgetter(*(-1 if position is None else position for position in positions))
    padding = [""] * (max(position for position in positions if position is not None) + 1)
    padding.append(None)
    return ((line, pick(cells + padding)) for line, cells in sheet.rows)


def _column_letter(index: int) -> str:
    letter, number = "", index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letter = chr(ord("A") + remainder) + letter
    return letter


def _parse_rows(result, sheet_rows, *, organisation, key, now) -> list[ParsedRow]:
    people = {
        fold_width(number).strip(): (pk, department_id)
        for pk, number, department_id in Person.objects.filter(organisation=organisation)
        .values_list("pk", "employee_number", "department_id")
    }
    watched = set(WatchedResident.objects.filter(organisation=organisation)
                  .values_list("resident_hash", flat=True))
    local = ZoneInfo(settings.TIME_ZONE)
    codes_elsewhere = set()
    parsed, errors = [], []
    # Logs repeat their operators, terminals, operations, counts, searches and residents:
    # each distinct cell is worked out (folded, hashed, masked, matched) once.
    operators: dict = {}  # cell -> (folded, person id, department id)
    terminals: dict = {}
    operations: dict = {}  # cell -> (as the log gives it, Operation)
    counts: dict = {}  # cell -> the count's digits
    searches: dict = {}  # cell -> (keyed hash, masked)
    residents: dict = {}  # cell -> keyed hash, "" for none
    for line, (at_cell, terminal, operator, operation_raw, conditions, count_cell,
               resident, organisation_code) in sheet_rows:
        row_errors = []
        at = _moment(at_cell, local)
        if at is None:
            row_errors.append(_cell_error(result, line, "looked_up_at", _(
                "“%(value)s” is not a date and time. Write it as 2026-10-01 09:15:00.")
                % {"value": cell_text(at_cell)}))
        elif at > now:
            row_errors.append(_cell_error(result, line, "looked_up_at", _(
                "%(value)s is in the future: a log records only what has happened.")
                % {"value": at.strftime("%Y-%m-%d %H:%M:%S")}))
        if (count_text := counts.get(count_cell)) is None:
            count_text = counts[count_cell] = _folded(cell_text(count_cell)).replace(",", "")
        if not count_text.isdigit():
            row_errors.append(_cell_error(result, line, "result_count", _(
                "“%(value)s” is not a number of results.") % {"value": count_text}))
        if (operator_match := operators.get(operator)) is None:
            folded = fold_width(cell_text(operator)).strip()
            operator_match = operators[operator] = (folded, *people.get(folded, (None, None)))
        operator, person_id, department_id = operator_match
        if not operator:
            row_errors.append(_cell_error(result, line, "operator", _("The operator is empty.")))
        if organisation_code:
            code = fold_width(cell_text(organisation_code)).strip()
            if code and code != organisation.lg_code:
                codes_elsewhere.add(code)
        if row_errors:
            result.error_count += 1
            if len(errors) < MOST_ERRORS_SHOWN:
                errors.append(ImportRow(line=line, cells=(), action=RowAction.ERROR,
                                        errors=tuple(row_errors)))
            continue
        if (terminal_text := terminals.get(terminal)) is None:
            terminal_text = terminals[terminal] = cell_text(terminal)[:50]
        if (operation := operations.get(operation_raw)) is None:
            text = cell_text(operation_raw)[:50]
            operation = operations[operation_raw] = (text, _operation(text))
        if (search := searches.get(conditions)) is None:
            hashed, masked = hashing.conditions_stored(key, cell_text(conditions))
            search = searches[conditions] = (hashed, masked[:100])
        if (hashed_resident := residents.get(resident)) is None:
            hashed_resident = residents[resident] = hashing.resident_hash(
                key, cell_text(resident) if resident is not None else "")
        hashed_conditions = search[0]
        row_key = sha256("\x1f".join((
            at.isoformat(), terminal_text, operator, operation[0], hashed_conditions,
            hashed_resident, count_text)).encode()).hexdigest()[:32]
        parsed.append(ParsedRow(
            line=line, at=at, operator=operator, person_id=person_id,
            department_id=department_id, resident=hashed_resident or hashed_conditions,
            watched=bool(hashed_resident) and hashed_resident in watched,
            terminal=terminal_text, operation=operation[1], operation_raw=operation[0],
            conditions_hash=hashed_conditions, resident_hash=hashed_resident,
            masked=search[1], result_count=int(count_text), row_key=row_key,
        ))
    result.rows = errors
    if codes_elsewhere:
        result.file_errors.append(_(
            "This file is the log of another organisation (organisation code %(codes)s), not "
            "of %(organisation)s (%(code)s). Nothing was imported.") % {
            "codes": ", ".join(sorted(codes_elsewhere)), "organisation": organisation.name,
            "code": organisation.lg_code})
    elif parsed and not any(row.person_id for row in parsed):
        result.file_errors.append(_(
            "No operator in this file is a member of staff of %(organisation)s: is it the "
            "log of another organisation? Nothing was imported; import the roster first if "
            "it is missing.") % {"organisation": organisation.name})
    parsed.sort(key=attrgetter("at"))
    return parsed


def _moment(value, local) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        return None  # a date without a time: the workbook's cell lost it
    else:
        text = _folded(cell_text(value)).strip().replace("/", "-")
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            match = DATE_TIME.fullmatch(text)
            if match is None:
                return None
            try:
                moment = datetime.datetime(*(int(part or 0) for part in match.groups()))
            except ValueError:
                return None
        if len(text) <= 10:  # a date alone, which fromisoformat reads as midnight
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local)
    return moment


def _folded(text: str) -> str:
    """fold_width, skipped for the plain ASCII of almost every timestamp and count."""
    return text if text.isascii() else fold_width(text)


def _operation(raw: str) -> str:
    folded = fold_width(raw).casefold()
    for operation, words in OPERATION_WORDS:
        if any(word in folded for word in words):
            return operation
    return Operation.OTHER


def _cell_error(result, line: int, key: str, message: str) -> str:
    return _("Line %(line)d, column %(column)s: %(message)s") % {
        "line": line, "column": result.cell_names.get(key, HEADING[key]), "message": message}


def _drop_repeats(result, parsed: list[ParsedRow], organisation) -> list[ParsedRow]:
    """Rows repeated in the file once; rows imported before not at all."""
    unique, seen = [], set()
    for row in parsed:
        if row.row_key in seen:
            result.duplicates += 1
            continue
        seen.add(row.row_key)
        unique.append(row)
    if unique:
        before = set(TerminalLookup.objects.filter(
            organisation=organisation, looked_up_at__gte=unique[0].at,
            looked_up_at__lte=unique[-1].at, row_key__in=seen,
        ).values_list("row_key", flat=True)) if len(seen) <= 10_000 else set(
            TerminalLookup.objects.filter(
                organisation=organisation, looked_up_at__gte=unique[0].at,
                looked_up_at__lte=unique[-1].at).values_list("row_key", flat=True))
        if before:
            result.already_imported = sum(1 for row in unique if row.row_key in before)
            unique = [row for row in unique if row.row_key not in before]
    if result.duplicates:
        result.notices.append(_("%(count)d rows repeat an earlier row of the file: each is "
                                "imported once.") % {"count": result.duplicates})
    if result.already_imported:
        result.notices.append(_("%(count)d rows were imported before, from this file or "
                                "another: they are left as they are.")
                              % {"count": result.already_imported})
    return unique


def _flag(parsed: list[ParsedRow], organisation, log_settings: TerminalLogSettings) -> None:
    rules = Rules(
        calendar=office_calendar(organisation), opens=log_settings.office_opens,
        closes=log_settings.office_closes, burst_limit=log_settings.burst_limit,
        burst_minutes=log_settings.burst_minutes,
        spread_departments=log_settings.spread_departments,
        spread_days=log_settings.spread_days,
    )
    facts = operator_facts(organisation, {row.person_id for row in parsed} - {None})
    apply_rules(parsed, rules, facts)


def _count(result: TerminalLogImportResult, parsed: list[ParsedRow]) -> None:
    # A file has a handful of distinct combinations of flags: count those, then the flags.
    combinations = Counter(row.flags for row in parsed)
    counts = {0: sum(rows for bits, rows in combinations.items() if bits)}
    for bits, rows in combinations.items():
        for flag in flags_of(bits):
            counts[flag] = counts.get(flag, 0) + rows
    result.flag_counts = counts
    result.new_rows = len(parsed)
    result.unmatched = counts.get(Flag.UNKNOWN_OPERATOR, 0)
    for row in parsed[:SAMPLE_ROWS]:
        result.sample.append(ImportRow(
            line=row.line, action=RowAction.NEW,
            cells=(row.at.strftime("%Y-%m-%d %H:%M:%S"), row.terminal, row.operator,
                   row.operation_raw, row.masked, row.result_count),
            notes=tuple(str(flag.label) for flag in flags_of(row.flags)),
        ))


def _save_headings(log_settings: TerminalLogSettings, headers: list[str],
                   chosen: dict[str, int]) -> None:
    """The coordinator's choice of columns becomes the organisation's: next month's export
    from the same vendor is read without asking."""
    log_settings.column_headings = {key: headers[index] for key, index in chosen.items()
                                    if 0 <= index < len(headers)}
    log_settings.save()
