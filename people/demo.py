"""Demo data for `manage.py seed_demo`: the Kumamoto of the council minutes, in miniature.

The minutes (熊本県本人確認情報保護審議会, 2024-12-18) name the departments that audits
found fault with, say that about 100 staff attended the training of whom some 80% were new
ID holders this fiscal year, and name 市町村課 as the division that collects the reports.
The demo mirrors that so that a visitor recognises the situation, and adds four
municipalities with their own departments. People are drawn from a fixed random seed, so
every run produces the same people.

`demo_seed_large` adds synthetic municipalities (負荷試験町NN) until the data is the size of
a whole prefecture, for benchmarks.

The organisations, the demo accounts and the names people are drawn from are data, in
demo_data/people.json.
"""

import datetime
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from people.fiscal import fiscal_year_of
from people.groups import coordinators_group
from people.models import (
    Department,
    IdGrant,
    Organisation,
    Person,
    RoleAssignment,
    local_government_check_digit,
)

PASSWORD = "kumamoto-demo"
SEED = 20241218  # the day of the council meeting

PREFECTURE_CODE = "430005"
DEMO_DATA = json.loads(
    (Path(__file__).parent / "demo_data" / "people.json").read_text(encoding="utf-8"))

# The prefecture's departments are those of the minutes: the audited ones, and 市町村課
# which receives the reports; a few more make it look like a real prefecture. Each
# municipality keeps its own plan and has its own lead for the resident registry.
ORGANISATIONS = DEMO_DATA["organisations"]

# The operator is given an ID this fiscal year; the other accounts hold none.
Role = RoleAssignment.Role
DEMO_ACCOUNTS = DEMO_DATA["accounts"]

# The demo operator's department, and the login given to one of its ID holders.
OPERATOR_DEPARTMENT = "3010"
COLLEAGUE_USERNAME = "colleague"

SURNAMES = DEMO_DATA["surnames"]  # [name, kana]
GIVEN_NAMES = DEMO_DATA["given_names"]
# 職名: a department's head (所属長) is its 課長; the others are drawn, 主事 most often.
SUPERVISOR_JOB_TITLE = DEMO_DATA["supervisor_job_title"]
JOB_TITLES, JOB_TITLE_WEIGHTS = zip(*DEMO_DATA["job_titles"], strict=True)

# How many of the generated staff have each ID history. With the operator account this
# makes 100 ID holders of whom 80 were granted their ID this fiscal year, as in the minutes;
# transfers count as new (the minutes include staff who used the system in their previous
# department).
DEMO_PEOPLE = 150
DEMO_HISTORIES = {"new": 69, "transfer": 10, "established": 17, "reissued": 3, "former": 5}

# The large data set: totals including the demo above. 60% of staff hold an ID, 80% of
# those were granted it this fiscal year.
LARGE_ORGANISATIONS = 45
LARGE_DEPARTMENTS = 2_000
LARGE_PEOPLE = 50_000
LARGE_HISTORY_SHARES = {
    "new": 0.42, "transfer": 0.06, "established": 0.10, "reissued": 0.02, "former": 0.03,
    "none": 0.37,
}
LARGE_DEPARTMENT_NAMES = DEMO_DATA["large_department_names"]
BATCH_SIZE = 2_000


