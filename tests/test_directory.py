import pytest
from django.urls import reverse

from tests.conftest import make_person

URL = reverse("people:directory")


def test_it_asks_anonymous_visitors_to_log_in(client, db):
    assert client.get(URL).status_code == 302


def test_an_operator_lists_their_department_and_nobody_else(
    clock, login, operator, colleague, supervisor, other_supervisor, outsider
):
    body = login(operator).get(URL).content.decode()
    assert "山田 花子" in body and "佐藤 次郎" in body and "田中 一郎" in body
    assert "鈴木 三郎" not in body  # another department
    assert "伊藤 健" not in body  # another organisation


def test_a_coordinator_can_filter_by_department_and_search_by_kana(
    clock, login, coordinator, operator, colleague, other_supervisor, department_b
):
    client = login(coordinator)
    body = client.get(URL, {"department": department_b.pk}).content.decode()
    assert "鈴木 三郎" in body and "山田 花子" not in body
    body = client.get(URL, {"q": "ヤマダ"}).content.decode()
    assert "山田 花子" in body and "佐藤 次郎" not in body


def test_it_marks_new_id_holders_and_can_list_holders_only(
    clock, login, coordinator, operator, colleague, supervisor
):
    body = login(coordinator).get(URL, {"holders": "1"}).content.decode()
    assert "山田 花子" in body and "佐藤 次郎" in body
    assert "田中 一郎" not in body  # holds no ID
    assert body.count('<span class="badge new">新規</span>') == 1  # only the operator's is new


def test_filtering_by_a_department_outside_the_scope_shows_no_one(
    clock, login, operator, other_supervisor, department_b
):
    body = login(operator).get(URL, {"department": department_b.pk}).content.decode()
    assert "鈴木 三郎" not in body
    assert "該当する職員はいません。" in body


@pytest.mark.parametrize("people_per_department", [2, 30])
def test_the_directory_uses_a_constant_number_of_queries(
    clock, login, coordinator, department_a, city_department, people_per_department,
    django_assert_num_queries,
):
    for department in (department_a, city_department):
        for n in range(people_per_department):
            make_person(f"{department.code}-{n}", department, name=f"職員{n}",
                        granted_on="2026-05-01")
    client = login(coordinator)
    client.get(URL)  # warm the caches (the audit event's content type)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), count, page of people with their
    # current grant, departments for the filter
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    with django_assert_num_queries(11):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize("typed", ["ﾔﾏﾀﾞ", "ヤマダ", "ｏｐｅｒａｔｏｒ"])
def test_the_search_folds_widths_as_japanese_input_varies_them(
    clock, login, coordinator, operator, colleague, typed
):
    # The operator's kana is ヤマダ ハナコ and employee number "operator".
    body = login(coordinator).get(URL, {"q": typed}).content.decode()
    assert "山田 花子" in body and "佐藤 次郎" not in body


def test_the_directory_and_the_person_page_show_job_titles(clock, login, coordinator, operator,
                                                           colleague):
    operator.job_title = "主任"
    operator.save(update_fields=["job_title"])
    client = login(coordinator)

    body = client.get(URL).content.decode()

    assert "<th>職名</th>" in body
    assert "<td>主任</td>" in body
    assert body.count("<td>—</td>") >= 1  # 佐藤 has no title
    page = client.get(reverse("people:person", args=[operator.pk])).content.decode()
    assert "<dt>職名</dt><dd>主任</dd>" in page
