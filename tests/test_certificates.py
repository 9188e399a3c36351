"""Certificates: issuing, codes, revoking, expiry, the PDF, reminders, and who sees what."""

import datetime
import importlib
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from core.models import OutgoingMail
from core.outbox import outbox_send
from core.schedules import ensure_schedules
from training import certificates
from training.certificates import (
    Status,
    certificate_issue,
    certificate_pdf,
    certificate_revoke,
    certificate_status,
    certificates_issue_pending,
    certificates_remind,
    code_normalise,
)
from training.models import Attempt, Attendance, Certificate, CoursePolicy, Quiz, TrainingSession
from training.models.certificates import CertificateReminder

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 26)  # the clock fixture's day
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def make_session(organisation, *, title="令和8年度 住基ネット担当者研修会",
                 starts_at=datetime.datetime(2026, 11, 20, 13, 30, tzinfo=JST)):
    quiz = Quiz.objects.create(organisation=organisation, title="確認テスト")
    return TrainingSession.objects.create(
        organisation=organisation, title=title, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2), venue="県庁 地下大会議室",
        capacity=100, quiz=quiz,
    )


def make_attempt(session, person, *, passed=True, number=1, day=20):
    submitted = datetime.datetime(2026, 11, day, 15, 0, tzinfo=JST)
    return Attempt.objects.create(
        quiz=session.quiz, session=session, person=person, number=number,
        started_at=submitted - datetime.timedelta(minutes=15), deadline=submitted,
        submitted_at=submitted, score_percent=90 if passed else 40, passed=passed,
    )


def attend(session, person, status="present"):
    return Attendance.objects.create(
        session=session, person=person, status=status, method="roster",
        recorded_at=session.starts_at,
    )


def certified(person, session=None, **kwargs):
    """A passed attempt, attendance and the certificate they earn, issued today."""
    session = session or make_session(person.organisation)
    attend(session, person)
    return certificate_issue(attempt=make_attempt(session, person, **kwargs), today=TODAY)


@pytest.fixture
def session(prefecture):
    return make_session(prefecture)


# Issuing


def test_a_passed_attempt_with_attendance_earns_a_certificate(clock, session, operator):
    attend(session, operator)
    attempt = make_attempt(session, operator)
    certificate = certificate_issue(attempt=attempt, today=TODAY)
    assert certificate.person == operator and certificate.session == session
    assert certificate.attempt == attempt
    assert certificate.issued_on == datetime.date(2026, 11, 26)
    # By default valid to the end of the fiscal year of issue (issue 18: offices think in
    # fiscal years).
    assert certificate.expires_on == datetime.date(2027, 3, 31)
    assert CODE.match(certificate.code)
    assert certificate_status(certificate, today=TODAY) == "valid"


def test_late_attendance_counts(session, operator):
    attend(session, operator, status="late")
    assert certificate_issue(attempt=make_attempt(session, operator), today=TODAY)


def test_the_validity_is_the_course_policy_s(session, operator):
    policy = CoursePolicy.objects.create(
        organisation=session.organisation, fiscal_year=2026,
        certificate_validity=CoursePolicy.Validity.DAYS, certificate_valid_days=30)
    assert certified(operator, session).expires_on == datetime.date(2026, 12, 26)

    policy.certificate_validity = CoursePolicy.Validity.FISCAL_YEAR_END
    policy.certificate_extra_years = 2
    assert policy.certificate_expires_on(datetime.date(2026, 11, 26)) == datetime.date(2029, 3, 31)


def test_a_certificate_issued_on_31_march_is_valid_that_day_and_not_the_next(operator, session):
    policy = CoursePolicy(organisation=session.organisation, fiscal_year=2025)
    assert policy.certificate_expires_on(datetime.date(2026, 3, 31)) == datetime.date(2026, 3, 31)
    assert policy.certificate_expires_on(datetime.date(2026, 4, 1)) == datetime.date(2027, 3, 31)


