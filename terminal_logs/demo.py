"""The demo's terminal access log: a month of 熊本県's registry terminal look-ups,
imported as a coordinator would import the vendor's extract, with the cases each rule is
there to catch (a night look-up, a weekend one, a burst, a watched resident, someone
matching nobody), so that the look-up list has something to show.

The residents are made up, and like every import they are kept only as keyed hashes and
masked names."""

import datetime
import random

from django.utils import timezone

from people.models import IdGrant, Organisation, Person
from terminal_logs import hashing
from terminal_logs.importing import terminal_log_import
from terminal_logs.models import TerminalLogImport, WatchedResident

PREFECTURE_LG_CODE = "430005"
FAMILY_NAMES = ["熊本", "阿蘇", "天草", "八代", "人吉", "菊池", "宇土", "玉名", "山鹿", "水俣"]
GIVEN_NAMES = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "大輔", "里奈"]
ERAS = ["昭和", "平成"]
TERMINALS = ["CS-01", "CS-02", "CS-03"]
WATCHED_RESIDENT = "430005-0000-0001"
UNKNOWN_OPERATOR = "99999"
HEADER = "日時,端末,操作者,操作,検索条件,結果件数,住民票コード"


def demo_terminal_logs_seed(*, now: datetime.datetime) -> TerminalLogImport | None:
    """Import last month's log of 熊本県's terminals, once; None if one is there."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    if TerminalLogImport.objects.filter(organisation=prefecture).exists():
        return None
    coordinator = Person.objects.get(user__username="coordinator")
    key = hashing.hashing_key()
    WatchedResident.objects.get_or_create(
        organisation=prefecture, resident_hash=hashing.resident_hash(key, WATCHED_RESIDENT),
        defaults={"note": "著名人（24時間監視の対象）", "added_by": coordinator, "added_at": now})
    operators = list(
        IdGrant.objects.active_on(timezone.localdate(now) - datetime.timedelta(days=35))
        .filter(person__organisation=prefecture)
        .order_by("person__employee_number")
        .values_list("person__employee_number", flat=True)[:12]
    )
    lines = [HEADER, *_lookups(operators, now=now)]
    result = terminal_log_import(
        organisation=prefecture, by=coordinator, content="\n".join(lines).encode(),
        file_name="端末アクセスログ_先月分.csv", encoding="utf-8", dry_run=False, now=now)
    if not result.written:
        raise RuntimeError(f"the demo terminal log did not import: {result.file_errors}")
    return result.batch


def _lookups(operators: list[str], *, now: datetime.datetime) -> list[str]:
    rng = random.Random(19)
    local = timezone.localtime(now)
    first_day = (local - datetime.timedelta(days=35)).date()
    rows = []
    for day in (first_day + datetime.timedelta(days=n) for n in range(28)):
        if day.weekday() >= 5:
            continue
        for _lookup in range(rng.randint(3, 7)):
            at = datetime.datetime.combine(day, datetime.time(rng.randint(9, 16),
                                                              rng.randint(0, 59)))
            rows.append(_row(at, rng.choice(operators), rng))
    # What the rules are there to catch.
    night = datetime.datetime.combine(first_day + datetime.timedelta(days=9),
                                      datetime.time(22, 14))
    rows.append(_row(night, operators[0], rng))
    saturday = first_day + datetime.timedelta(days=(5 - first_day.weekday()) % 7)
    rows.append(_row(datetime.datetime.combine(saturday, datetime.time(10, 3)), operators[1], rng))
    burst = datetime.datetime.combine(first_day + datetime.timedelta(days=15),
                                      datetime.time(14, 0))
    rows += [_row(burst + datetime.timedelta(seconds=15 * n), operators[2], rng)
             for n in range(35)]  # more than the default 30 in 10 minutes
    rows.append(_row(datetime.datetime.combine(first_day + datetime.timedelta(days=20),
                                               datetime.time(11, 30)),
                     operators[3], rng, resident=WATCHED_RESIDENT))
    rows.append(_row(datetime.datetime.combine(first_day + datetime.timedelta(days=21),
                                               datetime.time(15, 5)), UNKNOWN_OPERATOR, rng))
    return sorted(rows)


def _row(at: datetime.datetime, operator: str, rng, *, resident: str = "") -> str:
    name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
    born = f"{rng.choice(ERAS)}{rng.randint(2, 60)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    resident = resident or f"430005-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    return (f"{at:%Y-%m-%d %H:%M:%S},{rng.choice(TERMINALS)},{operator},照会,"
            f"氏名={name} 生年月日={born},1,{resident}")
