"""The demo content of the CMS is valid Wagtail data, renders, and gets stable ids."""

import uuid

import pytest

from cms.blocks import INCIDENT_TYPES, BaseStreamBlock, PlanStreamBlock
from cms.demo_content import TRAINING_MODULES, emergency_plan, procedure_step_ids, stream

FIVE_INCIDENTS = {"unauthorised_lookup", "lost_device", "malware", "outage", "earthquake"}
PLANS = [("熊本県", "prefecture"), ("熊本市", "municipality")]
MODULES = {module["slug"]: module for module in TRAINING_MODULES}


def all_ids(streamed):
    """Every id in streamed data: top-level blocks and the list items inside them."""
    ids = []
    for block in streamed:
        ids.append(block["id"])
        value = block["value"]
        if isinstance(value, dict):
            value = value.get("contacts", value.get("steps"))
        if isinstance(value, list):
            ids.extend(item["id"] for item in value)
    return ids


def validate_and_render(block, body, key):
    value = block.to_python(stream(body, key=key))
    block.clean(value)  # raises ValidationError when invalid
    return value, block.render(value)


def texts_of(body):
    """The plain strings a reader must see: headings, key points, checklist items."""
    for raw in body:
        if raw["type"] == "heading":
            yield raw["value"]["text"]
        elif raw["type"] in ("key_points", "checklist"):
            yield from raw["value"]


def test_there_are_five_modules_with_distinct_slugs_and_titles():
    assert len(TRAINING_MODULES) >= 5
    assert len(MODULES) == len(TRAINING_MODULES)
    assert [module["title"] for module in TRAINING_MODULES[:5]] == [
        "住基ネットの概要",
        "本人確認情報の保護",
        "静脈認証とパスワードの取扱い",
        "アクセスログの検証",
        "緊急時の対応",
    ]


@pytest.mark.parametrize("slug", list(MODULES))
def test_a_module_validates_and_renders(db, slug):
    module = MODULES[slug]
    body = module["body"]
    types = [raw["type"] for raw in body]
    assert 5 <= len(body) <= 10
    assert types.count("heading") >= 2
    assert "callout" in types
    assert {"key_points", "checklist"} & set(types)
    assert not {"image", "document"} & set(types)
    assert module["summary"]

    value, html = validate_and_render(BaseStreamBlock(), body, slug)
    assert len(value) == len(body)
    for text in texts_of(body):
        assert text in html
    assert 'class="callout' in html


@pytest.mark.parametrize(
    "slug, words",
    [
        ("juki-net-overview", ["本人確認情報", "静脈認証", "地方公共団体情報システム機構"]),
        ("protecting-identity-data", ["目的外利用", "内部運用監査", "外部監査", "照合ID", "紙"]),
        ("vein-authentication-and-passwords", ["静脈認証", "パスワード", "誤りがあることを前提に"]),
        ("access-log-review", ["アクセスログ", "3か月に1回", "24時間体制", "著名人"]),
        ("incident-response", ["アクセスログ", "緊急時対応計画書", "市町村課"]),
    ],
)
def test_a_module_says_what_it_is_about(db, slug, words):
    _, html = validate_and_render(BaseStreamBlock(), MODULES[slug]["body"], slug)
    for word in words:
        assert word in html, word


@pytest.mark.parametrize("name, kind", PLANS)
def test_a_plan_validates_and_renders(db, name, kind):
    plan = emergency_plan(name, kind)
    assert name in plan["title"] and "緊急時対応計画書" in plan["title"]
    assert plan["summary"]
    body = plan["body"]
    assert body[0]["type"] == "heading" and body[1]["type"] == "paragraph"

    value, html = validate_and_render(PlanStreamBlock(), body, f"plan/{name}")
    assert "緊急連絡網" in html
    assert "地方公共団体情報システム機構（J-LIS） 全国センター" in html
    assert "市町村課" in html
    for text in texts_of(body):
        assert text in html

    procedures = [child.value for child in value if child.block_type == "procedure"]
    assert len(procedures) >= 5
    assert {procedure["incident_type"] for procedure in procedures} >= FIVE_INCIDENTS
    assert {procedure["incident_type"] for procedure in procedures} <= dict(INCIDENT_TYPES).keys()
    for procedure in procedures:
        assert procedure["title"] in html
        assert 4 <= len(procedure["steps"]) <= 7
        for step in procedure["steps"]:
            assert step["responsible_role"].strip()
            assert step["action"].strip()
            minutes = step["time_target_minutes"]
            assert minutes is None or (isinstance(minutes, int) and minutes >= 0)
            assert step["responsible_role"] in html
        # Targets never go backwards: each step is due no sooner than the one before.
        targets = [s["time_target_minutes"] for s in procedure["steps"]]
        timed = [t for t in targets if t is not None]
        assert timed == sorted(timed)


