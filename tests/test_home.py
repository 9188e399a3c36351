import pytest
from django.urls import reverse


def test_it_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_operator_sees_their_id_and_that_it_is_new_this_year(clock, login, operator):
    response = login(operator).get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2026年4月10日から照合IDを付与されています" in body
    assert "今年度の新規ID付与者" in body
    assert 'id="supervisor"' not in body and 'id="coordinator"' not in body


def test_a_supervisor_sees_their_departments_counts(clock, login, supervisor, operator, colleague):
    body = login(supervisor).get(reverse("home")).content.decode()
    assert 'id="supervisor"' in body
    # 3 staff, of whom 2 hold an ID and 1 was granted it this fiscal year.
    assert ('<td class="num">3</td><td class="num">2</td><td class="num">1</td>') in body
    assert 'id="coordinator"' not in body


def test_a_coordinator_sees_every_organisation_with_counts(
    clock, login, coordinator, operator, colleague, outsider, city_department
):
    body = login(coordinator).get(reverse("home")).content.decode()
    assert 'id="coordinator"' in body
    assert "熊本県" in body and "熊本市" in body
    # 熊本市: the outsider, granted 2025-05-01, holds an ID but is not new.
    assert '<td>431001</td>\n        <td class="num">1</td><td class="num">1</td><td class="num">0</td>' in body


def test_an_evaluator_is_led_to_the_drills_they_evaluate(clock, login, evaluator):
    body = login(evaluator).get(reverse("home")).content.decode()
    assert 'id="evaluator"' in body
    assert f'href="{reverse("drills:list")}"' in body


def test_an_outsider_sees_nothing_of_the_prefecture(clock, login, outsider, operator, supervisor):
    body = login(outsider).get(reverse("home")).content.decode()
    assert "熊本市" in body
    assert "県北広域本部福祉課" not in body


@pytest.mark.parametrize("people_per_department", [1, 12])
def test_the_coordinator_home_uses_a_constant_number_of_queries(
    clock, login, coordinator, department_a, department_b, city_department,
    people_per_department, django_assert_num_queries,
):
    from tests.conftest import make_person

    for department in (department_a, department_b, city_department):
        for n in range(people_per_department):
            make_person(f"{department.code}-{n}", department, name=f"職員{n}",
                        granted_on="2026-05-01")
    client = login(coordinator)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles, ID grant), required reading (training
    # indexes, modules, plans, read once for the person and the duty matrix; no pages so
    # no baselines or acknowledgements), own plan, briefings waiting for the person,
    # briefings the person has still to give (one query with the counts), counts,
    # organisations; then the duty matrix (reports.duties): organisations, counts per
    # department, drills held, departments; the terminal look-ups waiting for an answer
    with django_assert_num_queries(18):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("people_in_department", [0, 12])
def test_the_supervisor_home_reads_the_required_pages_once(
    clock, login, plan, supervisor, operator, department_a, people_in_department,
    django_assert_num_queries,
):
    from tests.conftest import make_person

    for n in range(people_in_department):
        make_person(f"staff-{n}", department_a, name=f"職員{n}", granted_on="2026-05-01")
    client = login(supervisor)
    # Session, user, scope (person, roles, ID grant), required reading (training
    # indexes, modules, plans, read once for the person and the duty matrix; none is the
    # supervisor's, so no baselines or acknowledgements of theirs), own plan, briefings
    # waiting, briefings to give; the duty matrix: the pages' baselines, counts per
    # department, organisations, drills held, departments; the supervised departments
    # and their counts; the terminal look-ups waiting for their answer
    with django_assert_num_queries(19) as captured:
        assert client.get(reverse("home")).status_code == 200
    reads_of_plans = [query for query in captured.captured_queries
                      if 'FROM "cms_emergencyplanpage"' in query["sql"]
                      and "'nobody'" in query["sql"]]
    assert len(reads_of_plans) == 1


def test_the_site_is_japanese_even_for_an_english_browser(clock, login, operator):
    client = login(operator)
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "照合ID" in body


def test_the_language_switch_makes_it_english(clock, login, operator):
    client = login(operator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "My operator ID" in client.get(reverse("home")).content.decode()
