"""The scope rules of people.access: Scope, the people rules, and the line under it (it
knows no app above people)."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404

from drills.models import Scenario
from people.access import admin_records_for, get_overseen_department_for, get_person_for, scope_for


def names(queryset):
    return set(queryset.values_list("name", flat=True))


@pytest.fixture
def everyone(operator, colleague, supervisor, other_supervisor, coordinator, city_coordinator,
             evaluator, outsider):
    return locals()


def test_an_operator_sees_their_own_department_only(everyone, operator):
    scope = scope_for(operator.user)
    assert names(scope.people()) == {"山田 花子", "佐藤 次郎", "田中 一郎"}
    assert names(scope.departments()) == {"県北広域本部福祉課"}
    assert scope.id_granted_on == operator.id_grants.get().granted_on
    assert not (scope.is_supervisor or scope.is_coordinator)


def test_a_supervisor_sees_the_departments_they_supervise(everyone, other_supervisor):
    scope = scope_for(other_supervisor.user)
    assert names(scope.people()) == {"鈴木 三郎"}
    assert scope.is_supervisor and scope.id_granted_on is None


def test_a_prefecture_coordinator_sees_every_organisation(everyone, coordinator):
    scope = scope_for(coordinator.user)
    assert scope.sees_everything
    assert scope.people().count() == 8
    assert names(scope.organisations()) == {"熊本県", "熊本市"}


def test_a_municipality_coordinator_sees_only_their_organisation(everyone, city_coordinator):
    scope = scope_for(city_coordinator.user)
    assert not scope.sees_everything
    assert names(scope.people()) == {"中村 修", "伊藤 健"}
    assert names(scope.organisations()) == {"熊本市"}


def test_an_evaluator_is_scoped_like_an_operator_outside_drills(everyone, evaluator):
    scope = scope_for(evaluator.user)
    assert scope.is_evaluator and not scope.is_coordinator
    assert names(scope.people()) == {"高橋 恵", "小林 誠"}


def test_an_account_without_a_staff_record_sees_no_one(everyone, db):
    user = get_user_model().objects.create_user("stranger")
    assert scope_for(user).people().count() == 0
    assert scope_for(user).departments().count() == 0


def test_a_superuser_sees_everyone(everyone, db):
    user = get_user_model().objects.create_superuser("root", password="x")
    assert scope_for(user).people().count() == 8


def test_someone_outside_the_scope_is_not_found(everyone, operator, outsider, department_b):
    with pytest.raises(Http404):
        get_person_for(operator.user, outsider.pk)
    assert get_person_for(operator.user, operator.pk) == operator


def test_an_overseen_department_is_the_supervisors_not_its_staffs(
        everyone, operator, supervisor, department_a, department_b):
    assert get_overseen_department_for(supervisor.user, department_a.pk) == department_a
    with pytest.raises(Http404):
        get_overseen_department_for(supervisor.user, department_b.pk)
    with pytest.raises(Http404):
        get_overseen_department_for(operator.user, department_a.pk)


def test_the_scope_is_computed_once_per_user_object(everyone, operator, django_assert_num_queries):
    user = get_user_model().objects.get(pk=operator.user.pk)
    with django_assert_num_queries(1):  # person with roles and active ID grant
        scope_for(user)
    with django_assert_num_queries(0):
        scope_for(user)


def test_the_admin_history_rows_follow_each_apps_registered_path(
        everyone, city, city_coordinator, scenario):
    """drills registers its own path (DrillsConfig.ready); people names no higher app."""
    own = Scenario.objects.create(organisation=city, title="市の訓練", incident_type="other",
                                  summary="", objectives=[], timeline=[])
    Group.objects.get_or_create(name="Editors")
    assert list(admin_records_for(city_coordinator.user, Scenario)) == [own]
    # Accounts and groups cannot be told apart by organisation: prefecture-wide only.
    assert not admin_records_for(city_coordinator.user, Group).exists()


HIGHER_APPS = {"audit", "directory", "cms", "training", "drills", "reports", "config", "ops"}


def imported_apps(module_path: Path) -> set[str]:
    """The top-level packages a module imports anywhere, inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(module_path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_people_access_imports_no_higher_app():
    people_access = Path(__file__).resolve().parent.parent / "people" / "access.py"
    assert "people" in imported_apps(people_access)  # the walk does see its imports
    assert imported_apps(people_access) & HIGHER_APPS == set()
