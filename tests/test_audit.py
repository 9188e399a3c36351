"""The audit trail: what is recorded, that an action and its event are one transaction,
that nothing can change or delete an event (on PostgreSQL not even the application's
database role), the coordinator's trail page with its filters and download, and the
access-log reviews with their weighted sample."""

import csv
import datetime
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import chain, reviews
from audit.models import AppendOnlyError, AuditEvent, AuditFinding, AuditReview
from people.models import Department
from tests.test_certificates import certified
from tests.test_people_admin import with_people_permissions
from tests.test_quizzes import with_quiz_permissions

Action = AuditEvent.Action
JST = ZoneInfo("Asia/Tokyo")


def event(organisation, department, action=Action.RECORDS_VIEWED, *, at, subject=None):
    """An event as if recorded at `at`, in the chain (the trail's own writers leave the
    time to the database's clock)."""
    return chain.append(
        at=at, action=action, content_type=ContentType.objects.get_for_model(Department),
        object_id=str(department.pk), organisation=organisation, department=department,
        subject=subject,
    )


# What is recorded


def test_viewing_a_colleagues_records_is_recorded_with_who_whom_and_where(
    clock, login, supervisor, operator
):
    client = login(supervisor)
    before = database_now()
    client.get(reverse("people:person", args=[operator.pk]), REMOTE_ADDR="10.1.2.3")
    recorded = AuditEvent.objects.get()
    assert recorded.action == Action.RECORDS_VIEWED
    assert recorded.actor == supervisor.user and recorded.actor_person == supervisor
    assert recorded.subject == operator and recorded.department == operator.department
    assert recorded.organisation == operator.organisation
    assert recorded.address == "10.1.2.3"
    # The time is the database's, not the application's (frozen here at 2026-11-26 10:00).
    assert before <= recorded.at <= database_now()


def database_now():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {chain._CLOCK[connection.vendor]}")
        now = cursor.fetchone()[0]
    if isinstance(now, str):
        now = datetime.datetime.fromisoformat(now)
    return now if now.tzinfo else now.replace(tzinfo=datetime.UTC)


def test_reading_ones_own_records_is_not_recorded(clock, login, operator):
    login(operator).get(reverse("people:person", args=[operator.pk]))
    assert not AuditEvent.objects.exists()