def test_a_failed_attempt_earns_no_certificate(session, operator):
    attend(session, operator)
    with pytest.raises(ValidationError, match="合格した"):
        certificate_issue(attempt=make_attempt(session, operator, passed=False), today=TODAY)
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("status", [None, "absent", "excused"])
def test_without_attendance_a_pass_earns_no_certificate(session, operator, status):
    if status:
        attend(session, operator, status=status)
    with pytest.raises(ValidationError, match="出席の記録がありません"):
        certificate_issue(attempt=make_attempt(session, operator), today=TODAY)
    assert not Certificate.objects.exists()


def test_issuing_twice_returns_the_same_certificate(session, operator):
    attend(session, operator)
    attempt = make_attempt(session, operator)
    first = certificate_issue(attempt=attempt, today=TODAY)
    again = certificate_issue(attempt=attempt, today=TODAY + datetime.timedelta(days=3))
    assert again == first and again.issued_on == TODAY
    assert Certificate.objects.count() == 1


def test_a_second_passing_attempt_does_not_earn_a_second_certificate(session, operator):
    first = certified(operator, session)
    second = certificate_issue(attempt=make_attempt(session, operator, number=2), today=TODAY)
    assert second == first
    assert Certificate.objects.count() == 1


def test_after_a_revocation_a_new_pass_earns_a_new_certificate(session, operator, coordinator):
    first = certified(operator, session)
    certificate_revoke(certificate=first, by=coordinator, reason="受験者の取り違え",
                       now=timezone.now())
    second = certificate_issue(attempt=make_attempt(session, operator, number=2), today=TODAY)
    assert second != first and second.code != first.code
    assert certificate_issue(attempt=first.attempt, today=TODAY) == first  # still revoked


def test_a_code_that_is_taken_is_drawn_again(monkeypatch, session, operator, colleague):
    taken = certified(colleague, session).code
    codes = iter([taken, "ABCD-EFGH-JK23"])
    monkeypatch.setattr(certificates, "code_new", lambda: next(codes))
    assert certified(operator, session).code == "ABCD-EFGH-JK23"


def test_a_concurrent_issue_returns_the_certificate_issued_first(monkeypatch, session, operator):
    first = certified(operator, session)
    real_existing, calls = certificates._existing, []

    def not_yet_committed_then_real(attempt):
        calls.append(attempt)
        return None if len(calls) == 1 else real_existing(attempt)

    monkeypatch.setattr(certificates, "_existing", not_yet_committed_then_real)
    assert certificate_issue(attempt=first.attempt, today=TODAY) == first
    assert Certificate.objects.count() == 1


def test_codes_are_random(session, operator, colleague):
    codes = {certified(operator).code, certified(colleague).code}
    assert len(codes) == 2


def test_pending_certificates_are_issued_once_attendance_is_recorded(
    clock, session, operator, colleague, supervisor, outsider
):
    make_attempt(session, operator)  # passed before attendance was recorded
    make_attempt(session, operator, number=2, day=21)  # passed again
    make_attempt(session, colleague, passed=False)
    make_attempt(session, supervisor)  # passed, never attended
    make_attempt(session, outsider)
    assert certificates_issue_pending(session=session, today=TODAY) == 0

    attend(session, operator)
    attend(session, colleague)
    attend(session, outsider, status="late")
    assert certificates_issue_pending(session=session, today=TODAY) == 2
    certificate = Certificate.objects.get(person=operator)
    assert certificate.attempt.number == 1  # the first pass
    assert Certificate.objects.filter(person=outsider).exists()
    assert certificates_issue_pending(session=session, today=TODAY) == 0
    assert Certificate.objects.count() == 2


def test_pending_issuing_leaves_a_revoked_certificate_revoked(session, operator, coordinator):
    certificate = certified(operator, session)
    certificate_revoke(certificate=certificate, by=coordinator, reason="誤登録", now=timezone.now())
    make_attempt(session, operator, number=2)
    assert certificates_issue_pending(session=session, today=TODAY) == 0


