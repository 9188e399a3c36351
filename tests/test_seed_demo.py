"""seed_demo: the demo a visitor logs into, and the large data set the benchmarks use."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import F

from people.access import scope_for
from people.fiscal import FiscalYear
from people.models import (
    Department,
    IdGrant,
    Organisation,
    Person,
    RoleAssignment,
    validate_local_government_code,
)

TODAY = datetime.date(2026, 11, 26)  # the `clock` fixture's day, in fiscal year 2026
ACCOUNTS = ["coordinator", "supervisor", "operator", "evaluator", "kumamoto-city"]


@pytest.fixture
def seed(clock, settings, db):
    settings.DEBUG = True

    def run(*args, **options):
        out = StringIO()
        call_command("seed_demo", *args, stdout=out, **options)
        return out.getvalue()

    return run


def row_counts():
    models = [Organisation, Department, Person, IdGrant, RoleAssignment, get_user_model(), Group]
    return {model.__name__: model.objects.count() for model in models}


def test_running_it_twice_leaves_the_same_rows(seed):
    seed()
    first = row_counts()
    seed()
    assert row_counts() == first
    assert first["Organisation"] == 5 and first["Person"] == 150


def test_it_mirrors_the_minutes(seed):
    seed()
    prefecture = Organisation.objects.get(lg_code="430005")
    assert prefecture.name == "熊本県" and prefecture.is_prefecture
    names = set(prefecture.departments.values_list("name", flat=True))
    assert {
        "県北広域本部福祉課", "阿蘇地域振興局総務福祉課", "県央広域本部収税第一課",
        "総務部自動車税事務所", "球磨地域振興局用地課", "上益城地域振興局福祉課",
        "阿蘇地域振興局保健予防課", "市町村課",
    } <= names
    assert prefecture.departments.get(is_coordinating_division=True).name == "市町村課"
    assert Organisation.objects.get(lg_code="431001").name == "熊本市"


def test_about_eighty_percent_of_id_holders_are_new_this_fiscal_year(seed):
    seed()
    holders = Person.objects.id_holders(TODAY).count()
    new = Person.objects.new_id_holders(FiscalYear(2026), TODAY).count()
    assert holders == 100
    assert new == 80
    assert not IdGrant.objects.filter(granted_on__gt=TODAY).exists()
    assert IdGrant.objects.filter(revoked_on__isnull=False).exists()  # some history


def test_the_demo_accounts_log_in_with_the_published_password(seed, client):
    seed()
    for username in ACCOUNTS:
        assert client.login(username=username, password="kumamoto-demo"), username
        assert Person.objects.filter(user__username=username).exists()


def test_each_demo_account_has_the_scope_its_name_promises(seed):
    seed()
    users = {user.username: user for user in get_user_model().objects.all()}
    assert scope_for(users["coordinator"]).sees_everything
    [supervised_id] = scope_for(users["supervisor"]).supervised_department_ids
    supervised = Department.objects.get(pk=supervised_id)
    assert supervised.name == "県北広域本部福祉課"
    assert users["supervisor"].person.department == supervised
    operator = users["operator"].person
    assert operator.department == supervised
    assert Person.objects.new_id_holders(FiscalYear(2026), TODAY).filter(pk=operator.pk).exists()
    assert scope_for(users["evaluator"]).evaluated_organisation_ids == {operator.organisation_id}
    city = scope_for(users["kumamoto-city"])
    assert not city.sees_everything
    assert set(city.organisations().values_list("name", flat=True)) == {"熊本市"}


def test_only_coordinators_may_enter_the_wagtail_admin(seed, client):
    seed()
    client.login(username="coordinator", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 200
    # 熊本市's coordinator edits the city's material, but not the prefecture-wide lists.
    client.login(username="kumamoto-city", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/person/").status_code == 302
    client.login(username="operator", password="kumamoto-demo")
    assert client.get("/admin/").status_code == 302


def test_it_refuses_to_run_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_the_large_scale_adds_to_the_demo_once(seed):
    seed("--scale", "large", "--people", "2000")
    counts = row_counts()
    assert counts["Organisation"] == 45
    assert counts["Department"] == 2000
    assert counts["Person"] == 2000
    holders = Person.objects.id_holders(TODAY).count()
    new = Person.objects.new_id_holders(FiscalYear(2026), TODAY).count()
    assert 1100 <= holders <= 1300  # 60%
    assert 0.75 <= new / holders <= 0.85
    for lg_code in Organisation.objects.values_list("lg_code", flat=True):
        validate_local_government_code(lg_code)
    assert not Person.objects.exclude(organisation=F("department__organisation")).exists()
    assert get_user_model().objects.filter(username__in=ACCOUNTS).count() == 5

    assert "already present" in seed("--scale", "large", "--people", "2000")
    assert row_counts() == counts


def test_every_demo_question_points_at_a_heading_of_the_module_it_tests(seed):
    from training.models import Question, Quiz

    seed()
    seed()
    assert Question.objects.count() == 15
    assert Quiz.objects.get().rules.count() == 5
    for question in Question.objects.select_related("module"):
        headings = {block.id for block in question.module.body if block.block_type == "heading"}
        assert question.section_id in headings, question.text
        assert question.choices.filter(is_correct=True).exists()


def test_the_demo_has_this_years_session_with_attendance_and_passed_quizzes(seed):
    from training.models import Attempt, Certificate, TrainingSession

    seed()
    seed()
    past, today = TrainingSession.objects.order_by("starts_at")
    assert past.invitations.count() == Person.objects.filter(
        organisation=past.organisation).id_holders(TODAY).count()
    assert past.attendances.count() == past.invitations.count()
    assert Attempt.objects.filter(passed=True).count() == Certificate.objects.count() > 0
    operator = Person.objects.get(user__username="operator")
    assert operator.attendances.get(session=past).status == "present"
    assert not operator.attempts.exists()  # left for the demo to take
    assert today.starts_at.date() == TODAY