@transaction.atomic
def demo_seed(*, today: datetime.date) -> None:
    """Create or update the demo organisations, departments, people and accounts.

    Keyed by natural keys, so a second run changes nothing. A person's ID history is
    written when the person is first created: dates depend on the day of the first run,
    and a later run must not give anyone a second history.
    """
    rng = random.Random(SEED)
    # Titles from a generator of their own, so that the people drawn stay who they were.
    titles = random.Random(SEED + 2)
    departments = {}
    for spec in ORGANISATIONS:
        lg_code = spec["lg_code"]
        organisation, _ = Organisation.objects.update_or_create(
            lg_code=lg_code, defaults={"name": spec["name"], "kind": spec["kind"],
                                       "certificate_issuer": spec.get("certificate_issuer", "")}
        )
        for department in spec["departments"]:
            departments[lg_code, department["code"]], _ = Department.objects.update_or_create(
                organisation=organisation, code=department["code"],
                defaults={"name": department["name"],
                          "is_coordinating_division": department["coordinating"]},
            )

    employee_numbers = defaultdict(lambda: itertools.count(100001))
    supervised = set()
    coordinators = coordinators_group()

    for account in DEMO_ACCOUNTS:
        username, name, role = account["username"], account["name"], account["role"]
        lg_code = account["lg_code"]
        department = departments[lg_code, account["department"]]
        family_name, given_name = name.split()
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"last_name": family_name, "first_name": given_name}
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        person, created = _person_seed(
            department, next(employee_numbers[lg_code]), name, account["kana"],
            account["job_title"], user=user,
        )
        if created and username == "operator":
            _grant_seed(person, _id_history("new", rng, today))
        if role == Role.SUPERVISOR:
            RoleAssignment.objects.get_or_create(person=person, role=role, department=department)
            supervised.add(department.pk)
        elif role:
            RoleAssignment.objects.get_or_create(
                person=person, role=role, organisation=department.organisation
            )
        # Every admin view scopes itself through people.access (the people lists admit
        # only the prefecture-wide coordinator), so every coordinator joins the group.
        if role == Role.COORDINATOR:
            user.groups.add(coordinators)

    generated = DEMO_PEOPLE - len(DEMO_ACCOUNTS)
    histories = [kind for kind, count in DEMO_HISTORIES.items() for _ in range(count)]
    histories += ["none"] * (generated - len(histories))
    rng.shuffle(histories)
    ordered_departments = list(departments.values())
    for n, history in enumerate(histories):
        department = ordered_departments[n % len(ordered_departments)]
        name, kana = _name(rng)
        heads_department = department.pk not in supervised
        job_title = _job_title(titles, heads_department)  # drawn every time, as the names
        person, created = _person_seed(
            department, next(employee_numbers[department.organisation.lg_code]), name, kana,
            job_title,
        )
        # Drawn every time, so a second run draws the same names for the same people.
        grants = _id_history(history, rng, today)
        if created:
            _grant_seed(person, grants)
        # Every department has a supervisor (所属長): its first generated member, unless
        # a demo account supervises it.
        if heads_department:
            RoleAssignment.objects.get_or_create(
                person=person, role=Role.SUPERVISOR, department=department
            )
            supervised.add(department.pk)
    _colleague_account_seed(departments[PREFECTURE_CODE, OPERATOR_DEPARTMENT], today)


def _colleague_account_seed(department, today) -> None:
    """A login for one of the operator's colleagues who holds an ID, so that the demo can
    show a colleague confirming a briefing (the user `colleague`)."""
    user, created = get_user_model().objects.get_or_create(
        username=COLLEAGUE_USERNAME, defaults={"last_name": "同僚"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    if Person.objects.filter(user=user).exists():
        return
    colleague = (
        Person.objects.filter(department=department, user__isnull=True)
        .id_holders(today).order_by("employee_number").first()
    )
    if colleague is not None:
        colleague.user = user
        colleague.save(update_fields=["user"])


@transaction.atomic
def demo_seed_large(*, people: int = LARGE_PEOPLE, today: datetime.date) -> dict | None:
    """Add synthetic municipalities until there are 45 organisations, 2,000 departments
    and `people` people in all, counting the demo. Returns what it added, or None when
    the large data set is already there.

    Rows are built in memory and written with bulk_create: one INSERT per batch, never
    one query per row.
    """
    if Organisation.objects.filter(lg_code=large_lg_code(1)).exists():
        return None
    rng = random.Random(SEED + 1)
    titles = random.Random(SEED + 3)
    demo_departments = sum(len(spec["departments"]) for spec in ORGANISATIONS)

    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"負荷試験町{n:02d}", kind=Organisation.Kind.MUNICIPALITY,
                     lg_code=large_lg_code(n))
        for n in range(1, LARGE_ORGANISATIONS - len(ORGANISATIONS) + 1)
    )
    departments = []
    for n in range(LARGE_DEPARTMENTS - demo_departments):
        organisation = organisations[n % len(organisations)]
        index = n // len(organisations)
        base_name = LARGE_DEPARTMENT_NAMES[index % len(LARGE_DEPARTMENT_NAMES)]
        section = index // len(LARGE_DEPARTMENT_NAMES)
        departments.append(Department(
            organisation=organisation,
            code=f"{index + 1:04d}",
            name=base_name if section == 0 else f"{base_name}第{section + 1}係",
            is_coordinating_division=index == 0,
        ))
    departments = Department.objects.bulk_create(departments, batch_size=BATCH_SIZE)

    # Department sizes vary a lot in practice (a ward office against a one-person
    # section); a Pareto draw gives a few large departments and many small ones.
    weights = [rng.paretovariate(2) for _ in departments]
    employee_numbers = defaultdict(lambda: itertools.count(100001))
    staff = []
    headed = set()  # a department's first member heads it, as below
    for department in rng.choices(departments, weights, k=people - DEMO_PEOPLE):
        name, kana = _name(rng)
        staff.append(Person(
            organisation_id=department.organisation_id,
            department=department,
            employee_number=str(next(employee_numbers[department.organisation_id])),
            name=name,
            kana=kana,
            job_title=_job_title(titles, department.pk not in headed),
        ))
        headed.add(department.pk)
    staff = Person.objects.bulk_create(staff, batch_size=BATCH_SIZE)

    histories = rng.choices(
        list(LARGE_HISTORY_SHARES), list(LARGE_HISTORY_SHARES.values()), k=len(staff)
    )
    grants = [
        IdGrant(person=person, granted_on=granted_on, revoked_on=revoked_on, reason=reason)
        for person, history in zip(staff, histories, strict=True)
        for granted_on, revoked_on, reason in _id_history(history, rng, today)
    ]
    IdGrant.objects.bulk_create(grants, batch_size=BATCH_SIZE)

    first_member = {}
    for person in staff:
        first_member.setdefault(person.department_id, person)
    RoleAssignment.objects.bulk_create(
        (
            RoleAssignment(person=person, role=Role.SUPERVISOR, department_id=department_id)
            for department_id, person in first_member.items()
        ),
        batch_size=BATCH_SIZE,
    )
    return {
        "organisations": len(organisations),
        "departments": len(departments),
        "people": len(staff),
        "id_grants": len(grants),
    }


