"""The demo's terminal access logs: a year of 熊本県's registry terminal look-ups, the
twelve months before this one, each imported as a coordinator would import the vendor's
monthly extract. Departments look up at different volumes (the tax offices many times a
day, some offices a few times a month), by the operators whose ID was valid that month,
and every month has a few of the cases the rules are there to catch (a night look-up, a
weekend one, someone matching nobody; a burst and a watched resident now and then), so
that the look-up list, the review's draw and its coverage report have a year to show.

A generator, not a checked-in file: the rows are drawn from a fixed seed. The residents
are made up, and like every import they are kept only as keyed hashes and masked names.
The review's campaigns, answers and findings are terminal_logs.demo_review's."""

import datetime
import random

from django.utils import timezone

from people.calendar import office_calendar
from people.fiscal import add_months
from people.models import IdGrant, Organisation, Person
from terminal_logs import hashing
from terminal_logs.importing import terminal_log_import
from terminal_logs.models import TerminalLogImport, WatchedResident

PREFECTURE_LG_CODE = "430005"
MONTHS = 12
FAMILY_NAMES = ["熊本", "阿蘇", "天草", "八代", "人吉", "菊池", "宇土", "玉名", "山鹿", "水俣"]
GIVEN_NAMES = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "大輔", "里奈"]
ERAS = ["昭和", "平成"]
TERMINALS = ["CS-01", "CS-02", "CS-03"]
WATCHED_RESIDENT = "430005-0000-0001"
UNKNOWN_OPERATOR = "99999"
HEADER = "日時,端末,操作者,操作,検索条件,結果件数,住民票コード"
# Look-ups a working day, by department code: the tax offices (「検案件数がかなり多い所属」)
# every day, the welfare offices with audit findings (demo_review) and 県央's tax office
# most days, the others (any code not named) now and then: the draw's weights show in the
# counts only where a department has more look-ups than the minimum sample.
DAILY_LOOKUPS = {"1020": (1, 3), "1030": (0, 2), "3110": (0, 2), "3010": (0, 2),
                 "3210": (0, 2)}
OCCASIONAL = (0, 1)
OCCASIONAL_DAY_CHANCE = 0.12
BURST_EVERY_MONTHS = 4  # a burst in every fourth month
WATCHED_EVERY_MONTHS = 3


def demo_terminal_logs_seed(*, now: datetime.datetime) -> list[TerminalLogImport]:
    """Import the last twelve months of 熊本県's terminal logs, one file a month, once;
    an empty list if the logs are there already."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    if TerminalLogImport.objects.filter(organisation=prefecture).exists():
        return []
    coordinator = Person.objects.get(user__username="coordinator")
    key = hashing.hashing_key()
    WatchedResident.objects.get_or_create(
        organisation=prefecture, resident_hash=hashing.resident_hash(key, WATCHED_RESIDENT),
        defaults={"note": "著名人（24時間監視の対象）", "added_by": coordinator, "added_at": now})
    grants = list(IdGrant.objects.filter(person__organisation=prefecture)
                  .values_list("person__employee_number", "person__department__code",
                               "granted_on", "revoked_on")
                  .order_by("person__employee_number", "granted_on"))
    working_day = office_calendar(prefecture.pk).is_working_day
    rng = random.Random(19)
    this_month = timezone.localdate(now).replace(day=1)
    batches = []
    for back in range(MONTHS, 0, -1):
        month = add_months(this_month, -back)
        rows = _month_of_lookups(month, grants, working_day, rng, index=MONTHS - back)
        result = terminal_log_import(
            organisation=prefecture, by=coordinator, content="\n".join([HEADER, *rows]).encode(),
            file_name=f"端末アクセスログ_{month:%Y年%m月}分.csv", encoding="utf-8",
            dry_run=False, now=now)
        if not result.written:
            problems = result.file_errors or [row.errors for row in result.bad_rows][:3]
            raise RuntimeError(f"the demo terminal log of {month:%Y-%m} did not import: "
                               f"{problems}")
        batches.append(result.batch)
    return batches


def _month_of_lookups(month: datetime.date, grants, working_day, rng, *, index: int) -> list[str]:
    """One month's rows: each department's look-ups on each working day, by the
    operators whose ID was valid on that day, then the month's cases for the rules."""
    next_month = add_months(month, 1)
    days = [month + datetime.timedelta(days=n) for n in range((next_month - month).days)]
    working = [day for day in days if working_day(day)]
    rows = []
    operators_of_day = {}
    for day in working:
        operators = {}
        for number, department, granted_on, revoked_on in grants:
            if granted_on <= day and (revoked_on is None or revoked_on > day):
                operators.setdefault(department, []).append(number)
        operators_of_day[day] = operators
        for department, numbers in sorted(operators.items()):
            low, high = DAILY_LOOKUPS.get(department, OCCASIONAL)
            if department not in DAILY_LOOKUPS and rng.random() > OCCASIONAL_DAY_CHANCE:
                continue
            for _lookup in range(rng.randint(low, high)):
                at = datetime.datetime.combine(day, datetime.time(rng.randint(9, 16),
                                                                  rng.randint(0, 59)))
                rows.append(_row(at, rng.choice(numbers), rng))
    everyone = sorted({number for operators in operators_of_day[working[-1]].values()
                       for number in operators})
    if not everyone:
        return sorted(rows)
    # What the rules are there to catch, a few each month.
    rows.append(_row(datetime.datetime.combine(rng.choice(working), datetime.time(22, 14)),
                     rng.choice(everyone), rng))
    closed = [day for day in days if day not in operators_of_day]
    rows.append(_row(datetime.datetime.combine(rng.choice(closed), datetime.time(10, 3)),
                     rng.choice(everyone), rng))
    rows.append(_row(datetime.datetime.combine(rng.choice(working), datetime.time(15, 5)),
                     UNKNOWN_OPERATOR, rng))
    if index % BURST_EVERY_MONTHS == BURST_EVERY_MONTHS - 1:
        burst = datetime.datetime.combine(working[len(working) // 2], datetime.time(14, 0))
        operator = rng.choice(everyone)
        rows += [_row(burst + datetime.timedelta(seconds=15 * n), operator, rng)
                 for n in range(35)]  # more than the default 30 in 10 minutes
    if index % WATCHED_EVERY_MONTHS == WATCHED_EVERY_MONTHS - 1:
        rows.append(_row(datetime.datetime.combine(rng.choice(working), datetime.time(11, 30)),
                         rng.choice(everyone), rng, resident=WATCHED_RESIDENT))
    return sorted(rows)


def _row(at: datetime.datetime, operator: str, rng, *, resident: str = "") -> str:
    name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
    born = f"{rng.choice(ERAS)}{rng.randint(2, 60)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    resident = resident or f"430005-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    return (f"{at:%Y-%m-%d %H:%M:%S},{rng.choice(TERMINALS)},{operator},照会,"
            f"氏名={name} 生年月日={born},1,{resident}")