# Codes


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JK23",
    "abcd-efgh-jk23",
    "ABCDEFGHJK23",
    " abcd efgh jk23 ",
    "ＡＢＣＤ－ＥＦＧＨ－ＪＫ２３",  # full width, as a Japanese input method types it
    "ABCDーEFGHーJK23",  # the long-vowel mark for a dash
    "ABCD‐EFGH—JK23",
    "ABCD\u3000EFGH\u3000JK23",  # ideographic space
])
def test_a_typed_code_is_normalised(typed):
    assert code_normalise(typed) == "ABCD-EFGH-JK23"


@pytest.mark.parametrize("typed", [
    "", "ABCD-EFGH-JK2", "ABCD-EFGH-JK234", "ABCD-EFGH-JK20", "OBCD-EFGH-JK23", "IBCD-EFGH-JK23",
    "ABCD_EFGH_JK23", "<script>alert(1)</script>", "ABCD-EFGH-JK2あ",
])
def test_a_malformed_code_is_refused(typed):
    assert code_normalise(typed) is None


def test_a_new_code_avoids_the_characters_that_look_alike():
    for _ in range(200):
        code = certificates.code_new()
        assert CODE.match(code)
        assert not set(code) & set("0O1I")


# Status, revoking


def test_a_certificate_is_valid_until_its_last_day_then_expired(session, operator):
    certificate = certified(operator, session)
    assert certificate_status(certificate, today=datetime.date(2027, 3, 31)) == Status.VALID
    assert certificate_status(certificate, today=datetime.date(2027, 4, 1)) == Status.EXPIRED


def test_revoking_needs_a_reason_and_changes_nothing_without_one(session, operator, coordinator):
    certificate = certified(operator, session)
    for reason in ("", "   \n"):
        with pytest.raises(ValidationError, match="理由を入力してください"):
            certificate_revoke(certificate=certificate, by=coordinator, reason=reason,
                               now=timezone.now())
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.revoked_reason == ""


def test_revoking_records_who_when_and_why_and_twice_is_harmless(
    clock, session, operator, coordinator
):
    certificate = certified(operator, session)
    now = timezone.now()
    certificate_revoke(certificate=certificate, by=coordinator, reason=" 受講者の取り違え ", now=now)
    certificate_revoke(certificate=certificate, by=coordinator, reason="別の理由",
                       now=now + datetime.timedelta(hours=1))
    certificate.refresh_from_db()
    assert certificate.revoked_at == now
    assert certificate.revoked_by == coordinator
    assert certificate.revoked_reason == "受講者の取り違え"
    # Revoked beats expired.
    assert certificate_status(certificate, today=datetime.date(2030, 1, 1)) == Status.REVOKED


# The PDF

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs poppler-utils (apt-get install poppler-utils)"
)


def pdf_text_and_fonts(tmp_path, content):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout
    return text, fonts


@needs_poppler
def test_the_pdf_says_who_what_when_and_how_to_verify(tmp_path, clock, session, operator):
    certificate = certified(operator, session)
    content = certificate_pdf(certificate, base_url="https://kunren.example.lg.jp/")
    text, fonts = pdf_text_and_fonts(tmp_path, content)

    assert content.startswith(b"%PDF")
    for expected in [
        "修了証", "山田 花子", "県北広域本部福祉課", "熊本県", "令和8年度 住基ネット担当者研修会",
        "令和8年11月20日",  # held on
        "令和8年11月26日",  # issued on
        "令和9年3月31日",  # valid until: the end of the fiscal year
        certificate.code, "検証コード", "有効期限",
    ]:
        assert expected in text, expected
    assert "https://kunren.example.lg.jp/verify/" in text.replace("\n", "")
    assert any("IPAexGothic" in line and " yes " in line for line in fonts.splitlines())
    # Addressed and signed as an office issues a paper (issue 18).
    assert "山田 花子 殿" in text and "（公印省略）" in text


