"""Chained injects (issue 15, point 11): an inject released when its addressed role
acknowledges another, or at its own time from the start, whichever comes first; a
contact-tree drill chained link to link, where the addressee's acknowledgement achieves
the link's expected action without an evaluator's tick. All on injected moments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from drills import runs
from drills.consoles import participant_state
from drills.models import CONTACT_TREE, Drill, InjectRelease, Participant, Scenario
from drills.scoring import drill_score, released_only
from tests.conftest import DRILL_T0 as T0
from tests.conftest import inject
from tests.test_drill_clock import at


def chained(offset, subject, role, *, after, actions=()):
    block = inject(offset, subject, role, actions=actions)
    block["value"]["after_acknowledgement_of"] = after
    return block


def links_scenario(organisation, *, incident_type=CONTACT_TREE):
    """Three links, each released after the one before it acknowledges, or at the latest
    10 and 20 minutes from the start."""
    return Scenario.objects.create(
        organisation=organisation, title="緊急連絡網訓練", incident_type=incident_type,
        summary="連絡網", objectives=[{"type": "objective", "value": {
            "code": "1", "title": "つなぐ", "description": ""}}],
        timeline=[
            inject("+0:00", "第1報", "所属長", actions=["応答し市町村課へ連絡する"]),
            chained("+0:10", "第2報", "市町村課", after="第1報", actions=["応答し県へ連絡する"]),
            chained("+0:20", "第3報", "県", after="第2報", actions=["応答し報告する"]),
        ],
    )


@pytest.fixture
def chain(prefecture, coordinator):
    drill = runs.drill_schedule(scenario=links_scenario(prefecture), scheduled_for=T0,
                                by=coordinator, now=T0)
    runs.drill_start(drill=drill, now=at(0))
    return Drill.objects.get(pk=drill.pk)


def player(drill, role_name, name):
    return Participant.objects.create(drill=drill, role=drill.roles.get(name=role_name),
                                      display_name=name, joined_at=at(0))


def seen(participant, now):
    return [item["subject"] for item in participant_state(participant, now).data["injects"]]


def test_scheduling_copies_the_chain(chain):
    links = {inject.subject: inject for inject in chain.injects.all()}
    assert links["第1報"].released_after is None
    assert links["第2報"].released_after == links["第1報"]
    assert links["第3報"].released_after == links["第2報"]


def test_the_controller_sees_which_link_releases_each_chained_inject(
        chain, coordinator, login):
    page = login(coordinator).get(reverse("drills:control", args=[chain.pk])).content.decode()
    assert "10:00<br><span class=\"note\">（「第1報」の受信確認で直ちに発出）" in page
    assert "（「第2報」の受信確認で直ちに発出）" in page


def test_an_acknowledgement_releases_the_next_link_at_once_and_only_it(chain):
    first, second = player(chain, "所属長", "林"), player(chain, "市町村課", "森")
    assert seen(second, at(3)) == []  # secret until released
    runs.inject_acknowledge(participant=first, inject=chain.injects.get(subject="第1報"),
                            now=at(3))
    release = InjectRelease.objects.get(inject__subject="第2報")
    assert (release.kind, release.released_at) == (InjectRelease.Kind.CHAINED, at(3))
    assert seen(second, at(3)) == ["第2報"]
    assert not InjectRelease.objects.filter(inject__subject="第3報").exists()
    # Acknowledging again changes nothing.
    runs.inject_acknowledge(participant=first, inject=chain.injects.get(subject="第1報"),
                            now=at(4))
    assert InjectRelease.objects.get(inject__subject="第2報").released_at == at(3)


def test_without_an_acknowledgement_a_link_goes_out_at_its_time_limit(chain):
    second = player(chain, "市町村課", "森")
    assert seen(second, at(9, 59)) == []
    assert seen(second, at(10)) == ["第2報"]
    recorded = runs.releases_record(drill=chain, now=at(10))
    assert [inject.subject for inject in recorded] == ["第1報", "第2報"]
    assert InjectRelease.objects.get(inject__subject="第2報").kind == "scheduled"


def test_an_acknowledgement_after_the_time_limit_adds_no_second_release(chain):
    first = player(chain, "所属長", "林")
    runs.inject_acknowledge(participant=first, inject=chain.injects.get(subject="第1報"),
                            now=at(12))
    assert not InjectRelease.objects.filter(inject__subject="第2報").exists()
    [recorded] = [i for i in runs.releases_record(drill=chain, now=at(12)) if i.subject == "第2報"]
    assert InjectRelease.objects.get(inject=recorded).released_at == at(10)


def test_only_the_addressed_role_can_release_the_next_link(chain):
    stranger = player(chain, "市町村課", "森")
    with pytest.raises(ValidationError):
        runs.inject_acknowledge(participant=stranger, inject=chain.injects.get(subject="第1報"),
                                now=at(2))
    assert not InjectRelease.objects.filter(inject__subject="第2報").exists()


def test_the_addressees_acknowledgement_achieves_a_contact_tree_link(chain):
    first, second = player(chain, "所属長", "林"), player(chain, "市町村課", "森")
    runs.inject_acknowledge(participant=first, inject=chain.injects.get(subject="第1報"),
                            now=at(2))
    runs.inject_acknowledge(participant=second, inject=chain.injects.get(subject="第2報"),
                            now=at(5))
    score = drill_score(Drill.objects.get(pk=chain.pk), now=at(6))
    actions = {action.action.description: action for action in score.objectives[0].actions}
    # Link 1 prompted at 0:00, acknowledged at 0:02; link 2 prompted at 0:02 (the chain),
    # acknowledged at 0:05: 3 minutes, within its 10. Link 3 prompted at 0:05, not yet.
    assert actions["応答し市町村課へ連絡する"].achieved_at == at(2)
    assert actions["応答し県へ連絡する"].prompted_at == at(2)
    assert actions["応答し県へ連絡する"].delay == datetime.timedelta(minutes=3)
    assert actions["応答し県へ連絡する"].timeliness == 1.0
    assert "受信確認により達成" in actions["応答し県へ連絡する"].explanation
    assert actions["応答し報告する"].prompted_at == at(5)
    assert actions["応答し報告する"].achieved_at is None
    # Timeliness (1 + 1 + 0) / 3, not rated: 100 × 2/3.
    assert round(score.overall, 2) == 66.67


def test_players_score_keeps_unreleased_links_secret(chain):
    score = released_only(drill_score(chain, now=at(1)))
    assert [action.action.description for action in score.objectives[0].actions] == [
        "応答し市町村課へ連絡する"]


def test_in_another_drill_an_acknowledgement_releases_but_achieves_nothing(
    prefecture, coordinator
):
    drill = runs.drill_schedule(
        scenario=links_scenario(prefecture, incident_type="unauthorised_lookup"),
        scheduled_for=T0, by=coordinator, now=T0)
    drill = runs.drill_start(drill=drill, now=at(0))
    first = player(drill, "所属長", "林")
    runs.inject_acknowledge(participant=first, inject=drill.injects.get(subject="第1報"),
                            now=at(1))
    assert InjectRelease.objects.get(inject__subject="第2報").released_at == at(1)
    score = drill_score(Drill.objects.get(pk=drill.pk), now=at(2))
    assert all(action.achieved_at is None for action in score.objectives[0].actions)


def test_a_chain_to_an_unknown_inject_cannot_be_scheduled(prefecture, coordinator):
    scenario = links_scenario(prefecture)
    scenario.timeline = [*scenario.timeline.raw_data][:1] + [
        chained("+0:10", "第2報", "市町村課", after="第9報")]
    scenario.save()
    with pytest.raises(ValidationError, match="第9報"):
        runs.drill_schedule(scenario=scenario, scheduled_for=T0, by=coordinator, now=T0)
    assert not Drill.objects.exists()
