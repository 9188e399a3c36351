"""A live drill in a real browser, three people at once, on the real clock.

The controller starts the drill; the participant's console shows the first inject, and
then the next one at its time, without reloading; the participant logs what they did;
the evaluator, whose console is open all along, sees the log entry appear, chosen for
the action it matches, and ticks and rates without the page reloading; the controller
pauses, resumes and, after confirming, ends the drill.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drills import runs
from drills.models import ActionTick, Drill, LogEntry, ObjectiveRating, Scenario
from tests.conftest import inject, log_in

pytestmark = pytest.mark.browser


def test_start_receive_log_tick_rate_pause_resume_end(
    browser, live_server, prefecture, coordinator, operator, evaluator
):
    scenario = Scenario.objects.create(
        organisation=prefecture, title="静脈認証装置の紛失", incident_type="lost_device",
        summary="窓口の静脈認証装置が見当たらない。",
        objectives=[{"type": "objective", "value": {"code": "1", "title": "紛失の報告",
                                                    "description": ""}}],
        timeline=[
            inject("+0:00", "装置が見当たらない", actions=["所属長へ報告する"]),
            inject("+0:00:04", "市町村課から状況確認の電話"),
        ],
    )
    drill = runs.drill_schedule(scenario=scenario, scheduled_for=timezone.now(), by=coordinator,
                                now=timezone.now())

    # The consoles keep polling: each context is closed at the end, before the live
    # server's database goes away.
    player = browser.new_context().new_page()
    log_in(player, live_server, "operator")
    player.goto(f"{live_server.url}/drills/{drill.pk}/play/")
    player.get_by_label("訓練での役割").select_option(label="所属長")
    player.get_by_role("button", name="訓練に参加する").click()
    expect(player.locator("#injects")).to_contain_text("まだありません")

    controller = browser.new_context().new_page()
    log_in(controller, live_server, "coordinator")
    controller.goto(f"{live_server.url}/drills/{drill.pk}/control/")
    controller.get_by_role("button", name="開始").click()
    expect(controller.locator("#drill-state")).to_have_text("実施中")

    # No reload: the console polls, and each inject appears within two seconds of its time.
    expect(player.locator("#injects")).to_contain_text("装置が見当たらない", timeout=2500)
    expect(player.locator("#drill-state")).to_have_text("実施中")
    expect(player.locator("#injects")).to_contain_text("市町村課から状況確認の電話",
                                                       timeout=6500)
    # The evaluator's console is open before anything is logged: the choice of log entry
    # follows the log as it is written, and nothing is chosen for the evaluator.
    judge = browser.new_context().new_page()
    log_in(judge, live_server, "evaluator")
    judge.goto(f"{live_server.url}/drills/{drill.pk}/evaluate/")
    judge.evaluate("window.notReloaded = true")
    action = drill.actions.get()
    row = judge.locator(f"#action-{action.pk}")
    choice = row.get_by_label("対応する記録")
    expect(choice).to_have_value("")

    player.get_by_label("対応・判断の内容").fill("所属長へ紛失を報告した")
    player.get_by_role("button", name="記録する").click()
    expect(player.locator("#drill-log")).to_contain_text("所属長へ紛失を報告した")

    entry = LogEntry.objects.get()
    expect(choice).to_have_value(str(entry.pk), timeout=2500)  # the matching entry
    row.get_by_role("button", name="達成として記録").click()
    expect(row.locator(".save-state")).to_have_text("達成として記録しました。")
    expect(row.locator(".tick-time")).to_contain_text("に達成")
    objective = judge.locator(f"#objective-{drill.objectives.get().pk}")
    objective.locator("select[name=rating]").select_option("S")
    objective.get_by_label("所見").fill("報告までやや時間を要した")
    objective.get_by_role("button", name="評価を保存").click()
    expect(objective.locator(".rating-form .save-state")).to_have_text("評価を保存しました。")
    assert judge.evaluate("window.notReloaded") is True  # sent in the background

    controller.get_by_role("button", name="一時停止").click()
    expect(controller.locator("#drill-state")).to_have_text("一時停止中")
    expect(player.locator("#drill-state")).to_have_text("一時停止中", timeout=2500)
    controller.get_by_role("button", name="再開").click()
    expect(controller.locator("#drill-state")).to_have_text("実施中")
    controller.locator("#end-confirm").check()  # it says what ending does
    controller.get_by_role("button", name="訓練を終了").click()
    expect(controller.locator("#drill-state")).to_have_text("終了")
    expect(player.locator("#drill-state")).to_have_text("終了", timeout=2500)

    for page in (player, controller, judge):
        page.context.close()

    drill = Drill.objects.get(pk=drill.pk)
    tick = ActionTick.objects.get()
    assert tick.log_entry.text == "所属長へ紛失を報告した"
    assert tick.achieved_at == tick.log_entry.logged_at
    assert ObjectiveRating.objects.get().rating == "S"
    assert drill.pauses.get().resumed_at is not None and drill.ended_at is not None
