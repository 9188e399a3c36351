"""manage.py site_setup: a new installation's page tree, editors' groups and
coordinators' group, from the state `migrate` leaves (Wagtail's welcome page)."""

from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import GroupPagePermission, Page, PageViewRestriction, Site

from cms.models import EmergencyPlanPage, HomePage, TrainingIndexPage
from people.groups import COORDINATOR_PERMISSIONS, COORDINATORS_GROUP


def set_up(prefecture, city):
    call_command("site_setup", "--hostname", "kunren.example.lg.jp", stdout=None)


def test_it_replaces_the_welcome_page_with_a_home_page_for_staff_only(db, prefecture, city):
    assert Page.objects.filter(depth=2).exclude(content_type__model="homepage").exists()
    set_up(prefecture, city)
    home = HomePage.objects.get()
    assert list(Page.objects.filter(depth=2)) == [home.page_ptr]
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_page_id) == ("kunren.example.lg.jp", 443, home.pk)
    assert PageViewRestriction.objects.filter(
        page=home, restriction_type=PageViewRestriction.LOGIN).exists()


def test_every_organisation_gets_its_pages_and_its_editors(db, prefecture, city):
    set_up(prefecture, city)
    index = TrainingIndexPage.objects.get(organisation=city)
    plan = EmergencyPlanPage.objects.get(organisation=city)
    assert index.live and index.title == "熊本市 研修資料"
    assert not plan.live and plan.title == "熊本市 緊急時対応計画"
    editors = Group.objects.get(name="熊本市 編集者")
    assert set(GroupPagePermission.objects.filter(group=editors).values_list(
        "page_id", flat=True)) == {index.pk, plan.pk}


def test_the_coordinators_group_holds_every_permission_they_need(db, prefecture, city):
    set_up(prefecture, city)
    group = Group.objects.get(name=COORDINATORS_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(COORDINATOR_PERMISSIONS)


def test_the_pages_are_closed_to_visitors_who_have_not_signed_in(client, db, settings,
                                                                  prefecture, city):
    settings.ALLOWED_HOSTS = ["kunren.example.lg.jp"]
    set_up(prefecture, city)
    index = TrainingIndexPage.objects.get(organisation=prefecture)
    response = client.get(index.url, HTTP_HOST="kunren.example.lg.jp")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_running_it_again_changes_nothing(db, prefecture, city):
    set_up(prefecture, city)
    before = (Page.objects.count(), Group.objects.count(), GroupPagePermission.objects.count())
    set_up(prefecture, city)
    assert (Page.objects.count(), Group.objects.count(),
            GroupPagePermission.objects.count()) == before


def test_the_group_under_its_former_name_is_renamed_with_its_members(db, coordinator):
    from django.contrib.auth.models import Group

    from people.groups import FORMER_NAMES, coordinators_group

    former = Group.objects.create(name=FORMER_NAMES[0])
    coordinator.user.groups.add(former)
    group = coordinators_group()
    assert group.pk == former.pk and group.name == "取りまとめ担当"
    assert list(coordinator.user.groups.all()) == [group]
    assert not Group.objects.filter(name__in=FORMER_NAMES).exists()


def test_wagtail_s_default_workflow_gets_a_japanese_name(db):
    from wagtail.models import Task, Workflow

    from cms.site import workflow_names_setup

    Workflow.objects.get_or_create(name="Moderators approval")
    Task.objects.get_or_create(name="Moderators approval")
    workflow_names_setup()
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    assert Workflow.objects.filter(name="所属長等の承認").exists()
