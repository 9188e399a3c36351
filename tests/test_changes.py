"""Section-by-section change summaries between two revisions of a plan, by worked example."""

from django.utils import translation

from cms.changes import section_changes


def step(id, action, role, minutes):
    return {"type": "item", "id": id,
            "value": {"action": action, "responsible_role": role, "time_target_minutes": minutes}}


def procedure(id, title, steps):
    return {"type": "procedure", "id": id, "value": {
        "incident_type": "lost_device", "title": title, "summary": "", "steps": steps}}


def heading(id, text):
    return {"type": "heading", "id": id, "value": {"text": text}}


def paragraph(id, html):
    return {"type": "paragraph", "id": id, "value": html}


BEFORE = [
    paragraph("p0", "<p>この計画は…</p>"),
    heading("h1", "連絡体制"),
    paragraph("p1", "<p>夜間は当番へ。</p>"),
    procedure("proc", "静脈認証装置の紛失", [
        step("s1", "所属長へ報告", "発見者", 15),
        step("s2", "市町村課へ第一報", "所属長", 30),
        step("s3", "警察へ届出", "所属長", None),
    ]),
    heading("h2", "古い節"),
]


def test_an_unchanged_plan_has_no_changes():
    assert section_changes(BEFORE, BEFORE) == []


def test_it_reports_each_changed_added_and_removed_section():
    after = [
        paragraph("p0", "<p>この計画は…</p>"),
        heading("h1", "連絡体制（夜間）"),  # renamed
        paragraph("p1", "<p>夜間は当番へ。</p>"),
        procedure("proc", "静脈認証装置の紛失", [
            step("s1", "所属長へ報告", "発見者", 10),  # 15 -> 10 minutes
            step("s2", "市町村課へ第一報", "所属長", 30),
            step("s4", "装置の利用停止を依頼", "市町村課", 60),  # new; s3 removed
        ]),
        heading("h3", "訓練"),
    ]
    with translation.override("en"):
        changes = section_changes(BEFORE, after)

    assert [(c.kind, c.title) for c in changes] == [
        ("changed", "連絡体制（夜間）"),
        ("changed", "静脈認証装置の紛失"),
        ("added", "訓練"),
        ("removed", "古い節"),
    ]
    assert changes[0].previous_title == "連絡体制"
    assert changes[1].details == [
        "Changed 1: 所属長へ報告 (発見者, within 15 min) → 所属長へ報告 (発見者, within 10 min)",
        "Added 3: 装置の利用停止を依頼 (市町村課, within 60 min)",
        "Removed: 警察へ届出 (所属長)",
    ]


def test_reordering_steps_is_not_reported_as_new_steps():
    reordered = [BEFORE[0], BEFORE[1], BEFORE[2], procedure("proc", "静脈認証装置の紛失", [
        step("s2", "市町村課へ第一報", "所属長", 30),
        step("s1", "所属長へ報告", "発見者", 15),
        step("s3", "警察へ届出", "所属長", None),
    ]), BEFORE[4]]
    with translation.override("en"):
        changes = section_changes(BEFORE, reordered)
    assert [(c.kind, c.details) for c in changes] == [("changed", ["The order changed."])]


def test_a_changed_introduction_is_its_own_section():
    after = [paragraph("p0", "<p>改訂した前文</p>")] + BEFORE[1:]
    with translation.override("en"):
        assert [(c.kind, c.title) for c in section_changes(BEFORE, after)] == [
            ("changed", "Introduction")
        ]


def test_the_editors_block_keys_are_not_a_change():
    after = [paragraph("p0", '<p data-block-key="x1y2z">この計画は…</p>')] + BEFORE[1:]
    assert section_changes(BEFORE, after) == []