def test_behind_a_proxy_the_address_comes_from_x_forwarded_for(
    clock, settings, login, supervisor, operator
):
    settings.TRUSTED_PROXY_COUNT = 1
    login(supervisor).get(reverse("people:person", args=[operator.pk]), REMOTE_ADDR="10.0.0.1",
                          HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.4")
    assert AuditEvent.objects.get().address == "192.0.2.4"


def test_a_revocation_is_recorded(clock, login, coordinator, operator):
    certificate = certified(operator)
    login(coordinator).post(reverse("training:certificate_manage", args=[certificate.pk]),
                            {"reason": "誤って発行したため", "confirm": "on"})
    revoked = AuditEvent.objects.get(action=Action.CERTIFICATE_REVOKED)
    assert revoked.subject == operator and revoked.object_id == str(certificate.pk)


def test_a_revocation_whose_audit_record_fails_is_not_made(
    clock, login, coordinator, operator, monkeypatch
):
    """The action and its event are one transaction: no event, no revocation."""
    certificate = certified(operator)

    def broken_record(*args, **kwargs):
        raise DatabaseError("the audit table refused the row")

    monkeypatch.setattr("training.views.certificates.trail.record", broken_record)
    client = login(coordinator)
    client.raise_request_exception = False
    response = client.post(reverse("training:certificate_manage", args=[certificate.pk]),
                           {"reason": "誤って発行したため", "confirm": "on"})
    assert response.status_code == 500
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_a_refused_revocation_records_nothing(clock, login, coordinator, operator):
    certificate = certified(operator)
    login(coordinator).post(reverse("training:certificate_manage", args=[certificate.pk]),
                            {"reason": "", "confirm": "on"})
    assert not AuditEvent.objects.filter(action=Action.CERTIFICATE_REVOKED).exists()


def test_an_acknowledgement_recorded_on_someones_behalf_is_recorded(
    clock, login, supervisor, operator, plan
):
    client = login(supervisor)
    client.post(reverse("training:department_reading", args=[operator.department_id]),
                {"person": operator.pk, "page": plan.pk, "note": "紙で確認済み"})
    on_behalf = AuditEvent.objects.get(action=Action.RECORDED_ON_BEHALF)
    assert on_behalf.subject == operator and on_behalf.actor_person == supervisor


def test_a_change_in_the_wagtail_admin_is_recorded_about_the_person(
    clock, login, coordinator, operator
):
    client = login(with_people_permissions(coordinator))
    edit = reverse("person:edit", args=[operator.pk])
    form = client.get(edit).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(name="山田 花子（旧姓 木村）", organisation=operator.organisation_id,
                department=operator.department_id)
    response = client.post(edit, data, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302, response.context["form"].errors
    changed = AuditEvent.objects.get(action=Action.ADMIN_CHANGED)
    assert changed.detail == "wagtail.edit" and changed.subject == operator
    assert changed.actor_person == coordinator and changed.address == "10.9.8.7"


def test_a_download_from_an_admin_list_of_personal_records_is_recorded(
    clock, login, coordinator
):
    response = login(with_quiz_permissions(coordinator)).get("/admin/attempt/?export=xlsx")
    assert response.status_code == 200
    exported = AuditEvent.objects.get(action=Action.RECORDS_EXPORTED)
    assert exported.detail == "受験（xlsx）" and exported.actor_person == coordinator


# Append-only


def test_an_event_cannot_be_changed_or_deleted_through_the_application(clock, prefecture,
                                                                        department_a):
    recorded = event(prefecture, department_a, at=timezone.now())
    recorded.detail = "書き換え"
    with pytest.raises(AppendOnlyError):
        recorded.save()
    with pytest.raises(AppendOnlyError):
        recorded.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=recorded.pk).update(detail="書き換え")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().detail == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET detail = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_postgresql_refuses_to_change_an_event_whatever_the_role(
    clock, prefecture, department_a, statement
):
    event(prefecture, department_a, at=timezone.now())
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET detail = 'x'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
])
def test_the_application_role_of_the_readme_cannot_rewrite_the_trail(
    clock, prefecture, department_a, statement
):
    """The role the README's production set-up gives the application: it owns nothing and
    holds the grants the README lists."""
    event(prefecture, department_a, at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS kunren_app_probe")
        cursor.execute("CREATE ROLE kunren_app_probe NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                       "TO kunren_app_probe")
        cursor.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                       "TO kunren_app_probe")
        cursor.execute("REVOKE UPDATE, DELETE ON audit_auditevent FROM kunren_app_probe")
        try:
            cursor.execute("SAVEPOINT probe")
            cursor.execute("SET ROLE kunren_app_probe")
            cursor.execute("INSERT INTO audit_auditevent (at, action, content_type_id, "
                           "object_id, detail, sequence, previous_hash, hash) SELECT at, "
                           "action, content_type_id, object_id, 'by the app role', "
                           "sequence + 1, hash, hash FROM audit_auditevent LIMIT 1")
            with pytest.raises(DatabaseError):
                with transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute("ROLLBACK TO SAVEPOINT probe")
            cursor.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM kunren_app_probe")
            cursor.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM kunren_app_probe")
            cursor.execute("DROP ROLE kunren_app_probe")
    assert AuditEvent.objects.count() == 1


# The trail page


def test_the_trail_shows_a_coordinator_their_organisations_events_only(
    clock, login, city_coordinator, prefecture, city, department_a, city_department
):
    event(prefecture, department_a, at=timezone.now())
    event(city, city_department, action=Action.IMPORTED, at=timezone.now())
    body = login(city_coordinator).get(reverse("audit:trail")).content.decode()
    assert "区民課" in body and "県北広域本部福祉課" not in body
    assert "1件" in body or "1 event" in body


@pytest.mark.parametrize("person", ["operator", "supervisor", "evaluator"])
@pytest.mark.parametrize("name", ["audit:trail", "audit:findings", "audit:reviews"])
def test_only_coordinators_find_the_audit_pages(request, clock, login, person, name):
    assert login(request.getfixturevalue(person)).get(reverse(name)).status_code == 404


def test_the_trail_filters_by_person_department_action_and_date(
    clock, login, coordinator, prefecture, department_a, department_b, operator
):
    now = timezone.now()
    event(prefecture, department_a, at=now, subject=operator)
    event(prefecture, department_b, action=Action.IMPORTED, at=now - datetime.timedelta(days=40))
    client = login(coordinator)

    def shown(**filters):
        """The events the trail lists, leaving out the trail's own views: each is itself
        recorded (LIST_VIEWED, at the database's time, today's)."""
        listed = client.get(reverse("audit:trail"), filters).context["page"].paginator
        return listed.object_list.exclude(action=Action.LIST_VIEWED).count()

    assert shown() == 2
    assert shown(person="山田") == 1 and shown(person="operator") == 1
    assert shown(department=department_b.pk) == 1
    assert shown(action=Action.IMPORTED) == 1
    assert shown(date_from="2026-11-01") == 1
    assert shown(date_to="2026-10-31") == 1


def test_a_bad_filter_gets_a_message_in_japanese(clock, login, coordinator):
    response = login(coordinator).get(reverse("audit:trail"), {"date_from": "1800-01-01"})
    assert response.status_code == 400
    assert "2000-01-01" in response.content.decode()
    response = login(coordinator).get(reverse("audit:trail"), {"date_to": "2026-02-30"})
    assert response.status_code == 400
    assert "日付を正しく入力してください" in response.content.decode()


def test_the_trail_page_costs_the_same_queries_for_many_events(
    clock, login, coordinator, prefecture, department_a, operator
):
    client = login(coordinator)
    event(prefecture, department_a, at=timezone.now(), subject=operator)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:trail"))
    for minutes in range(60):
        event(prefecture, department_a, at=timezone.now() - datetime.timedelta(minutes=minutes),
              subject=operator)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("audit:trail"))
    assert len(many) == len(few)