@pytest.mark.parametrize("name, kind", PLANS)
def test_the_contact_tree_walks_up_to_the_national_centre(name, kind):
    plan = emergency_plan(name, kind)
    (tree,) = [raw["value"] for raw in plan["body"] if raw["type"] == "contact_tree"]
    roles = [contact["role"] for contact in tree["contacts"]]
    assert tree["title"] == "緊急連絡網"
    assert roles[0].startswith("所属長")
    assert "J-LIS" in roles[-1]
    coordinating = next(i for i, role in enumerate(roles) if "市町村課" in role)
    if kind == "municipality":
        lead = next(i for i, role in enumerate(roles) if "市民課" in role)
        assert 0 < lead < coordinating < len(roles) - 1
        assert "熊本県" in roles[coordinating]
    for contact in tree["contacts"]:
        assert contact["name"] and contact["phone"]
        if contact["phone"][0].isdigit():  # fictional numbers only
            assert contact["phone"].startswith(("096-000-", "03-0000-"))


def test_the_municipal_plan_differs_from_the_prefectures():
    prefecture = emergency_plan("熊本県", "prefecture")
    city = emergency_plan("熊本市", "municipality")

    def phones(plan):
        (tree,) = [raw["value"] for raw in plan["body"] if raw["type"] == "contact_tree"]
        return [contact["phone"] for contact in tree["contacts"]]

    def steps(plan):
        return [
            step["action"]
            for raw in plan["body"] if raw["type"] == "procedure"
            for step in raw["value"]["steps"]
        ]

    assert phones(prefecture)[1:3] != phones(city)[1:3]
    assert set(steps(prefecture)).isdisjoint(steps(city))
    assert any("市民課" in step["responsible_role"]
               for raw in city["body"] if raw["type"] == "procedure"
               for step in raw["value"]["steps"])
    assert emergency_plan("八代市", "municipality")["body"] != city["body"]
    assert emergency_plan("熊本市", "municipality", lead_division="区政課") != city


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        emergency_plan("熊本県", "country")


def test_stream_ids_are_stable_unique_and_in_wagtail_format():
    plan = emergency_plan("熊本市", "municipality")["body"]
    first, second = stream(plan, key="熊本市"), stream(plan, key="熊本市")
    assert first == second

    ids = all_ids(first)
    assert len(ids) == len(set(ids))
    assert all(uuid.UUID(value).version == 5 for value in ids)
    for block in first:
        assert set(block) == {"type", "value", "id"}
    steps = first[[b["type"] for b in first].index("procedure")]["value"]["steps"]
    assert all(set(item) == {"type", "value", "id"} and item["type"] == "item" for item in steps)

    # Another page, another key: no shared ids.
    assert set(ids).isdisjoint(all_ids(stream(plan, key="熊本県")))
    # Streaming again keeps the ids; the plain input is left alone.
    assert stream(first, key="熊本市") == first
    (tree,) = [raw["value"] for raw in plan if raw["type"] == "contact_tree"]
    assert "id" not in plan[0] and all("id" not in contact for contact in tree["contacts"])


def test_stream_ids_survive_a_round_trip_through_wagtail(db):
    block = PlanStreamBlock()
    raw = stream(emergency_plan("熊本県", "prefecture")["body"], key="熊本県")
    assert block.get_prep_value(block.to_python(raw)) == raw
    ids = procedure_step_ids(raw, "earthquake")
    value = block.to_python(raw)
    (earthquake,) = [
        child for child in value
        if child.block_type == "procedure" and child.value["incident_type"] == "earthquake"
    ]
    assert [step.id for step in earthquake.value["steps"].bound_blocks] == ids
    assert f'id="step-{ids[0]}"' in block.render(value)


def test_module_lists_get_stable_ids_too():
    body = MODULES["incident-response"]["body"]
    streamed = stream(body, key="incident-response")
    points = next(b for b in streamed if b["type"] == "key_points")["value"]
    assert [item["value"] for item in points] == next(
        b for b in body if b["type"] == "key_points"
    )["value"]
    assert points == next(
        b for b in stream(body, key="incident-response") if b["type"] == "key_points"
    )["value"]