@needs_poppler
def test_the_pdf_is_addressed_by_department_title_and_name(tmp_path, clock, session, operator):
    """所属 職名 氏名 殿, as an office addresses a paper; without a title, 所属 氏名 殿."""
    certificate = certified(operator, session)
    untitled, _fonts = pdf_text_and_fonts(tmp_path, certificate_pdf(certificate, base_url="http://x/"))
    operator.job_title = "主任主事"
    operator.save(update_fields=["job_title"])
    certificate.refresh_from_db()

    text, _fonts = pdf_text_and_fonts(tmp_path, certificate_pdf(certificate, base_url="http://x/"))

    assert "県北広域本部福祉課 主任主事 山田 花子 殿" in text
    assert "県北広域本部福祉課 山田 花子 殿" in untitled
    assert text.count("殿") == 1


@needs_poppler
def test_the_issuing_officer_is_named_and_the_address_is_the_configured_one(
        tmp_path, clock, session, operator, login, settings):
    session.organisation.certificate_issuer = "熊本県総務部市町村課長"
    session.organisation.save()
    certificate = certified(operator, session)
    settings.WAGTAILADMIN_BASE_URL = "https://kunren.example.lg.jp"
    response = login(operator).get(reverse("training:certificate_pdf", args=[certificate.pk]),
                                   HTTP_HOST="127.0.0.1")
    text, _fonts = pdf_text_and_fonts(tmp_path, response.content)
    assert "熊本県総務部市町村課長" in text
    flat = text.replace("\n", "")
    assert f"https://kunren.example.lg.jp/verify/{certificate.code}/" in flat
    assert "127.0.0.1" not in flat


@needs_poppler
def test_the_pdf_of_a_revoked_certificate_says_so(tmp_path, clock, session, operator, coordinator):
    certificate = certified(operator, session)
    certificate_revoke(certificate=certificate, by=coordinator, reason="誤登録", now=timezone.now())
    text, _fonts = pdf_text_and_fonts(tmp_path, certificate_pdf(certificate, base_url="http://x/"))
    assert "この修了証は令和8年11月26日に失効しました" in text
    assert "誤登録" not in text


def test_the_qr_code_holds_the_verification_url(session, operator):
    certificate = certified(operator, session)
    url = certificates.verification_url(certificate, base_url="https://kunren.example.lg.jp/")
    assert url == f"https://kunren.example.lg.jp/verify/{certificate.code}/"
    drawing = certificates._qr_code(url, size=100)
    assert drawing.contents[0].value == url


# Reminders


def certificate_expiring(person, session, expires_on):
    attend(session, person)
    return Certificate.objects.create(
        person=person, session=session, attempt=make_attempt(session, person),
        code=certificates.code_new(), issued_on=expires_on - datetime.timedelta(days=365),
        expires_on=expires_on,
    )


def test_the_reminder_goes_out_once_within_the_reminder_period(clock, operator, colleague):
    operator.email = "hanako@example.lg.jp"
    operator.save()
    colleague.email = "jiro@example.lg.jp"
    colleague.save()
    session = make_session(operator.organisation, title="令和7年度 住基ネット担当者研修会")
    # 30 days ahead is the last day reminded; 31 days ahead is not yet.
    due = certificate_expiring(operator, session, datetime.date(2026, 12, 26))
    certificate_expiring(colleague, session, datetime.date(2026, 12, 27))

    assert certificates_remind(today=TODAY) == 1
    assert outbox_send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@example.lg.jp"]
    assert message.subject.startswith("修了証の有効期限（2026年12月26日）が近づいています")
    assert message.subject.endswith("Your training certificate expires on Dec. 26, 2026")
    japanese, english = message.body.split("-" * 40)
    assert "山田 花子 様" in japanese and "令和7年度 住基ネット担当者研修会" in japanese
    assert "2026年12月26日" in japanese and due.code in japanese
    assert "Dear 山田 花子," in english and "is valid until Dec. 26, 2026" in english
    assert "/training/certificates/" in english

    reminder = CertificateReminder.objects.get()
    assert reminder.certificate == due and reminder.sent_to == "hanako@example.lg.jp"
    assert reminder.sent_at == timezone.now()

    assert certificates_remind(today=TODAY) == 0  # never twice
    assert certificates_remind(today=TODAY + datetime.timedelta(days=1)) == 1  # the colleague's
    assert outbox_send() == 1
    assert len(mail.outbox) == 2