def test_downloading_the_trail_is_itself_recorded(
    clock, login, coordinator, prefecture, department_a, operator
):
    event(prefecture, department_a, at=timezone.now(), subject=operator)
    response = login(coordinator).get(reverse("audit:trail_download", args=["csv"]),
                                      {"department": department_a.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and "山田 花子" in rows[1]
    exported = AuditEvent.objects.get(action=Action.TRAIL_EXPORTED)
    assert exported.actor_person == coordinator
    assert exported.detail == f"csv、1 行、条件 department={department_a.pk}"


def test_a_detail_is_written_in_the_language_of_the_request(
    clock, login, coordinator, prefecture, department_a, operator
):
    """Japanese first: the trail reads in Japanese, written so at the time; a coordinator
    who switched to English writes (and reads) English."""
    event(prefecture, department_a, at=timezone.now(), subject=operator)
    client = login(coordinator)
    client.get(reverse("audit:trail_download", args=["csv"]))
    client.post(reverse("set_language"), {"language": "en"})
    client.get(reverse("audit:trail_download", args=["xlsx"]))
    details = list(AuditEvent.objects.filter(action=Action.TRAIL_EXPORTED)
                   .order_by("pk").values_list("detail", flat=True))
    assert details == ["csv、1 行", "xlsx, 2 rows"]  # the first download is an event too


def test_an_import_is_summed_up_in_the_words_of_its_preview():
    from types import SimpleNamespace

    from audit.trail import import_summary

    result = SimpleNamespace(file_name="名簿.xlsx", totals={
        "new": 3, "update": 1, "unchanged": 40, "error": 0})
    assert import_summary(result) == "名簿.xlsx：新規 3、更新 1、変更なし 40、エラー 0"


# Access-log reviews


def test_months_are_drawn_one_in_each_quarter():
    import random

    months = reviews.months_sampled(datetime.date(2026, 4, 1), datetime.date(2027, 3, 31),
                                    months_per_quarter=1, rng=random.Random(7))
    assert len(months) == 4
    quarters = [(4, 5, 6), (7, 8, 9), (10, 11, 12), (1, 2, 3)]
    assert all(month.month in quarter for month, quarter in zip(months, quarters, strict=True))


def test_departments_with_findings_get_a_larger_share_of_the_sample(
    coordinator, prefecture, department_a, department_b
):
    for day in range(1, 31):
        for department in (department_a, department_b):
            for hour in (9, 15):
                event(prefecture, department,
                      at=datetime.datetime(2026, 6, day, hour, tzinfo=JST))
    for _ in range(3):
        AuditFinding.objects.create(
            department=department_b, found_on=datetime.date(2025, 12, 1),
            source=AuditFinding.Source.EXTERNAL_AUDIT, description="照合IDを紙に記載",
            recorded_by=coordinator, recorded_at=timezone.now(),
        )
    review = reviews.review_draw(
        organisation=prefecture, period_start=datetime.date(2026, 6, 1),
        period_end=datetime.date(2026, 6, 30), sample_size=30, by=coordinator,
        now=timezone.now(), seed=20261126,
    )
    share = Counter(review.items.values_list("event__department", flat=True))
    assert sum(share.values()) == 30
    # Weight 4 against 1: in expectation about four in five of the sample.
    assert share[department_b.pk] > 2 * share[department_a.pk] > 0


def test_drawing_and_concluding_a_review_records_findings_that_weigh_later_draws(
    clock, login, coordinator, prefecture, department_a, operator
):
    event(prefecture, department_a, at=timezone.now(), subject=operator)
    client = login(coordinator)
    response = client.post(reverse("audit:reviews"), {
        "organisation": prefecture.pk, "period_start": "2026-10-01",
        "period_end": "2026-12-31", "months_per_quarter": 3, "sample_size": 10,
    })
    review = AuditReview.objects.get()
    assert response.url == reverse("audit:review", args=[review.pk])
    item = review.items.get()
    client.post(reverse("audit:review", args=[review.pk]), {
        f"verdict-{item.pk}": "questioned", f"note-{item.pk}": "業務外の閲覧の疑い",
        "outcome": "issues", "outcome_note": "閲覧理由の確認が必要",
    })
    review.refresh_from_db()
    assert review.outcome == "issues" and review.concluded_by == coordinator
    finding = AuditFinding.objects.get()
    assert finding.department == department_a and finding.review == review
    assert reviews.finding_weights(prefecture, until=datetime.date(2027, 3, 31)) == {
        department_a.pk: 2
    }
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        Action.REVIEW_DRAWN, Action.REVIEW_CONCLUDED,
    }


def test_a_review_with_questioned_events_cannot_conclude_without_issues(
    clock, login, coordinator, prefecture, department_a
):
    event(prefecture, department_a, at=timezone.now())
    review = reviews.review_draw(
        organisation=prefecture, period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30), sample_size=5, by=coordinator,
        now=timezone.now(),
    )
    item = review.items.get()
    response = login(coordinator).post(reverse("audit:review", args=[review.pk]), {
        f"verdict-{item.pk}": "questioned", "outcome": "no_issues",
    }, follow=True)
    assert "結果を「問題なし」にはできません" in response.content.decode()
    review.refresh_from_db()
    item.refresh_from_db()
    assert review.outcome == "pending" and item.verdict == "pending"