def large_lg_code(n: int) -> str:
    """A valid code for the n-th synthetic municipality. No real code in Kumamoto starts
    with 439, so a real roster can never collide with one."""
    first_five = f"439{n:02d}"
    return f"{first_five}{local_government_check_digit(first_five)}"


def _person_seed(department, number, name, kana, job_title, *, user=None):
    defaults = {"department": department, "name": name, "kana": kana, "job_title": job_title}
    if user is not None:
        defaults["user"] = user
    return Person.objects.update_or_create(
        organisation=department.organisation, employee_number=str(number), defaults=defaults
    )


def _grant_seed(person, history):
    for granted_on, revoked_on, reason in history:
        IdGrant.objects.create(
            person=person, granted_on=granted_on, revoked_on=revoked_on, reason=reason
        )


def _job_title(rng: random.Random, heads_department: bool) -> str:
    drawn = rng.choices(JOB_TITLES, JOB_TITLE_WEIGHTS)[0]
    return SUPERVISOR_JOB_TITLE if heads_department else drawn


def _name(rng: random.Random) -> tuple[str, str]:
    (family, family_kana), (given, given_kana) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    return f"{family} {given}", f"{family_kana} {given_kana}"


def _id_history(kind: str, rng: random.Random, today: datetime.date):
    """The (granted_on, revoked_on, reason) rows of one person's ID history.

    "new": granted this fiscal year, most of them in April after the personnel changes;
    "transfer": held an ID in a previous department until March 31, granted again this
    year; "established": granted in an earlier year; "reissued": granted earlier and
    reissued before this year; "former": held an ID until the end of last year;
    "none": never held one.
    """
    first_day = fiscal_year_of(today).first_day
    last_year_end = first_day - datetime.timedelta(days=1)
    this_year = first_day + datetime.timedelta(
        days=min((today - first_day).days, int(rng.expovariate(1 / 20)))
    )
    earlier = first_day - datetime.timedelta(days=rng.randint(30, 6 * 365))
    Reason = IdGrant.Reason
    if kind == "new":
        return [(this_year, None, Reason.NEW_ASSIGNMENT)]
    if kind == "transfer":
        return [(earlier, last_year_end, Reason.NEW_ASSIGNMENT), (this_year, None, Reason.TRANSFER)]
    if kind == "established":
        return [(earlier, None, Reason.NEW_ASSIGNMENT)]
    if kind == "reissued":
        reissued = earlier + datetime.timedelta(days=rng.randint(1, (last_year_end - earlier).days))
        return [
            (earlier, reissued - datetime.timedelta(days=1), Reason.NEW_ASSIGNMENT),
            (reissued, None, Reason.REISSUE),
        ]
    if kind == "former":
        return [(earlier, last_year_end, Reason.NEW_ASSIGNMENT)]
    return []
