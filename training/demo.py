"""The demo's question bank, quiz and sessions for 熊本県, written for this project.

Each question points at the section of the training module it tests, so that a reader's
review and the coordinator's item analysis lead back to the text.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from cms.demo_content import TRAINING_MODULES, stream
from cms.models import TrainingModulePage
from people.fiscal import fiscal_year_of
from people.models import Organisation, Person
from training.models import Attendance, Choice, Question, Quiz, QuizRule, TrainingSession
from training.quizzes import attempt_start, attempt_submit
from training.sessions import invitations_send

QUIZ_TITLE = "令和8年度 住基ネット担当者研修 確認テスト"

# (module slug, index of the heading it tests, kind, question, explanation, choices)
QUESTIONS = [
    ("juki-net-overview", 2, "single",
     "住基ネットで全国的に共有される本人確認情報に含まれないものはどれか。",
     "本人確認情報は氏名・生年月日・性別・住所、個人番号、住民票コードとこれらの変更情報に限られる。"
     "世帯構成や所得は含まれない。",
     [("氏名", False), ("住民票コード", False), ("所得の額", True), ("生年月日", False)]),
    ("juki-net-overview", 4, "true_false",
     "照合IDを付与された職員は、担当事務に関係がなくても、職務上の参考として本人確認情報を照会してよい。",
     "照会できるのは法令で定められた事務を処理するときだけである。参考や興味による照会は目的外利用に当たる。",
     [("正しい", False), ("誤り", True)]),
    ("juki-net-overview", 7, "multiple",
     "照合ID付与者の責任として正しいものをすべて選べ。",
     "照合IDは本人だけが使い、他人に使わせない。異動や担当替えのときは速やかに返上の手続きをとる。",
     [("照合IDを他人に使わせない", True), ("異動時に返上の手続きをとる", True),
      ("繁忙期は同僚と照合IDを共用する", False), ("照合IDをパスワードと一緒に机に貼る", False)]),
    ("protecting-identity-data", 0, "true_false",
     "本人確認情報を、法令で定められた事務以外の目的に利用してはならない。",
     "住民基本台帳法は本人確認情報の目的外利用を禁止している。",
     [("正しい", True), ("誤り", False)]),
    ("protecting-identity-data", 2, "single",
     "本人確認情報の秘密を漏らした職員に適用される罰則について、正しいものはどれか。",
     "住民基本台帳法の罰則は地方公務員法の守秘義務違反より重い。",
     [("地方公務員法より重い罰則が定められている", True), ("罰則はない", False),
      ("懲戒処分のみで刑事罰はない", False), ("退職後は義務がなくなる", False)]),
    ("protecting-identity-data", 4, "single",
     "外部監査で、住基ネットを利用しない職員も閲覧できる状態で指摘されたものはどれか。",
     "パスワードや照合IDを記載した紙が閲覧できる状態にあった。本人確認情報そのものではないが、"
     "管理の不備として指摘された。",
     [("PCのログインパスワードや照合IDを記載した紙", True), ("住民票の写し", False),
      ("アクセスログの検証記録", False), ("緊急時対応計画書", False)]),
    ("vein-authentication-and-passwords", 0, "true_false",
     "住基ネットの端末の利用には、登録された担当者本人の静脈認証が必要である。",
     "静脈認証により、登録された本人以外は端末を操作できない。",
     [("正しい", True), ("誤り", False)]),
    ("vein-authentication-and-passwords", 2, "single",
     "静脈認証があるのに、パスワードを紙に書いてはいけない理由として最も適切なものはどれか。",
     "認証は複数の要素を組み合わせて守る。一つの要素を弱めれば全体が弱くなり、"
     "監査でも管理の不備として指摘される。",
     [("一つの要素を弱めると認証全体が弱くなるから", True),
      ("紙の保管場所が足りないから", False),
      ("静脈認証は必ず失敗するから", False),
      ("パスワードは毎日変わるから", False)]),
    ("vein-authentication-and-passwords", 5, "single",
     "うっかりミスを防ぐための組織的な対応として、審議会で示された考え方はどれか。",
     "チェックを担当者任せにせず、上司は誤りがある前提で確認する。",
     [("上司が誤りがある前提で確認する", True), ("担当者の注意力に任せる", False),
      ("ミスをした職員の照合IDを永久に停止する", False), ("マニュアルを配布すれば足りる", False)]),
    ("access-log-review", 0, "true_false",
     "アクセスログには、いつ、誰が、どの端末で、どの照会をしたかが記録される。",
     "アクセスログは照会の記録であり、検証の基礎になる。",
     [("正しい", True), ("誤り", False)]),
    ("access-log-review", 4, "single",
     "著名人の本人確認情報が短時間に繰り返し照会されたことを最初に検知する仕組みとして想定されるものはどれか。",
     "24時間監視により、通常と異なる照会が検知され、所属へ連絡される。",
     [("24時間監視", True), ("年1回の外部監査", False), ("住民からの苦情", False),
      ("年度末の棚卸し", False)]),
    ("access-log-review", 7, "multiple",
     "説明のつかない照会が見つかったときの対応として正しいものをすべて選べ。",
     "単独で調べ始めず、記録を保全して直ちに所属長へ報告する。",
     [("直ちに所属長へ報告する", True), ("ログや端末の状態を保全する", True),
      ("照会した職員に自分で問い詰める", False), ("ログを削除して様子を見る", False)]),
    ("incident-response", 0, "single",
     "不正利用のおそれに気付いたとき、最初にすべきことはどれか。",
     "内容が確かでなくても、まず所属長へ報告する。確認は報告のあとで組織として行う。",
     [("所属長へ報告する", True), ("確証が得られるまで一人で調べる", False),
      ("端末を再起動して記録を消す", False), ("翌営業日まで待つ", False)]),
    ("incident-response", 3, "true_false",
     "緊急時の対応手順は、担当者研修会で配布される緊急時対応計画書に定められている。",
     "県は緊急時対応計画書を研修会で配布して周知している。市町村はそれぞれ計画書を作成している。",
     [("正しい", True), ("誤り", False)]),
    ("incident-response", 6, "multiple",
     "第一報で伝えるべきことをすべて選べ。",
     "いつ、どこで、何が起きたか、誰が気付いたか、取った措置を伝える。推測は推測と分かるように伝える。",
     [("発見した日時と場所", True), ("気付いた人", True), ("すでに取った措置", True),
      ("確定した原因が分かるまでは何も伝えない", False)]),
]

CATEGORY = {module["slug"]: module["title"] for module in TRAINING_MODULES}


@transaction.atomic
def demo_quiz_seed() -> Quiz:
    prefecture = Organisation.objects.get(lg_code="430005")
    modules = {page.slug: page for page in TrainingModulePage.objects.all()}
    bodies = {module["slug"]: stream(module["body"], key=module["slug"])
              for module in TRAINING_MODULES}
    for slug, heading, kind, text, explanation, choices in QUESTIONS:
        question, created = Question.objects.get_or_create(
            organisation=prefecture, text=text,
            defaults={
                "category": CATEGORY[slug], "kind": kind, "explanation": explanation,
                "module": modules.get(slug), "section_id": bodies[slug][heading]["id"],
            },
        )
        if created:
            Choice.objects.bulk_create(
                Choice(question=question, text=choice, is_correct=correct, order=order)
                for order, (choice, correct) in enumerate(choices)
            )
    quiz, created = Quiz.objects.get_or_create(
        organisation=prefecture, title=QUIZ_TITLE,
        defaults={"time_limit_minutes": 20, "pass_mark_percent": 80, "max_attempts": 3,
                  "cooldown_minutes": 60},
    )
    if created:
        QuizRule.objects.bulk_create(
            QuizRule(quiz=quiz, category=category, count=2) for category in CATEGORY.values()
        )
    return quiz


SESSION_TITLE = "令和8年度 住基ネット担当者研修会"
EXTRA_SESSION_TITLE = "追加研修会（新規ID付与者）"
VENUE = "熊本県庁 行政棟本館5階 審議会室"
ATTENDANCE_SHARES = [("present", 80), ("late", 5), ("absent", 10), ("excused", 5)]


@transaction.atomic
def demo_sessions_seed(*, quiz: Quiz, now: datetime.datetime) -> None:
    """This year's session two weeks ago, with attendance and some passed quizzes, and a
    session for new ID holders today, so that check-in can be tried out.

    The demo operator attended but has not taken the quiz yet.
    """
    prefecture = quiz.organisation
    today = timezone.localdate(now)
    fiscal_year = fiscal_year_of(today)
    held_on = max(today - datetime.timedelta(days=14), fiscal_year.first_day)
    past, created = TrainingSession.objects.get_or_create(
        organisation=prefecture, title=SESSION_TITLE,
        defaults={"starts_at": _at(held_on, 13, 30), "ends_at": _at(held_on, 16, 30),
                  "venue": VENUE, "capacity": 120, "quiz": quiz},
    )
    if created:
        past.modules.set(TrainingModulePage.objects.all())
        invitations_send(session=past, today=held_on)
        _attendance_and_attempts(past, coordinator=_coordinator())
    today_session, created = TrainingSession.objects.get_or_create(
        organisation=prefecture, title=EXTRA_SESSION_TITLE,
        defaults={"starts_at": _at(today, 9, 0), "ends_at": _at(today, 18, 0),
                  "venue": VENUE, "capacity": 40, "quiz": quiz,
                  "audience": TrainingSession.Audience.NEW_ID_HOLDERS},
    )
    if created:
        today_session.modules.set(TrainingModulePage.objects.all())
        invitations_send(session=today_session, today=today)


def _attendance_and_attempts(session, *, coordinator):
    rng = random.Random(20261126)
    invitations = list(session.invitations.select_related("person__user").order_by("pk"))
    statuses = [status for status, share in ATTENDANCE_SHARES for _ in range(share)]
    Attendance.objects.bulk_create(
        Attendance(
            session=session, person=invitation.person, method=Attendance.Method.ROSTER,
            status="present" if invitation.person.user and invitation.person.user.username
            == "operator" else rng.choice(statuses),
            recorded_by=coordinator, recorded_at=session.ends_at,
        )
        for invitation in invitations
    )
    attended = Attendance.objects.filter(
        session=session, status__in=Attendance.ATTENDED
    ).exclude(person__user__username="operator").select_related("person")
    taken_at = session.ends_at + datetime.timedelta(days=1)
    for attendance in attended:
        if rng.random() < 0.3:
            continue  # has not taken it yet
        attempt = attempt_start(quiz=session.quiz, session=session, person=attendance.person,
                                now=taken_at, rng=rng)
        answers = {}
        for asked in attempt.questions.select_related("question"):
            correct = list(asked.question.choices.filter(is_correct=True)
                           .values_list("pk", flat=True))
            wrong = list(asked.question.choices.filter(is_correct=False)
                         .values_list("pk", flat=True))
            # Most know the answers; some slip, so the item analysis has something to say.
            answers[asked.question_id] = correct if rng.random() < 0.85 else wrong[:1]
        attempt_submit(attempt=attempt, answers=answers,
                       now=taken_at + datetime.timedelta(minutes=12))


def _coordinator():
    return Person.objects.filter(user__username="coordinator").first()


def _at(day, hour, minute):
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))