@pytest.mark.parametrize("data, message", [
    ({"period_start": "2026-12-01", "period_end": "2026-04-01"}, "開始日以降"),
    ({"sample_size": 0}, "1 以上"),
    ({"sample_size": 10**12}, "500 以下"),
    ({"period_start": "0001-01-01"}, "2000-01-01"),
])
def test_a_bad_draw_request_gets_a_message_and_draws_nothing(
    clock, login, coordinator, prefecture, data, message
):
    posted = {"organisation": prefecture.pk, "period_start": "2026-04-01",
              "period_end": "2027-03-31", "months_per_quarter": 1, "sample_size": 10, **data}
    response = login(coordinator).post(reverse("audit:reviews"), posted)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditReview.objects.exists()


def test_another_organisations_review_is_404(clock, login, city_coordinator, coordinator,
                                              prefecture):
    review = reviews.review_draw(
        organisation=prefecture, period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 6, 30), sample_size=5, by=coordinator,
        now=timezone.now(),
    )
    client = login(city_coordinator)
    assert client.get(reverse("audit:review", args=[review.pk])).status_code == 404
    assert client.post(reverse("audit:review", args=[review.pk]),
                       {"outcome": "no_issues"}).status_code == 404
    assert AuditReview.objects.get().outcome == "pending"


def test_the_audit_pages_name_departments_with_their_organisation(
    clock, login, coordinator, prefecture, department_a
):
    """Department.full_name: the trail's filter, the findings form and the findings list."""
    AuditFinding.objects.create(department=department_a, found_on=datetime.date(2026, 11, 1),
                                source=AuditFinding.Source.INTERNAL_AUDIT, description="記録漏れ",
                                recorded_by=coordinator, recorded_at=timezone.now())
    client = login(coordinator)
    trail = client.get(reverse("audit:trail")).content.decode()
    findings = client.get(reverse("audit:findings")).content.decode()
    assert f'<option value="{department_a.pk}">熊本県 県北広域本部福祉課</option>' in trail
    assert f'<option value="{department_a.pk}">熊本県 県北広域本部福祉課</option>' in findings
    assert "<td>熊本県 県北広域本部福祉課</td>" in findings


def test_a_change_in_the_admin_reads_as_wagtail_names_it(coordinator, operator, login):
    """The trail stores Wagtail's action name; a person reads its label (issue 18)."""
    from django.contrib.contenttypes.models import ContentType

    from audit.trail import event

    event(actor=coordinator.user, action=AuditEvent.Action.ADMIN_CHANGED,
          content_type=ContentType.objects.get_for_model(operator), object_id=str(operator.pk),
          subject=operator, detail="wagtail.publish")
    body = login(coordinator).get(reverse("audit:trail")).content.decode()
    assert "<small>公開</small>" in body and "wagtail.publish" not in body
