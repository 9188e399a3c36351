"""No dead ends (issue 15, point 7): every page a journey reaches offers the way on and the
way back. After acknowledging a reading, the next open item and the checklist; from a
briefing's material, the briefing; from a certificate and every page's footer, the public
verification page; from the admin, the site; on a colleague's home, the briefing waiting
for them; on a briefing, an on-behalf confirmation only where it can succeed; and in lists
that name people, a link to the person wherever the viewer may open it."""

import json
import re
from urllib.parse import quote

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse

from people.access import scope_for
from people.models import Person
from tests.test_certificates import certified
from training.models import BriefingConfirmation

# After acknowledging a reading


@pytest.fixture
def module(plan, prefecture):
    """A second page of required reading beside the plan."""
    from cms.models import TrainingIndexPage, TrainingModulePage

    index = plan.get_parent().add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture))
    page = index.add_child(instance=TrainingModulePage(
        title="住基ネットの概要", slug="overview", body=[], required_for="id_holders"))
    page.save_revision().publish()
    return page


def acknowledge(client, page):
    page.refresh_from_db()
    url = reverse("training:reading", args=[page.pk])
    return client.post(url, {"revision": page.live_revision_id}, follow=True).content.decode()


def test_after_acknowledging_the_reader_is_offered_the_next_page_and_the_checklist(
    clock, login, plan, module, operator
):
    client = login(operator)
    body = acknowledge(client, module)
    assert f'href="{reverse("training:reading", args=[plan.pk])}"' in body
    assert "次に読む資料：熊本県 緊急時対応計画書" in body
    assert f'href="{reverse("training:mine")}#checklist"' in body

    # The last page read: the next open line of the checklist (the session), and back.
    body = acknowledge(client, plan)
    assert "次に読む資料" not in body
    assert f'href="{reverse("training:sessions")}"' in body
    assert "次へ：研修会への出席" in body
    assert f'href="{reverse("training:mine")}#checklist"' in body


def test_an_unacknowledged_page_offers_no_way_on_yet(clock, login, plan, module, operator):
    body = login(operator).get(reverse("training:reading", args=[plan.pk])).content.decode()
    assert 'id="what-next"' not in body


# A material opened from a briefing


@pytest.fixture
def site_module(home_page, prefecture):
    from wagtail.models import Site

    from cms.models import TrainingIndexPage, TrainingModulePage

    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "testserver", "root_page": home_page})
    index = home_page.add_child(instance=TrainingIndexPage(
        title="熊本県 研修", slug="training-430005", organisation=prefecture))
    return index.add_child(instance=TrainingModulePage(title="概要", slug="overview", body=[]))


def test_a_material_opened_from_a_briefing_leads_back_to_the_briefing(
    login, closed_session, site_module, operator, colleague
):
    sharing = closed_session.sharings.get(department=colleague.department)
    obligation = sharing.obligations.get(person=colleague)
    closed_session.modules.set([site_module])
    login(operator).post(reverse("training:sharing_briefing_new", args=[sharing.pk]), {
        "held_on": "2026-11-25", "method": "meeting", "briefed_by": operator.pk,
        "obligations": [obligation.pk], "materials": [site_module.pk]})
    client = login(colleague)
    briefing = reverse("training:sharing_obligation", args=[obligation.pk])

    response = client.get(reverse("training:sharing_material_open",
                                  args=[obligation.pk, site_module.pk]), follow=True)
    assert response.redirect_chain[-1][0] == f"{site_module.url}?from={quote(briefing, safe='')}"
    body = response.content.decode()
    assert body.count(f'href="{briefing}"') == 2  # above and below the material
    assert "元のページに戻る" in body


@pytest.mark.parametrize("elsewhere", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
    "https://testserver.evil.example/",
])
def test_a_return_address_off_the_site_is_ignored(client, site_module, elsewhere):
    """Never an open redirect: a link planted in `from` is not offered."""
    response = client.get(site_module.url, {"from": elsewhere})
    body = response.content.decode()
    assert response.status_code == 200
    assert "元のページに戻る" not in body
    assert not re.search(r'href="[^"]*evil', body)


# Certificates


def test_the_certificate_list_links_each_certificate_to_its_verification_page(
    clock, login, operator
):
    certificate = certified(operator)
    body = login(operator).get(reverse("training:certificates")).content.decode()
    assert f'href="{reverse("verify:certificate", args=[certificate.code])}"' in body


def test_every_page_footer_links_to_the_public_verification_page(client):
    body = client.get(reverse("login")).content.decode()
    footer = body[body.index('<footer class="site-footer">'):]
    assert f'href="{reverse("verify:form")}"' in footer
    assert "修了証の検証" in footer


# The admin


