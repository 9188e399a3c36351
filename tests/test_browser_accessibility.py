"""JIS X 8341-3 (WCAG 2.1 AA), which Japanese public bodies are asked to meet: axe-core
(bundled by axe-playwright-python) runs in a real browser on the pages each role of the
demo uses, and no serious or critical finding may remain on them — our pages and the
Wagtail editor pages our coordinators use (whose unnamed fields
static/js/admin_field_names.js names). Our pages also reflow at 320 CSS pixels.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import override_settings
from wagtail.models import Page

from drills.models import Drill
from people.fiscal import current_fiscal_year
from people.models import Person

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kumamoto-demo"
# axe-core reports every node only of the result types asked for (the others keep one
# node each): the findings read here are the violations, and the passes' selectors and
# their transfer were most of axe's time on each page.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}


def pages_by_role():
    year = current_fiscal_year().year
    colleague = Person.objects.get(user__username="colleague").pk
    plan = Page.objects.get(title__endswith="緊急時対応計画書", title__startswith="熊本県").pk
    module = Page.objects.filter(depth__gte=4).exclude(pk=plan).order_by("path").first().pk
    held = Drill.objects.filter(ended_at__isnull=False).order_by("-ended_at").first().pk
    return {
        "operator": ["/", "/training/", "/training/quizzes/", "/training/sessions/",
                     "/training/sharing/", "/drills/", f"/training/reading/{plan}/"],
        "colleague": ["/", "/training/", f"/reports/people/{colleague}/{year}/"],
        "supervisor": ["/", "/people/", "/training/sharing/", "/training/overview/"],
        "evaluator": [f"/drills/{held}/evaluate/"],
        "coordinator": [
            "/", "/people/", "/training/overview/", f"/reports/annual/{year}/",
            f"/drills/{held}/control/",
            "/drills/", "/drills/programme/", "/drills/templates/", "/drills/trends/",
            f"/drills/{held}/report/", "/audit/", "/training/sharing/",
            f"/reports/people/{colleague}/{year}/", "/search/?q=パスワード",
            "/admin/", f"/admin/pages/{plan}/edit/", f"/admin/pages/{module}/edit/",
            "/admin/person/",
        ],
    }


def test_no_serious_or_critical_finding_on_any_role_s_pages(live_server, browser,
                                                          transactional_db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", verbosity=0)
    axe = Axe()
    findings = []
    for role, paths in pages_by_role().items():
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("ユーザー名").fill(role)
        page.get_by_label("パスワード").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (role, path, response.status)
            page.wait_for_load_state("networkidle")
            violations = axe.run(page, options=WCAG_AA).response["violations"]
            findings += [(role, path, violation["id"], node["target"])
                         for violation in violations
                         if violation["impact"] in ("serious", "critical")
                         for node in violation["nodes"]]
            if not path.startswith("/admin/"):
                # Reflow (1.4.10): at 320 CSS pixels, a phone or 200% zoom, nothing
                # scrolls sideways but the wide tables in their own scrolling box.
                page.set_viewport_size({"width": 320, "height": 800})
                sideways = page.evaluate("document.documentElement.scrollWidth"
                                         " - document.documentElement.clientWidth")
                if sideways > 0:
                    findings.append((role, path, "reflow", f"{sideways}px"))
                page.set_viewport_size({"width": 1280, "height": 900})
        context.close()
    assert findings == []
