"""Each kind of user logs in through a real browser and lands on the home page made for them."""

import pytest

from tests.conftest import log_in

pytestmark = pytest.mark.browser



@pytest.mark.parametrize(
    "who, section, heading",
    [
        ("operator", "#my-id", "照合ID"),
        ("supervisor", "#supervisor", "所管の所属"),
        ("coordinator", "#coordinator", "所管の団体"),
        ("evaluator", "#evaluator", "訓練"),
    ],
)
def test_each_role_logs_in_and_sees_its_own_home(
    page, live_server, request, operator, supervisor, coordinator, evaluator, who, section, heading
):
    log_in(page, live_server, who)
    assert page.locator(section).get_by_role("heading").inner_text() == heading
    page.get_by_role("button", name="ログアウト").click()
    assert page.get_by_role("heading", name="ログイン").is_visible()


def test_a_wrong_password_is_refused_in_japanese(page, live_server, operator):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("ユーザー名").fill("operator")
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    assert page.get_by_role("alert").inner_text().startswith("ユーザー名またはパスワードが正しくありません")


def test_the_language_switch_turns_the_site_english_and_back(page, live_server, supervisor):
    log_in(page, live_server, "supervisor")
    page.get_by_role("button", name="English").click()
    assert page.locator("#supervisor h2").inner_text() == "Departments I supervise"
    page.get_by_role("link", name="Staff directory").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Staff directory"
    page.get_by_role("button", name="日本語").click()
    assert page.get_by_role("heading", level=1).inner_text() == "職員名簿"
