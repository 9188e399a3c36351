import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from people.fiscal import FiscalYear
from people.models import IdGrant, Person, RoleAssignment, validate_local_government_code


@pytest.mark.parametrize("code", ["430005", "431001", "432024", "011002", "131016"])
def test_it_accepts_real_local_government_codes(code):
    validate_local_government_code(code)


@pytest.mark.parametrize("code", ["430004", "43000", "4300050", "43000a", ""])
def test_it_refuses_a_code_with_a_wrong_check_digit_or_shape(code):
    with pytest.raises(ValidationError):
        validate_local_government_code(code)


def test_a_grant_cannot_be_revoked_before_it_was_granted(operator):
    with pytest.raises(IntegrityError):
        IdGrant.objects.create(
            person=operator,
            granted_on=datetime.date(2026, 5, 1),
            revoked_on=datetime.date(2026, 4, 30),
        )


def test_a_supervisor_role_needs_a_department(operator, prefecture):
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(person=operator, role="supervisor", organisation=prefecture)


def test_a_person_in_another_organisations_department_is_invalid(operator, city_department):
    operator.department = city_department
    with pytest.raises(ValidationError):
        operator.clean()


def test_new_id_holders_are_those_granted_this_fiscal_year_and_still_holding(
    operator, colleague, outsider
):
    # operator: granted 2026-04-10 (new in FY2026); colleague: granted 2023 (not new);
    # outsider: granted 2025-05-01, revoked 2026-06-30, then granted again 2026-07-01
    # after a transfer: counts as new.
    IdGrant.objects.filter(person=outsider).update(revoked_on=datetime.date(2026, 6, 30))
    IdGrant.objects.create(person=outsider, granted_on=datetime.date(2026, 7, 1), reason="transfer")
    day = datetime.date(2026, 11, 26)

    holders = set(Person.objects.id_holders(day).values_list("name", flat=True))
    new = set(Person.objects.new_id_holders(FiscalYear(2026), day).values_list("name", flat=True))

    assert holders == {"山田 花子", "佐藤 次郎", "伊藤 健"}
    assert new == {"山田 花子", "伊藤 健"}


def test_a_revoked_grant_stops_counting_on_the_day_it_is_revoked(operator):
    IdGrant.objects.filter(person=operator).update(revoked_on=datetime.date(2026, 9, 1))
    assert Person.objects.id_holders(datetime.date(2026, 8, 31)).count() == 1
    assert Person.objects.id_holders(datetime.date(2026, 9, 1)).count() == 0


def test_counts_by_department_are_worked_out_in_one_query(
    operator, colleague, supervisor, other_supervisor, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = {
            row["department"]: row
            for row in Person.objects.counts_by(
                "department", day=datetime.date(2026, 11, 26), fiscal_year=FiscalYear(2026)
            )
        }
    a = counts[operator.department_id]
    assert (a["people"], a["id_holders"], a["new_id_holders"]) == (3, 2, 1)
    b = counts[other_supervisor.department_id]
    assert (b["people"], b["id_holders"], b["new_id_holders"]) == (1, 0, 0)