def test_the_admin_menu_leads_back_to_the_site(admin_client):
    body = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    # Wagtail draws its menu from JSON props in the page.
    props = json.loads(re.search(
        r'<script[^>]*type="application/json">(\{"modules".*?)</script>', body).group(1))
    [menu] = [m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule"]
    items = [item["_args"][0] for item in menu["_args"][0]]
    assert items[0]["label"] == "サイトに戻る"
    assert items[0]["url"].split("?")[0] == reverse("home")


# A colleague's home


def test_a_colleagues_home_says_a_briefing_is_waiting_until_it_is_confirmed(
    login, closed_session, operator, colleague
):
    sharing = closed_session.sharings.get(department=colleague.department)
    obligation = sharing.obligations.get(person=colleague)
    client = login(colleague)
    briefing = reverse("training:sharing_obligation", args=[obligation.pk])

    body = client.get(reverse("home")).content.decode()
    assert "あなたへの伝達研修があります" in body
    assert f'href="{briefing}"' in body
    assert "研修に出席した同僚が" in body  # not briefed yet

    record_briefing(login(operator), obligation, operator)
    client = login(colleague)  # one test client: signed in as the colleague again
    body = client.get(reverse("home")).content.decode()
    assert "伝達を受けました。資料を開き、" in body

    client.post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]))
    assert BriefingConfirmation.objects.filter(obligation=obligation).exists()
    assert "あなたへの伝達研修があります" not in client.get(reverse("home")).content.decode()


def test_the_operators_home_says_nothing_of_briefings(login, closed_session, operator):
    assert "あなたへの伝達研修があります" not in login(operator).get(
        reverse("home")).content.decode()


# On-behalf confirmation


def record_briefing(client, obligation, briefer):
    client.post(reverse("training:sharing_briefing_new", args=[obligation.sharing_id]), {
        "held_on": "2026-11-25", "method": "meeting", "briefed_by": briefer.pk,
        "obligations": [obligation.pk]})


def test_on_behalf_confirmation_is_offered_only_once_the_colleague_was_briefed(
    login, closed_session, operator, colleague, supervisor
):
    sharing = closed_session.sharings.get(department=colleague.department)
    obligation = sharing.obligations.get(person=colleague)
    client = login(supervisor)
    url = reverse("training:sharing_obligation", args=[obligation.pk])

    body = client.get(url).content.decode()
    assert 'name="note"' not in body  # no form that would only be refused
    assert "伝達が記録されると、本人に代わって確認を記録できます。" in body

    record_briefing(login(operator), obligation, operator)
    client = login(supervisor)
    body = client.get(url).content.decode()
    assert 'name="note"' in body
    assert client.post(reverse("training:sharing_obligation_confirm", args=[obligation.pk]),
                       {"note": "紙の受講票に署名"}).status_code == 302
    assert BriefingConfirmation.objects.filter(obligation=obligation, on_behalf=True).exists()


# Lists that name people


def test_the_sharing_department_page_links_each_name_to_the_persons_record(
    login, closed_session, colleague, supervisor
):
    sharing = closed_session.sharings.get(department=colleague.department)
    body = login(supervisor).get(
        reverse("training:sharing_department", args=[sharing.pk])).content.decode()
    assert f'<a href="{reverse("people:person", args=[colleague.pk])}">{colleague.name}</a>' in body


def test_the_session_roster_links_each_invitees_name(login, closed_session, colleague,
                                                     coordinator):
    body = login(coordinator).get(
        reverse("training:session_manage", args=[closed_session.pk])).content.decode()
    assert f'<a href="{reverse("people:person", args=[colleague.pk])}">{colleague.name}</a>' in body


def test_the_department_reading_list_links_names(
    clock, login, plan, operator, supervisor
):
    body = login(supervisor).get(reverse(
        "training:department_reading", args=[operator.department_id])).content.decode()
    assert f'<a href="{reverse("people:person", args=[operator.pk])}">{operator.name}</a>' in body


@pytest.mark.parametrize("viewer", ["operator", "supervisor", "coordinator", "outsider",
                                    "city_coordinator", "other_supervisor"])
def test_a_name_is_linked_exactly_when_the_viewer_may_open_the_record(
    request, viewer, operator, colleague, supervisor, outsider, coordinator
):
    """The link and the person page agree, because both ask people.access."""
    user = request.getfixturevalue(viewer).user
    http_request = RequestFactory().get("/")
    http_request.user = user
    template = Template("{% load people_links %}{% person_link person %}")
    visible = set(scope_for(user).people().values_list("pk", flat=True))
    for person in Person.objects.all():
        html = template.render(RequestContext(http_request, {"person": person}))
        linked = html.startswith("<a ")
        assert linked == (person.pk in visible), (viewer, person.name, html)


def test_a_name_without_a_request_is_plain_and_escaped(operator):
    operator.name = "<b>佐藤</b>"
    html = Template("{% load people_links %}{% person_link person %}").render(
        Context({"person": operator}))
    assert html == "&lt;b&gt;佐藤&lt;/b&gt;"


def test_the_audit_trail_links_who_and_whose_records(clock, login, supervisor, operator,
                                                     coordinator):
    login(supervisor).get(reverse("people:person", args=[operator.pk]))
    body = login(coordinator).get(reverse("audit:trail")).content.decode()
    for person in (supervisor, operator):
        assert f'<a href="{reverse("people:person", args=[person.pk])}">{person.name}</a>' in body