def test_no_reminder_when_revoked_expired_renewed_or_without_e_mail(
    clock, operator, colleague, supervisor, outsider, coordinator
):
    for person in (operator, colleague, supervisor):
        person.email = f"{person.user.username}@example.lg.jp"
        person.save()
    old = make_session(operator.organisation, title="令和7年度 研修会")
    new = make_session(operator.organisation, title="令和8年度 研修会")
    revoked = certificate_expiring(operator, old, datetime.date(2026, 12, 1))
    certificate_revoke(certificate=revoked, by=coordinator, reason="誤登録", now=timezone.now())
    certificate_expiring(colleague, old, datetime.date(2026, 11, 25))  # expired yesterday
    certificate_expiring(supervisor, old, datetime.date(2026, 12, 1))
    certificate_expiring(supervisor, new, datetime.date(2027, 11, 20))  # already renewed
    certificate_expiring(outsider, make_session(outsider.organisation), datetime.date(2026, 12, 1))

    assert certificates_remind(today=TODAY) == 0
    assert outbox_send() == 0
    assert mail.outbox == []


def test_a_reminder_another_worker_sent_is_not_sent_again(clock, operator, session):
    operator.email = "hanako@example.lg.jp"
    operator.save()
    certificate = certificate_expiring(operator, session, datetime.date(2026, 12, 10))
    assert certificates._remind(certificate) is True
    assert certificates._remind(certificate) is False  # the one-to-one key refuses it
    outbox_send()
    assert len(mail.outbox) == 1 and CertificateReminder.objects.count() == 1


def test_a_reminder_that_failed_to_send_is_recorded_and_goes_out_at_the_retry(
    monkeypatch, clock, operator, session
):
    operator.email = "hanako@example.lg.jp"
    operator.save()
    certificate_expiring(operator, session, datetime.date(2026, 12, 10))

    def refuse(message, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert certificates_remind(today=TODAY) == 1
    assert outbox_send() == 0
    assert CertificateReminder.objects.count() == 1  # recorded once, whatever the server does
    failed = OutgoingMail.objects.get()
    assert (failed.attempts, failed.last_error) == (1, "ConnectionRefusedError: SMTP server down")
    monkeypatch.undo()
    assert certificates_remind(today=TODAY) == 0
    clock.shift(datetime.timedelta(minutes=1))
    assert outbox_send() == 1
    assert len(mail.outbox) == 1


def test_the_daily_schedule_is_made_once_and_kept(clock, db):
    Schedule.objects.filter(name="certificate-reminders").delete()
    ensure_schedules()
    schedule = Schedule.objects.get(name="certificate-reminders")
    assert schedule.func == "training.tasks.send_certificate_reminders"
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    # The clock says 10:00, so the first run is tomorrow at 07:00.
    assert schedule.next_run == datetime.datetime(2026, 11, 27, 7, 0, tzinfo=JST)

    Schedule.objects.filter(pk=schedule.pk).update(
        func="somewhere.else", next_run=datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)
    )
    ensure_schedules()
    schedule = Schedule.objects.get(name="certificate-reminders")
    assert schedule.func == "training.tasks.send_certificate_reminders"
    assert schedule.next_run == datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JST)  # kept


