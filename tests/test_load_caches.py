"""What the load mix keeps between requests (issue 20), and that it is never stale nor
anyone else's: the required-reading catalogue each process holds under a stamp
(core.stamps, training.reading.required_reading), and the scope read in one query
(people.access.scope_for)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import EmergencyPlanPage, TrainingIndexPage, TrainingModulePage
from core.models import Stamp
from core.stamps import held, held_forget, stamp_renew
from people.access import scope_for
from people.models import RoleAssignment
from tests.conftest import publish_revision
from training.reading import required_pages, required_reading

MINE = reverse("training:mine")


def client_of(person):
    client = Client()
    client.force_login(person.user)
    return client


def catalogue_reads(captured):
    return [query for query in captured.captured_queries
            if 'FROM "cms_emergencyplanpage"' in query["sql"]]


def acknowledge(client, page):
    page.refresh_from_db()
    response = client.post(reverse("training:reading", args=[page.pk]),
                           {"revision": page.live_revision_id})
    assert response.status_code == 302


@pytest.fixture
def module(plan, prefecture):
    """A training module of 熊本県, required of its ID holders, not yet published."""
    index = plan.get_parent().add_child(instance=TrainingIndexPage(
        title="研修資料", slug="training", organisation=prefecture))
    index.save_revision().publish()
    return index.add_child(instance=TrainingModulePage(
        title="端末操作の手引き", slug="terminal", body=[], required_for="id_holders",
        live=False))


# core.stamps


def test_a_copy_is_used_until_its_stamp_is_renewed(db):
    computed = []

    def compute():
        computed.append(len(computed))
        return len(computed)

    assert held("test.numbers", compute) == 1
    assert held("test.numbers", compute) == 1
    stamp_renew("test.numbers")
    assert held("test.numbers", compute) == 2
    assert computed == [0, 1]


def test_another_process_renewing_the_stamp_makes_the_copy_stale(db):
    stamp_renew("test.numbers")
    assert held("test.numbers", lambda: "first") == "first"
    # Another process's change: the row's token changes, this process's memory does not.
    Stamp.objects.filter(name="test.numbers").update(token="from-another-process")
    assert held("test.numbers", lambda: "second") == "second"


def test_the_stamp_is_read_once_per_request_and_afresh_after_a_renewal(
    clock, login, plan, operator, django_assert_num_queries
):
    client = login(operator)
    client.get(MINE)  # the catalogue is held from now on
    with django_assert_num_queries(13) as captured:
        client.get(MINE)
    stamp_reads = [q for q in captured.captured_queries if 'FROM "core_stamp"' in q["sql"]]
    assert len(stamp_reads) == 1
    assert catalogue_reads(captured) == []


# The required-reading catalogue: each change shows on the next request


def test_a_page_published_is_required_reading_on_the_next_request(
    clock, plan, module, operator
):
    client = client_of(operator)
    assert "端末操作の手引き" not in client.get(MINE).content.decode()
    module.save_revision().publish()
    assert "端末操作の手引き" in client.get(MINE).content.decode()


def test_a_page_unpublished_is_no_longer_required_on_the_next_request(
    clock, plan, module, operator
):
    module.save_revision().publish()
    client = client_of(operator)
    assert "端末操作の手引き" in client.get(MINE).content.decode()
    module.refresh_from_db()
    module.unpublish()
    assert "端末操作の手引き" not in client.get(MINE).content.decode()


def test_a_page_no_longer_required_of_id_holders_leaves_the_list(clock, plan, operator):
    client = client_of(operator)
    assert "熊本県 緊急時対応計画書" in client.get(MINE).content.decode()
    publish_revision(plan, requires_reacknowledgement=False,
                     change=lambda page: setattr(page, "required_for", "supervisors"))
    assert "熊本県 緊急時対応計画書" not in client.get(MINE).content.decode()


def open_reading(client):
    return client.get(MINE).context["open_count"]


def test_a_new_edition_asks_again_on_the_next_request(clock, plan, operator):
    client = client_of(operator)
    acknowledge(client, plan)
    assert open_reading(client) == 0
    publish_revision(plan, requires_reacknowledgement=True, reason="連絡先の変更")
    assert open_reading(client) == 1
    publish_revision(plan, requires_reacknowledgement=False)  # a correction: no new ask
    assert open_reading(client) == 1


def test_a_reading_acknowledged_shows_as_done_on_the_next_request(clock, plan, operator):
    client = client_of(operator)
    assert open_reading(client) == 1
    acknowledge(client, plan)
    assert open_reading(client) == 0
    home = client.get(reverse("home"))
    assert home.context["open_reading"] == 0 and home.context["reading_count"] == 1


def test_a_page_deleted_leaves_the_catalogue(clock, plan, module):
    module.save_revision().publish()
    assert module.pk in [page.pk for page, _organisation in required_pages()]
    TrainingModulePage.objects.get(pk=module.pk).delete()
    assert module.pk not in [page.pk for page, _organisation in required_pages()]


def test_a_module_moved_to_another_organisations_index_follows_it(
    clock, plan, module, city, operator, outsider
):
    module.save_revision().publish()
    city_index = plan.get_parent().add_child(instance=TrainingIndexPage(
        title="熊本市 研修資料", slug="city-training", organisation=city))
    operator_client, outsider_client = client_of(operator), client_of(outsider)
    module.refresh_from_db()
    module.reach = "own"
    module.save_revision().publish()
    assert "端末操作の手引き" in operator_client.get(MINE).content.decode()
    assert "端末操作の手引き" not in outsider_client.get(MINE).content.decode()
    module.refresh_from_db()
    module.move(city_index, pos="last-child")
    assert "端末操作の手引き" not in operator_client.get(MINE).content.decode()
    assert "端末操作の手引き" in outsider_client.get(MINE).content.decode()


def test_a_rolled_back_publication_leaves_no_copy_behind(clock, plan, module, operator):
    from django.db import transaction

    client = client_of(operator)
    client.get(MINE)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        module.save_revision().publish()
        # Read inside the transaction: the catalogue with the module, under the new token.
        assert module.pk in [page.pk for page, _organisation in required_pages()]
        raise Abandon
    assert "端末操作の手引き" not in client.get(MINE).content.decode()
    assert module.pk not in [page.pk for page, _organisation in required_reading().pages]


# Isolation: the catalogue is everyone's, the obligations each person's


def test_two_people_on_the_same_page_each_see_their_own_reading(clock, plan, operator, colleague):
    operator_client, colleague_client = client_of(operator), client_of(colleague)
    acknowledge(operator_client, plan)
    assert open_reading(operator_client) == 0
    assert open_reading(colleague_client) == 1
    assert colleague_client.get(reverse("home")).context["open_reading"] == 1
    assert operator_client.get(reverse("home")).context["open_reading"] == 0


def test_a_page_of_one_organisation_is_not_required_in_another(
    clock, plan, home_page, city, operator, outsider
):
    city_plan = home_page.add_child(instance=EmergencyPlanPage(
        title="熊本市 緊急時対応計画書", slug="plan-431001", organisation=city,
        required_for="id_holders", body=[]))
    city_plan.save_revision().publish()
    operator_page = client_of(operator).get(MINE).content.decode()
    outsider_page = client_of(outsider).get(MINE).content.decode()
    assert "熊本県 緊急時対応計画書" in operator_page
    assert "熊本市 緊急時対応計画書" not in operator_page
    assert "熊本市 緊急時対応計画書" in outsider_page
    assert "熊本県 緊急時対応計画書" not in outsider_page


def test_the_held_catalogue_is_not_changed_by_the_pages_that_use_it(clock, plan, operator):
    client = client_of(operator)
    client.get(MINE)
    client.get(reverse("home"))
    client.get(reverse("training:reading", args=[plan.pk]))
    before = [(page.pk, page.title, page.live_revision_id, organisation)
              for page, organisation in required_reading().pages]
    held_forget()
    assert [(page.pk, page.title, page.live_revision_id, organisation)
            for page, organisation in required_reading().pages] == before


# The scope, read in one query: a role granted or taken counts on the next request


def test_a_role_granted_counts_on_the_next_request(clock, operator, department_a):
    client = client_of(operator)
    assert 'id="supervisor"' not in client.get(reverse("home")).content.decode()
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    assert 'id="supervisor"' in client.get(reverse("home")).content.decode()
    RoleAssignment.objects.filter(person=operator).delete()
    assert 'id="supervisor"' not in client.get(reverse("home")).content.decode()


def test_the_scope_holds_every_role_and_the_current_grant(
    clock, operator, department_a, department_b, prefecture
):
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_a)
    RoleAssignment.objects.create(person=operator, role="supervisor", department=department_b)
    RoleAssignment.objects.create(person=operator, role="evaluator", organisation=prefecture)
    operator.user.refresh_from_db()
    scope = scope_for(operator.user)
    assert scope.person == operator
    assert scope.supervised_department_ids == {department_a.pk, department_b.pk}
    assert scope.evaluated_organisation_ids == {prefecture.pk}
    assert not scope.is_coordinator
    assert scope.id_granted_on == datetime.date(2026, 4, 10)


def test_a_grant_revoked_counts_on_the_next_request(clock, operator):
    client = client_of(operator)
    assert "照合IDを付与されています" in client.get(reverse("home")).content.decode()
    operator.id_grants.update(revoked_on=datetime.date(2026, 11, 1))
    assert "照合IDを付与されています" not in client.get(reverse("home")).content.decode()


# What the rush writes stays out of Wagtail's reference index


def test_attempts_and_attendances_are_not_indexed_for_usage_but_quizzes_are(db):
    from wagtail.models.reference_index import ReferenceIndex

    from training.models import Attempt, Attendance, Quiz

    assert not ReferenceIndex.is_indexed(Attempt)
    assert not ReferenceIndex.is_indexed(Attendance)
    assert ReferenceIndex.is_indexed(Quiz)
