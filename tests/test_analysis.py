"""Item analysis against a worked example computed by hand, and its query count.

The worked example: ten graded attempts and one in progress. Scores are set directly (as
if other questions made up the rest of each score); questions A and B are single choice,
C is multiple choice (c1 and c2 correct).

  id  score   #  person  dept  A         B         C
   1  100.00  1  P1      A     a1 ✓      b1 ✓      -
   2   83.33  1  P2      A     a1 ✓      b2 ✗      -
   3   83.33  2  P2      A     a2 ✗      b1 ✓      -
   4   83.33  1  P4      A     a1 ✓      -         -
   5   66.67  1  P5      B     a3 ✗      b1 ✓      -
   6   60.00  2  P5      B     -         b2 ✗      c1 c2 ✓
   7   33.33  1  P7      B     a2 ✗      b1 ✓      -
   8   33.33  1  P8      A     a1 ✓      b2 ✗      -
   9   33.33  2  P8      A     a2 ✗      b2 ✗      -
  10   16.67  1  P10     A     a3 ✗      b2 ✗      c1 c3 ✗
  11   (in progress, P7 again: left out)

All attempts: N = 10, k = round(2.7) = 3. Ranked by score, ties by smaller id first:
1, 2, 3, 4, 5, 6, 7, 8, 9, 10. Upper = {1, 2, 3} (4 ties with 3 but has the larger id);
lower = {8, 9, 10} (7 ties with 8 but has the smaller id).
  A: asked 9 (not 6), correct 4 (1, 2, 4, 8): facility 4/9.
     upper 1 ✓ 2 ✓ 3 ✗ = 2/3; lower 8 ✓ 9 ✗ 10 ✗ = 1/3; D = 1/3.
     picked: a1 4, a2 3 (3, 7, 9), a3 2 (5, 10).
  B: asked 9 (not 4), correct 4 (1, 3, 5, 7): facility 4/9.
     upper 1 ✓ 2 ✗ 3 ✓ = 2/3; lower 8 ✗ 9 ✗ 10 ✗ = 0; D = 2/3.
     picked: b1 4, b2 5.
  C: asked 2 (6, 10), correct 1: facility 1/2; no upper attempt was asked it: D None.
     picked: c1 2, c2 1, c3 1.

First attempts (1, 2, 4, 5, 7, 8, 10): N = 7, k = round(1.89) = 2. Upper = {1, 2} (4 ties
with 2), lower = {8, 10} (7 ties with 8).
  A: asked 7, correct 4: facility 4/7; upper 2/2, lower 8 ✓ 10 ✗ = 1/2; D = 1/2.
     picked: a1 4, a2 1, a3 2.
  B: asked 6, correct 3 (1, 5, 7): facility 1/2; upper 1 ✓ 2 ✗ = 1/2; lower 0/2; D = 1/2.
     picked: b1 3, b2 3.
  C: asked 1 (10), correct 0: facility 0; D None. picked: c1 1, c2 0, c3 1.

Department B only (5, 6, 7): N = 3, k = round(0.81) = 1. Upper = {5}, lower = {7}.
  A: asked 2 (5, 7), correct 0: facility 0; upper 0/1, lower 0/1: D = 0.
  B: asked 3, correct 2 (5, 7): facility 2/3; upper 1/1, lower 1/1: D = 0.

By department (pass mark 80): A has 7 attempts by 5 people, 4 passed (1, 2, 3, 4), 5 first
attempts of which 3 passed; B has 3 attempts by 2 people, mean (66.67 + 60 + 33.33) / 3
= 53.33, none passed.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from people.models import Person
from tests.conftest import make_person
from training.analysis import group_size, quiz_analysis
from training.models import (
    Attempt,
    AttemptQuestion,
    Choice,
    Question,
    Quiz,
    TrainingSession,
)

JST = ZoneInfo("Asia/Tokyo")
STARTED = datetime.datetime(2026, 11, 20, 13, 0, tzinfo=JST)


def question(organisation, text, choices, kind="single"):
    q = Question.objects.create(organisation=organisation, category="保護", kind=kind,
                                text=text, explanation="")
    for order, name in enumerate(choices):
        Choice.objects.create(question=q, text=name.lstrip("*"), is_correct=name.startswith("*"),
                              order=order)
    return q


@pytest.fixture
def example(prefecture, department_a, department_b):
    quiz = Quiz.objects.create(organisation=prefecture, title="確認テスト", pass_mark_percent=80)
    session = TrainingSession.objects.create(
        organisation=prefecture, title="研修会", starts_at=STARTED,
        ends_at=STARTED + datetime.timedelta(hours=2), venue="県庁", capacity=50, quiz=quiz)
    questions = {
        "A": question(prefecture, "A", ["*a1", "a2", "a3"]),
        "B": question(prefecture, "B", ["*b1", "b2"]),
        "C": question(prefecture, "C", ["*c1", "*c2", "c3"], kind="multiple"),
    }
    choice = {c.text: c for c in Choice.objects.all()}
    people = {
        name: make_person(name.lower(), department, name=name)
        for name, department in [("P1", department_a), ("P2", department_a), ("P4", department_a),
                                 ("P5", department_b), ("P7", department_b), ("P8", department_a),
                                 ("P10", department_a)]
    }
    rows = [
        # person, number, score, {question: picked choices}
        ("P1", 1, "100.00", {"A": ["a1"], "B": ["b1"]}),
        ("P2", 1, "83.33", {"A": ["a1"], "B": ["b2"]}),
        ("P2", 2, "83.33", {"A": ["a2"], "B": ["b1"]}),
        ("P4", 1, "83.33", {"A": ["a1"]}),
        ("P5", 1, "66.67", {"A": ["a3"], "B": ["b1"]}),
        ("P5", 2, "60.00", {"B": ["b2"], "C": ["c1", "c2"]}),
        ("P7", 1, "33.33", {"A": ["a2"], "B": ["b1"]}),
        ("P8", 1, "33.33", {"A": ["a1"], "B": ["b2"]}),
        ("P8", 2, "33.33", {"A": ["a2"], "B": ["b2"]}),
        ("P10", 1, "16.67", {"A": ["a3"], "B": ["b2"], "C": ["c1", "c3"]}),
    ]
    attempts = []
    for person, number, score, answers in rows:
        attempt = Attempt.objects.create(
            quiz=quiz, session=session, person=people[person], number=number,
            started_at=STARTED, deadline=STARTED + datetime.timedelta(minutes=20),
            submitted_at=STARTED + datetime.timedelta(minutes=10),
            score_percent=Decimal(score), passed=Decimal(score) >= 80,
        )
        attempts.append(attempt)
        for position, (name, picked) in enumerate(answers.items(), start=1):
            q = questions[name]
            ids = [choice[text].pk for text in picked]
            correct = set(q.choices.filter(is_correct=True).values_list("pk", flat=True))
            AttemptQuestion.objects.create(
                attempt=attempt, question=q, position=position,
                choice_order=list(q.choices.values_list("pk", flat=True)),
                answer=ids, is_correct=set(ids) == correct,
            )
    in_progress = Attempt.objects.create(
        quiz=quiz, session=session, person=people["P7"], number=2, started_at=STARTED,
        deadline=STARTED + datetime.timedelta(minutes=20))
    AttemptQuestion.objects.create(attempt=in_progress, question=questions["A"], position=1,
                                   choice_order=[choice["a1"].pk], answer=None)
    assert [a.pk for a in attempts] == sorted(a.pk for a in attempts)  # ids in table order
    return quiz, questions, choice


def by_question(analysis):
    return {item.question.text: item for item in analysis.items}


def picks(item, which="all"):
    return {
        row.choice.text: row.picked if which == "all" else row.first_picked
        for row in item.choices
    }


def test_group_size_is_27_percent_rounded_half_up():
    assert [group_size(n) for n in (0, 1, 2, 3, 4, 7, 10, 100, 1000)] == [0, 0, 1, 1, 1, 2, 3, 27, 270]


def test_the_worked_example_over_all_attempts(example):
    quiz, _questions, _choice = example
    analysis = quiz_analysis(quiz=quiz)
    assert analysis.attempts == 10
    assert analysis.groups.size == 3
    items = by_question(analysis)

    a = items["A"].all
    assert (a.asked, a.correct) == (9, 4)
    assert a.facility == pytest.approx(4 / 9)
    assert (a.upper_asked, a.upper_correct, a.lower_asked, a.lower_correct) == (3, 2, 3, 1)
    assert a.discrimination == pytest.approx(1 / 3)
    assert picks(items["A"]) == {"a1": 4, "a2": 3, "a3": 2}

    b = items["B"].all
    assert (b.asked, b.correct) == (9, 4)
    assert b.facility == pytest.approx(4 / 9)
    assert b.discrimination == pytest.approx(2 / 3)
    assert picks(items["B"]) == {"b1": 4, "b2": 5}

    c = items["C"].all
    assert (c.asked, c.correct) == (2, 1)
    assert c.facility == pytest.approx(1 / 2)
    assert c.discrimination is None
    assert picks(items["C"]) == {"c1": 2, "c2": 1, "c3": 1}


def test_the_worked_example_over_first_attempts(example):
    quiz, _questions, _choice = example
    analysis = quiz_analysis(quiz=quiz)
    assert analysis.first_attempts == 7
    assert analysis.first_groups.size == 2
    items = by_question(analysis)

    a = items["A"].first
    assert (a.asked, a.correct) == (7, 4)
    assert a.facility == pytest.approx(4 / 7)
    assert (a.upper_asked, a.upper_correct, a.lower_asked, a.lower_correct) == (2, 2, 2, 1)
    assert a.discrimination == pytest.approx(1 / 2)
    assert picks(items["A"], "first") == {"a1": 4, "a2": 1, "a3": 2}

    b = items["B"].first
    assert (b.asked, b.correct) == (6, 3)
    assert b.facility == pytest.approx(1 / 2)
    assert b.discrimination == pytest.approx(1 / 2)
    assert picks(items["B"], "first") == {"b1": 3, "b2": 3}

    c = items["C"].first
    assert (c.asked, c.correct) == (1, 0)
    assert c.facility == 0
    assert c.discrimination is None
    assert picks(items["C"], "first") == {"c1": 1, "c2": 0, "c3": 1}


def test_the_worked_example_for_one_department(example, department_b):
    quiz, _questions, _choice = example
    analysis = quiz_analysis(quiz=quiz, department_id=department_b.pk)
    assert analysis.attempts == 3 and analysis.groups.size == 1
    items = by_question(analysis)
    assert (items["A"].all.asked, items["A"].all.correct) == (2, 0)
    assert items["A"].all.facility == 0
    assert items["A"].all.discrimination == 0
    assert (items["B"].all.asked, items["B"].all.correct) == (3, 2)
    assert items["B"].all.facility == pytest.approx(2 / 3)
    assert items["B"].all.discrimination == 0
    assert picks(items["B"]) == {"b1": 2, "b2": 1}


def test_the_department_table(example, department_a, department_b):
    quiz, _questions, _choice = example
    rows = {row.department_id: row for row in quiz_analysis(quiz=quiz).departments}
    a, b = rows[department_a.pk], rows[department_b.pk]
    assert (a.attempts, a.people, a.passed, a.first_attempts, a.first_passed) == (7, 5, 4, 5, 3)
    assert (b.attempts, b.people, b.passed, b.first_attempts, b.first_passed) == (3, 2, 0, 2, 0)
    assert Decimal(b.mean_score).quantize(Decimal("0.01")) == Decimal("53.33")


def add_attempts(quiz, count):
    """`count` more graded first attempts by new people, answering every question."""
    session = quiz.sessions.get()
    department = Person.objects.first().department
    questions = list(Question.objects.filter(kind="single"))
    for n in range(count):
        person = make_person(f"extra{n}", department, name=f"追加{n}")
        attempt = Attempt.objects.create(
            quiz=quiz, session=session, person=person, number=1, started_at=STARTED,
            deadline=STARTED, submitted_at=STARTED, score_percent=Decimal(n % 100), passed=False)
        for position, q in enumerate(questions, start=1):
            first = q.choices.first().pk
            AttemptQuestion.objects.create(attempt=attempt, question=q, position=position,
                                           choice_order=[first], answer=[first], is_correct=True)


@pytest.mark.parametrize("extra", [0, 40])
def test_the_analysis_takes_a_constant_number_of_queries(example, extra, django_assert_num_queries):
    quiz, _questions, _choice = example
    add_attempts(quiz, extra)
    # ranking, per-question counts, choice picks, questions, their choices, departments
    with django_assert_num_queries(6):
        analysis = quiz_analysis(quiz=quiz)
    assert analysis.attempts == 10 + extra


@pytest.mark.parametrize("extra", [0, 40])
def test_the_analysis_page_takes_a_constant_number_of_queries(
    example, extra, login, coordinator, django_assert_num_queries
):
    quiz, _questions, _choice = example
    add_attempts(quiz, extra)
    client = login(coordinator)
    url = reverse("training:quiz_analysis", args=[quiz.pk])
    department = quiz.organisation.departments.first().pk
    # Besides the session's renewal on the way out (savepoint, update, release):
    # session, user, scope (person, roles and ID grant in one query), the quiz, then the six of the analysis
    with django_assert_num_queries(10):
        response = client.get(url, {"department": department})
    assert response.status_code == 200


def test_the_analysis_page_links_each_question_to_its_section(example, login, coordinator, home_page, prefecture):
    from cms.models import TrainingIndexPage, TrainingModulePage

    quiz, questions, _choice = example
    index = home_page.add_child(instance=TrainingIndexPage(title="研修資料", slug="t", organisation=prefecture))
    module = index.add_child(instance=TrainingModulePage(title="保護", slug="m", body=[]))
    Question.objects.filter(pk=questions["A"].pk).update(module=module, section_id="h-passwords")
    body = login(coordinator).get(reverse("training:quiz_analysis", args=[quiz.pk])).content.decode()
    assert f'{reverse("training:reading", args=[module.pk])}#block-h-passwords' in body


# Issue 15, point 9: flags for weak items, a chart per item, and the CSV/XLSX export.
#
# A second worked example, built so each flag has a known cause. Ten graded first attempts
# with scores 100, 90, ..., 10 (ids in that order): k = 3, upper = the first three, lower =
# the last three.
#   E (e1 ✓, e2, e3): everyone right: facility 1.0 > 0.9 too easy; D = 1 − 1 = 0 weak;
#                     e2 and e3 picked by nobody.
#   H (h1 ✓, h2, h3): right in attempts 1 and 10 only: facility 0.2 < 0.3 too hard;
#                     D = 1/3 − 1/3 = 0 weak; h2 and h3 both picked.
#   G (g1 ✓, g2, g3): right in attempts 1–5: facility 0.5; D = 1 − 0 = 1; no flag.
#   B (b1 ✓, b2):     right in 1–3 only: facility exactly 0.3 is not too hard; D = 1.
#   N (n1 ✓, n2):     right in 1–9: facility exactly 0.9 is not too easy; D = 1 − 2/3 = 1/3.
FLAG_ROWS = {
    #      attempts answering correctly, and the wrong choice the others pick
    "E": (range(1, 11), []),
    "H": ({1, 10}, ["h2", "h3"]),
    "G": (range(1, 6), ["g2", "g3"]),
    "B": (range(1, 4), ["b2"]),
    "N": (range(1, 10), ["n2"]),
}


@pytest.fixture
def flagged(prefecture, department_a):
    quiz = Quiz.objects.create(organisation=prefecture, title="旗の例", pass_mark_percent=80)
    session = TrainingSession.objects.create(
        organisation=prefecture, title="研修会", starts_at=STARTED,
        ends_at=STARTED + datetime.timedelta(hours=2), venue="県庁", capacity=50, quiz=quiz)
    questions = {
        "E": question(prefecture, "E", ["*e1", "e2", "e3"]),
        "H": question(prefecture, "H", ["*h1", "h2", "h3"]),
        "G": question(prefecture, "=G", ["*g1", "g2", "g3"]),  # a formula, for the export
        "B": question(prefecture, "B", ["*b1", "b2"]),
        "N": question(prefecture, "N", ["*n1", "n2"]),
    }
    choice = {c.text: c for c in Choice.objects.all()}
    for n in range(1, 11):
        attempt = Attempt.objects.create(
            quiz=quiz, session=session, person=make_person(f"f{n}", department_a, name=f"受講者{n}"),
            number=1, started_at=STARTED, deadline=STARTED, submitted_at=STARTED,
            score_percent=Decimal(110 - 10 * n), passed=n <= 2)
        for position, (name, (right, wrong)) in enumerate(FLAG_ROWS.items(), start=1):
            q = questions[name]
            picked = f"{name.lower()}1" if n in right else wrong[n % len(wrong)]
            AttemptQuestion.objects.create(
                attempt=attempt, question=q, position=position,
                choice_order=list(q.choices.values_list("pk", flat=True)),
                answer=[choice[picked].pk], is_correct=n in right)
    return quiz


def test_weak_items_are_flagged_with_their_reasons(flagged):
    items = {item.question.text: item for item in quiz_analysis(quiz=flagged).items}
    assert items["E"].all.facility == 1 and items["E"].all.discrimination == 0
    assert items["H"].all.facility == pytest.approx(0.2) and items["H"].all.discrimination == 0
    assert items["=G"].all.discrimination == 1
    assert items["B"].all.facility == pytest.approx(0.3)
    assert items["N"].all.facility == pytest.approx(0.9)
    assert items["N"].all.discrimination == pytest.approx(1 / 3)
    codes = {text: [flag.code for flag in item.flags] for text, item in items.items()}
    assert codes == {
        "E": ["too_easy", "weak_discrimination", "unpicked_distractor", "unpicked_distractor"],
        "H": ["too_hard", "weak_discrimination"],
        "=G": [],
        "B": [],  # 0.3 is the limit, not below it
        "N": [],  # 0.9 is the limit, not above it
    }
    assert "「e2」" in items["E"].flags[2].text and "「e3」" in items["E"].flags[3].text


def test_each_item_has_a_chart_with_a_text_alternative(flagged):
    from training.analysis_report import BAR_WIDTH, LABEL_WIDTH, item_chart

    items = {item.question.text: item for item in quiz_analysis(quiz=flagged).items}
    chart = item_chart(items["H"])
    assert [(bar.kind, bar.width, bar.figure) for bar in chart.bars] == [
        ("facility", BAR_WIDTH // 5, "20%"),  # 2 of 10
        ("correct", BAR_WIDTH // 5, "20%"),  # h1
        ("distractor", BAR_WIDTH * 4 // 10, "40%"),  # h2: attempts 2, 4, 6, 8
        ("distractor", BAR_WIDTH * 4 // 10, "40%"),  # h3: attempts 3, 5, 7, 9
    ]
    assert (chart.too_hard_x, chart.too_easy_x) == (LABEL_WIDTH + 60, LABEL_WIDTH + 180)
    assert chart.description == "正答率 20%、選択肢 1（正解）の選択率 20%、選択肢 2 の選択率 40%、選択肢 3 の選択率 40%"


def test_the_analysis_page_shows_flags_and_charts(flagged, login, coordinator):
    body = login(coordinator).get(reverse("training:quiz_analysis", args=[flagged.pk])).content.decode()
    assert body.count('<svg class="item-chart" role="img"') == 5
    assert body.count("<desc id=") == 5
    assert body.count('class="flag too_easy"') == 1 and body.count('class="flag too_hard"') == 1
    assert body.count('class="flag unpicked_distractor"') == 2
    assert reverse("training:quiz_analysis_export", args=[flagged.pk, "xlsx"]) in body


def test_the_analysis_exports_as_csv_and_xlsx_through_the_one_pipeline(flagged, login, coordinator):
    import csv
    import io

    import openpyxl

    client = login(coordinator)
    response = client.get(reverse("training:quiz_analysis_export", args=[flagged.pk, "csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="item-analysis-{flagged.pk}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 3 + 3 + 3 + 2 + 2  # one row per choice
    h2 = next(row for row in body if row[header.index("選択肢")] == "h2")
    assert [h2[header.index(name)] for name in (
        "問題", "出題数", "正答数", "正答率", "識別力", "選択数（全受験）", "選択率")] == [
        "H", "10", "2", "0.2", "0.0", "4", "40%"]
    assert "難しすぎます" in h2[header.index("要確認")]
    g1 = next(row for row in body if row[header.index("選択肢")] == "g1")
    assert g1[header.index("問題")] == "'=G"  # neutralised, not a formula

    response = client.get(reverse("training:quiz_analysis_export", args=[flagged.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headings = [cell.value for cell in sheet[1]]
    by_choice = {row[headings.index("選択肢")].value: row for row in sheet.iter_rows(min_row=2)}
    share = by_choice["h2"][headings.index("選択率")]
    assert (share.value, share.number_format) == (0.4, "0%")
    assert by_choice["h2"][headings.index("正答率")].value == 0.2
    question_cell = by_choice["g1"][headings.index("問題")]
    assert question_cell.value == "=G" and question_cell.data_type == "s" and question_cell.quotePrefix


def test_the_export_is_not_found_for_another_format(flagged, login, coordinator):
    url = reverse("training:quiz_analysis_export", args=[flagged.pk, "pdf"])
    assert login(coordinator).get(url).status_code == 404


def test_the_export_is_not_found_for_another_organisations_coordinator(flagged, login, city_coordinator):
    url = reverse("training:quiz_analysis_export", args=[flagged.pk, "csv"])
    assert login(city_coordinator).get(url).status_code == 404
