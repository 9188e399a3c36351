"""The Wagtail admin works under its Content Security Policy: a coordinator logs in to
/admin/, opens the page explorer and a page editor, and the browser reports no violation
of the policy (it would block a script or a style the admin needs)."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.browser


def test_the_admin_runs_under_its_policy_without_violations(page, live_server, home_page):
    get_user_model().objects.create_superuser("admin", "admin@example.jp", "admin-password-0")
    violations, errors = [], []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.add_init_script("""
        document.addEventListener("securitypolicyviolation", (event) => {
            window.__violations = window.__violations || [];
            window.__violations.push(event.violatedDirective + " " + event.blockedURI);
        });
    """)

    def collect():
        violations.extend(page.evaluate("window.__violations || []"))

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-password-0")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    collect()

    page.goto(f"{live_server.url}/admin/pages/{home_page.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(home_page.title).first.is_visible()
    collect()

    page.goto(f"{live_server.url}/admin/pages/{home_page.pk}/edit/")
    page.wait_for_load_state("networkidle")
    # The editor's scripts ran: the title field is there and the side panels toggle.
    assert page.locator("#id_title").input_value() == home_page.title
    collect()

    assert violations == [], "\n".join(violations)
    assert [error for error in errors if "Content Security Policy" in error] == []
