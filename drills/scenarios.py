"""Scenarios built from the plan they test.

A contact-tree drill walks the plan's 緊急連絡網 link by link (所属 → 担当課 → 県 →
全国センター, as the plan lists them) and measures how long each link takes to pick up.
The links are chained: the first link's inject is released at the start, and each next
link's as soon as the link before it acknowledges (drills.runs), so each person's console
shows "a call is coming to you" when the call actually goes out, and the acknowledgement
is the moment that link picked up. A link that does not answer holds the chain up only
until its time limit (the next inject's time from the start), so a drill never stalls on
one unanswered phone. The acknowledgement by the addressed role achieves the link's
expected action without an evaluator's tick (drills.scoring).
The same scenario is run once during office hours
and once outside them (夜間・休日), when the backups in the plan are who answer.

The text of a generated scenario is content, like the plan it is made from, so it is
written in Japanese rather than through the translation catalogue; the coordinator edits
it in the admin like any other scenario.
"""

import datetime

from django.utils.translation import gettext as _

from drills.blocks import format_offset
from drills.models import CONTACT_TREE, Scenario

DEFAULT_MINUTES_PER_LINK = 10
DISCOVERER = "発見者（事案を発見した職員）"


def contact_tree_scenario(plan, *, minutes_per_link: int = DEFAULT_MINUTES_PER_LINK) -> Scenario:
    """An unsaved contact-tree scenario for `plan` (a cms EmergencyPlanPage) from its first
    contact tree: one inject per link, addressed to that link's role, released when the
    link before it acknowledges (or, at the latest, `minutes_per_link` per link from the
    start), whose expected action is to acknowledge and call the next link within
    `minutes_per_link` of its release.

    Raises ValueError when the plan has no contact tree with at least two contacts.
    """
    contacts = plan_contacts(plan)
    if len(contacts) < 2:
        raise ValueError(
            _("The plan “%(plan)s” has no contact tree of two or more contacts to walk.")
            % {"plan": plan.title}
        )
    organisation = plan.organisation
    last = contacts[-1]
    chain = " → ".join(contact["role"] for contact in contacts)
    objectives = [
        {"type": "objective", "value": {
            "code": "1",
            "title": "各連絡先が目標時間内に応答し、次の連絡先へつなぐ",
            "description": f"連絡網の1段階あたり{minutes_per_link}分以内に応答し、次の連絡先へ"
                           "連絡する。各段階の所要時間は、前の段階が応答してから応答するまでの時間で測る。",
        }},
        {"type": "objective", "value": {
            "code": "2",
            "title": f"連絡網の最後（{last['role']}）まで途切れずに届く",
            "description": "連絡先が不在のときは待たずに予備の連絡先へ連絡し、"
                           "連絡した時刻と相手を記録する。",
        }},
    ]
    timeline = []
    previous_subject = ""
    for position, contact in enumerate(contacts):
        caller = contacts[position - 1]["role"] if position else DISCOVERER
        following = contacts[position + 1] if position + 1 < len(contacts) else None
        if following:
            then = (
                f"応答したら、次の連絡先「{following['role']}」（{following['name']} "
                f"{following['phone']}）へ電話で連絡し、同じ内容を伝えてください。"
            )
            if following.get("backup"):
                then += f"不在の場合は、予備の連絡先（{following['backup']}）へ連絡してください。"
            action = f"着信に応答し、次の連絡先（{following['role']}）へ連絡する"
            objective = "1"
        else:
            then = "応答したら、連絡網の最後まで届いたことを訓練統制官へ報告してください。"
            action = "着信に応答し、連絡網の最後まで届いたことを訓練統制官へ報告する"
            objective = "2"
        subject = f"【連絡網訓練】第{position + 1}報：{caller}からの連絡"[:200]
        timeline.append({"type": "inject", "value": {
            "offset": format_offset(datetime.timedelta(minutes=minutes_per_link * position)),
            "channel": "phone",
            "sender": caller[:100],
            "role": contact["role"][:100],
            "subject": subject,
            "message": (
                "これは訓練です。住基ネットの緊急時対応計画書に基づく緊急連絡網の訓練を"
                f"行っています。{caller}から電話がかかってきたら、その時刻に"
                f"この連絡への応答を記録してください。{then}"
            ),
            "contingency": False,
            "after_acknowledgement_of": previous_subject,
            "expected_actions": [{
                "description": action[:300],
                "objective": objective,
                "role": contact["role"][:100],
                "deadline_minutes": minutes_per_link,
                "weight": 1,
                "plan_step": "",
            }],
        }})
        previous_subject = subject
    return Scenario(
        organisation=organisation,
        title=contact_tree_title(organisation),
        incident_type=CONTACT_TREE,
        summary=(
            f"{plan.title}の緊急連絡網（{chain}）を、順に電話でつなぐ訓練。"
            "事案の内容は伝えず、連絡がつくまでの時間だけを測る。"
            "各連絡先は、電話を受けた時刻に応答を記録し、次の連絡先へ連絡する。"
            "勤務時間内と勤務時間外（夜間・休日）にそれぞれ1回実施し、"
            "各段階の応答にかかった時間を比べる。"
        ),
        objectives=objectives,
        timeline=timeline,
    )


def contact_tree_title(organisation) -> str:
    return f"緊急連絡網訓練（{organisation.name}）"


def plan_contacts(plan) -> list[dict]:
    """The contacts of the plan's first contact tree, in calling order."""
    for block in plan.body:
        if block.block_type == "contact_tree":
            return [dict(contact) for contact in block.value["contacts"]]
    return []


def procedure_steps(plan) -> dict[str, list[str]]:
    """The ids of each procedure's steps in `plan`, in order, by incident type."""
    return {
        block.value["incident_type"]: [step.id for step in block.value["steps"].bound_blocks]
        for block in plan.body
        if block.block_type == "procedure"
    }


def live_plan_of(organisation):
    """The organisation's published emergency plan, as published, or None."""
    from cms.models import EmergencyPlanPage

    return EmergencyPlanPage.objects.live().filter(organisation=organisation).first()