def test_the_migration_makes_the_schedule(db):
    from django.apps import apps

    Schedule.objects.filter(name="certificate-reminders").delete()
    migration = importlib.import_module("training.migrations.0004_certificate_reminder_schedule")
    migration.create_schedules(apps, None)
    assert Schedule.objects.filter(
        name="certificate-reminders", func="training.tasks.send_certificate_reminders"
    ).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reminders(task_worker, operator):
    # The worker runs on the real clock, so the dates here come from it too.
    today = timezone.localdate()
    operator.email = "hanako@example.lg.jp"
    operator.save()
    session = make_session(operator.organisation)
    certificate = certificate_expiring(operator, session, today + datetime.timedelta(days=10))

    assert task_worker("training.tasks.send_certificate_reminders") == 1
    reminder = CertificateReminder.objects.get()
    assert reminder.certificate == certificate and reminder.sent_to == "hanako@example.lg.jp"
    assert task_worker("training.tasks.send_certificate_reminders") == 0


# Views: the list, the PDF, revoking


def test_an_operator_lists_and_downloads_only_their_own(clock, login, session, operator, colleague):
    own = certified(operator, session)
    theirs = certified(colleague, session)
    client = login(operator)

    page = client.get(reverse("training:certificates")).content.decode()
    assert own.code in page and "有効" in page
    assert reverse("training:certificate_pdf", args=[own.pk]) in page
    assert theirs.code not in page and "佐藤 次郎" not in page

    response = client.get(reverse("training:certificate_pdf", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{own.code}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("training:certificate_pdf", args=[theirs.pk])).status_code == 404


def test_the_list_shows_expired_and_revoked_certificates_as_such(
    clock, login, operator, coordinator
):
    expired = certified(operator, make_session(operator.organisation, title="令和6年度 研修会"))
    revoked = certified(operator, make_session(operator.organisation, title="令和7年度 研修会"))
    certificate_revoke(certificate=revoked, by=coordinator, reason="誤登録", now=timezone.now())
    clock.move_to(datetime.datetime(2027, 12, 1, 9, 0, tzinfo=JST))
    page = login(operator).get(reverse("training:certificates")).content.decode()
    assert re.search(r'class="certificate expired">\s*<td>令和6年度 研修会', page)
    assert re.search(r'class="certificate revoked">\s*<td>令和7年度 研修会', page)
    assert "期限切れ" in page and "失効" in page
    assert expired.code in page


def test_a_supervisor_sees_their_departments_certificates(
    login, session, operator, colleague, supervisor, other_supervisor, outsider
):
    own = certified(operator, session)
    colleagues = certified(colleague, session)
    elsewhere = certified(outsider)

    page = login(supervisor).get(reverse("training:certificates")).content.decode()
    assert "山田 花子" in page and "佐藤 次郎" in page and "伊藤 健" not in page
    assert f'href="{reverse("training:certificate_manage", args=[own.pk])}"' not in page  # may not revoke
    client = login(supervisor)
    assert client.get(reverse("training:certificate_pdf", args=[colleagues.pk])).status_code == 200
    assert client.get(reverse("training:certificate_pdf", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("training:certificate_manage", args=[own.pk])).status_code == 404

    client = login(other_supervisor)
    assert client.get(reverse("training:certificate_pdf", args=[own.pk])).status_code == 404


def test_coordinators_see_their_organisations_certificates(
    login, session, operator, outsider, coordinator, city_coordinator, evaluator
):
    own = certified(operator, session)
    city = certified(outsider)

    page = login(coordinator).get(reverse("training:certificates")).content.decode()
    assert "山田 花子" in page and "伊藤 健" in page  # prefecture-wide
    assert f'href="{reverse("training:certificate_manage", args=[own.pk])}"' in page

    client = login(city_coordinator)
    page = client.get(reverse("training:certificates")).content.decode()
    assert "伊藤 健" in page and "山田 花子" not in page
    assert client.get(reverse("training:certificate_pdf", args=[own.pk])).status_code == 404
    assert client.get(reverse("training:certificate_manage", args=[city.pk])).status_code == 200

    client = login(evaluator)
    assert client.get(reverse("training:certificate_pdf", args=[own.pk])).status_code == 404


def test_an_outsider_gets_404_and_an_anonymous_visitor_the_login(client, login, session, operator,
                                                                 outsider):
    certificate = certified(operator, session)
    for name in ("training:certificate_pdf", "training:certificate_manage"):
        url = reverse(name, args=[certificate.pk])
        assert client.get(url).status_code == 302
        assert login(outsider).get(url).status_code == 404
        client.logout()
    assert client.get(reverse("training:certificates")).status_code == 302


def test_a_coordinator_revokes_with_a_reason(clock, login, session, operator, coordinator):
    certificate = certified(operator, session)
    client = login(coordinator)
    url = reverse("training:certificate_manage", args=[certificate.pk])
    page = client.get(url).content.decode()
    assert "山田 花子" in page and certificate.code in page and 'name="reason"' in page

    response = client.post(url, {"reason": "受講者の取り違えが判明したため", "confirm": "on"},
                           follow=True)
    assert "修了証を失効させました" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at == timezone.now()
    assert certificate.revoked_by == coordinator
    assert certificate.revoked_reason == "受講者の取り違えが判明したため"
    page = response.content.decode()
    assert "受講者の取り違えが判明したため" in page and 'name="reason"' not in page

    response = client.post(url, {"reason": "もう一度", "confirm": "on"}, follow=True)
    assert "既に失効しています" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "受講者の取り違えが判明したため"


def test_revoking_without_a_reason_says_so_and_changes_nothing(login, session, operator,
                                                               coordinator):
    certificate = certified(operator, session)
    url = reverse("training:certificate_manage", args=[certificate.pk])
    response = login(coordinator).post(url, {"reason": "  ", "confirm": "on"}, follow=True)
    assert "理由を入力してください" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_nobody_out_of_scope_can_revoke(login, session, operator, supervisor, city_coordinator):
    certificate = certified(operator, session)
    url = reverse("training:certificate_manage", args=[certificate.pk])
    for person in (operator, supervisor, city_coordinator):
        assert login(person).post(url, {"reason": "不正"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_a_coordinator_issues_the_pending_certificates(login, session, operator, coordinator,
                                                       city_coordinator):
    make_attempt(session, operator)
    attend(session, operator)
    url = reverse("training:certificates_issue_pending")
    assert login(city_coordinator).post(url, {"session": session.pk}).status_code == 404
    assert login(operator).post(url, {"session": session.pk}).status_code == 404
    assert not Certificate.objects.exists()

    client = login(coordinator)
    assert f'<option value="{session.pk}">' in client.get(reverse("training:certificates")).content.decode()
    response = client.post(url, {"session": session.pk}, follow=True)
    assert "「令和8年度 住基ネット担当者研修会」の修了証を1件発行しました" in response.content.decode()
    assert Certificate.objects.filter(person=operator).count() == 1
    assert login(coordinator).post(url, {"session": "x"}).status_code == 404


def test_the_list_page_takes_a_fixed_number_of_queries(login, prefecture, coordinator, department_a):
    from tests.conftest import make_person

    client = login(coordinator)
    session = make_session(prefecture)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("training:certificates")).status_code == 200
        return len(queries)

    for n in range(3):
        certified(make_person(f"staff{n}", department_a, name=f"職員{n}"), session)
    count()  # warm the caches (the audit event's content type)
    few = count()
    for n in range(3, 13):
        certified(make_person(f"staff{n}", department_a, name=f"職員{n}"), session)
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), own certificates, the page count,
    # the page of overseen certificates with people and sessions, the sessions offered.
    # The read's audit event (audit.trail.read_record): savepoint, the chain head's
    # lock and clock, the insert, the head's hash, release.
    assert count() == few == 12


# The public verification page


def test_anyone_can_verify_a_valid_certificate_and_sees_only_what_they_need(
    client, clock, session, operator
):
    operator.email = "hanako@example.lg.jp"
    operator.employee_number = "E-20261"
    operator.save()
    certificate = certified(operator, session)
    response = client.get(reverse("verify:certificate", args=[certificate.code]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    page = response.content.decode()
    assert re.search(r'id="certificate-status"[^>]*>\s*<strong>\s*この修了証は有効です', page)
    for shown in ["山田 花子", "県北広域本部福祉課", "令和8年度 住基ネット担当者研修会",
                  "令和8年11月20日", "令和8年11月26日", "令和9年3月31日", certificate.code]:
        assert shown in page, shown
    for hidden in ["E-20261", "hanako@example.lg.jp", "ヤマダ"]:
        assert hidden not in page, hidden


def test_verification_says_revoked_without_the_reason(client, clock, session, operator,
                                                      coordinator):
    certificate = certified(operator, session)
    certificate_revoke(certificate=certificate, by=coordinator, reason="受講者の取り違え",
                       now=timezone.now())
    page = client.get(reverse("verify:certificate", args=[certificate.code])).content.decode()
    assert "この修了証は失効しています" in page
    assert "受講者の取り違え" not in page and "高橋 恵" not in page


def test_verification_says_expired_after_the_last_day(client, clock, session, operator):
    certificate = certified(operator, session)
    url = reverse("verify:certificate", args=[certificate.code])
    clock.move_to(datetime.datetime(2027, 3, 31, 23, 0, tzinfo=JST))
    assert "この修了証は有効です" in client.get(url).content.decode()
    clock.move_to(datetime.datetime(2027, 4, 1, 0, 1, tzinfo=JST))
    assert "この修了証は有効期限が切れています" in client.get(url).content.decode()


def test_a_typed_code_is_normalised_and_looked_up(client, session, operator):
    certificate = certified(operator, session)
    typed = certificate.code.lower().replace("-", " ")
    response = client.get(reverse("verify:form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("verify:certificate", args=[certificate.code])
    # A non-canonical code in the address works too.
    assert client.get(f"/verify/{certificate.code.replace('-', '').lower()}/").status_code == 200


def test_an_unknown_code_gets_a_friendly_404_that_gives_nothing_away(client, session, operator):
    certified(operator, session)
    response = client.get(reverse("verify:certificate", args=["ABCD-EFGH-JK23"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "この検証コードの修了証はありません" in page
    assert 'name="code"' in page  # they can type it again
    assert "山田 花子" not in page


def test_a_malformed_code_gets_a_clear_message(client, db):
    response = client.get(reverse("verify:certificate", args=["HELLO"]))
    assert response.status_code == 404
    assert "検証コードの形式ではありません" in response.content.decode()

    response = client.get(reverse("verify:form"), {"code": "0000-1111"})
    assert response.status_code == 200
    assert "検証コードの形式ではありません" in response.content.decode()

    response = client.get(reverse("verify:form"))
    assert response.status_code == 200 and "検証コードの形式ではありません" not in response.content.decode()


def test_each_verification_by_code_is_in_the_holder_s_audit_trail(client, clock, session,
                                                                   operator):
    """A code shows the holder's name to anyone, without an account: like the report's
    shareable link, each showing is recorded, for the holder's coordinators."""
    from audit.models import AuditEvent

    certificate = certified(operator, session)
    client.get(reverse("verify:certificate", args=[certificate.code]))
    client.get(reverse("verify:certificate", args=["AAAA-BBBB-CCCC"]))  # no such code
    event = AuditEvent.objects.get(action=AuditEvent.Action.CERTIFICATE_VERIFIED)
    assert (event.actor, event.subject, event.organisation) == (
        None, operator, operator.organisation)
    assert event.object_id == str(certificate.pk) and event.address == "127.0.0.1"
