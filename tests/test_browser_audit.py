"""A coordinator's audit journey in a real browser: a supervisor's look at a colleague's
record shows up in the trail, the trail filters, and a review is drawn and concluded."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent, AuditFinding, AuditReview
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_coordinator_finds_a_view_in_the_trail_and_reviews_it(
    page, live_server, client, clock, supervisor, operator, coordinator
):
    client.force_login(supervisor.user)
    client.get(f"/people/{operator.pk}/")

    log_in(page, live_server, "coordinator")
    page.get_by_role("link", name="監査証跡").first.click()
    row = page.locator("table.audit-trail tbody tr").first
    assert "田中 一郎" in row.inner_text() and "山田 花子" in row.inner_text()
    assert "個人の記録の閲覧" in row.inner_text()

    page.get_by_label("対応").select_option(label="修了証の取消し")
    page.get_by_role("button", name="絞り込む").click()
    assert "該当する記録はありません" in page.locator("table.audit-trail").inner_text()

    page.get_by_role("link", name="アクセスログ検証").first.click()
    page.get_by_label("団体").select_option(label="熊本県")
    # The events' times are the database's clock (audit.chain), not the test's frozen one:
    # the review covers the database's current month.
    today = timezone.localdate(AuditEvent.objects.latest("sequence").at)
    page.get_by_label("対象期間（開始）").fill(today.replace(day=1).isoformat())
    page.get_by_label("対象期間（終了）").fill(today.isoformat())
    page.get_by_label("四半期ごとの抽出月数").fill("3")
    page.get_by_label("抽出件数").fill("10")
    page.get_by_role("button", name="抽出", exact=True).click()
    assert page.get_by_text("検証サンプルを抽出しました。").is_visible()

    page.get_by_label("判定").first.select_option(label="要説明")
    page.get_by_label("問題あり").check()
    page.get_by_label("結果の所見").fill("閲覧理由を所属長に確認する")
    page.get_by_role("button", name="結果を記録").click()
    assert page.get_by_text("検証の結果を記録しました。").is_visible()
    assert AuditReview.objects.get().outcome == "issues"
    assert AuditFinding.objects.get().department == operator.department
