"""Section-by-section change summaries between two revisions of a plan, by worked example."""

import copy

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail import blocks
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from cms.changes import ALL_BLOCKS, section_changes


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
        "Step 1 (所属長へ報告), time target (minutes): 15 → 10",
        "Added Step 3 (装置の利用停止を依頼): action: 装置の利用停止を依頼; "
        "responsible role: 市町村課; time target (minutes): 60",
        "Removed Step 3 (警察へ届出): action: 警察へ届出; responsible role: 所属長",
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


# --- Every changed field, of every block type -------------------------------------------

def contact(id, role, name, phone, backup=""):
    return {"type": "item", "id": id,
            "value": {"role": role, "name": name, "phone": phone, "backup": backup}}


CONTACT_TREE = {"type": "contact_tree", "id": "tree", "value": {"title": "緊急連絡網", "contacts": [
    contact("c1", "所属長", "山田 太郎", "096-000-1001", "井上 彩 096-000-1013"),
    contact("c2", "市町村課", "森 由美子", "096-000-1002", "夜間 03-0000-5119"),
]}}


def test_two_changed_contacts_are_two_lines_saying_which_contact_and_field():
    """The reported case: the main number of one contact and the backup of another changed;
    the summary listed one of them, as 「変更 2：…」."""
    after = copy.deepcopy([CONTACT_TREE])
    contacts = after[0]["value"]["contacts"]
    contacts[0]["value"]["phone"] = "096-000-1099"
    contacts[1]["value"]["backup"] = "夜間 03-0000-9999"
    with translation.override("ja"):
        [change] = section_changes([CONTACT_TREE], after)
    assert change.details == [
        "連絡先 1（所属長 山田 太郎）の電話番号：096-000-1001 → 096-000-1099",
        "連絡先 2（市町村課 森 由美子）の代理連絡先：夜間 03-0000-5119 → 夜間 03-0000-9999",
    ]


def test_added_removed_and_reordered_contacts_are_each_said():
    after = copy.deepcopy([CONTACT_TREE])
    contacts = after[0]["value"]["contacts"]
    contacts.reverse()
    contacts[0]["value"]["phone"] = "096-000-1003"  # 森 is now first, with a new number
    del contacts[1]  # 山田 is gone
    contacts.append(contact("c3", "係長", "岡田 涼", "096-000-1041"))
    with translation.override("ja"):
        [change] = section_changes([CONTACT_TREE], after)
    assert change.details == [
        "連絡先 1（市町村課 森 由美子）の電話番号：096-000-1002 → 096-000-1003",
        "追加：連絡先 2（係長 岡田 涼）「役割：係長、氏名：岡田 涼、電話番号：096-000-1041」",
        "削除：連絡先 1（所属長 山田 太郎）「役割：所属長、氏名：山田 太郎、電話番号：096-000-1001、"
        "代理連絡先：井上 彩 096-000-1013」",
    ]


def test_a_long_paragraph_is_cut_down_to_where_it_changed():
    before = "<p>" + "前" * 80 + "夜間は当番へ連絡する。" + "後" * 80 + "</p>"
    after = before.replace("当番", "警備室")
    with translation.override("ja"):
        [change] = section_changes([heading("h", "節"), paragraph("p", before)],
                                   [heading("h", "節"), paragraph("p", after)])
    # 20 characters either side of the difference: 前×17 + 夜間は before it, へ連絡する。 + 後×14 after.
    assert change.details == [
        "本文：…" + "前" * 17 + "夜間は当番へ連絡する。" + "後" * 14 + "… → …"
        + "前" * 17 + "夜間は警備室へ連絡する。" + "後" * 14 + "…"
    ]


def test_a_formatting_only_change_is_said_as_such():
    with translation.override("ja"):
        [change] = section_changes([heading("h", "節"), paragraph("p", "<p>夜間は当番へ。</p>")],
                                   [heading("h", "節"), paragraph("p", "<p><b>夜間</b>は当番へ。</p>")])
    assert change.details == ["本文：書式が変わりました。"]


# The generated test: a revision of every block type (read from the block definitions, so a
# new block type or field is covered without touching this test), then a few of its leaf
# fields changed at once. Each changed field must have its own line naming the field and
# saying old → new in the words a reader sees.

WORDS = st.text(alphabet="あいうえお山田川森井上0123456789-", min_size=1, max_size=12)
YES_NO = {True: "はい", False: "いいえ"}


def leaf_values(block, choosable):
    if isinstance(block, blocks.RichTextBlock):
        return WORDS.map(lambda text: f"<p>{text}</p>")
    if isinstance(block, blocks.ChoiceBlock):
        return st.sampled_from([value for value, _label in block.field.choices if value])
    if isinstance(block, blocks.BooleanBlock):
        return st.booleans()
    if isinstance(block, blocks.IntegerBlock):
        values = st.integers(0, 999)
        return values if block.required else st.none() | values
    if isinstance(block, blocks.ChooserBlock):
        return st.sampled_from(choosable[block.model_class])
    return WORDS if block.required else st.just("") | WORDS


def raw_values(block, choosable):
    ids = st.uuids().map(str)
    if isinstance(block, blocks.StreamBlock):
        return st.lists(st.sampled_from(list(block.child_blocks.items())).flatmap(
            lambda named: st.fixed_dictionaries({
                "type": st.just(named[0]), "value": raw_values(named[1], choosable), "id": ids})
        ), max_size=2)
    if isinstance(block, blocks.ListBlock):
        return st.lists(st.fixed_dictionaries({
            "type": st.just("item"), "value": raw_values(block.child_block, choosable), "id": ids,
        }), min_size=1, max_size=3)
    if isinstance(block, blocks.StructBlock):
        return st.fixed_dictionaries(
            {name: raw_values(child, choosable) for name, child in block.child_blocks.items()})
    return leaf_values(block, choosable)


def leaves(block, raw, path=()):
    """(path into the raw value, leaf block) for every leaf field of a raw value."""
    if isinstance(block, blocks.StreamBlock | blocks.ListBlock):
        for index, entry in enumerate(raw):
            child = (block.child_blocks[entry["type"]] if isinstance(block, blocks.StreamBlock)
                     else block.child_block)
            yield from leaves(child, entry["value"], path + (index, "value"))
    elif isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            yield from leaves(child, raw[name], path + (name,))
    else:
        yield path, block


def shown(block, value, choosable_titles):
    """A leaf as the reader must see it, worked out here independently of cms.changes."""
    if value is None or value == "":
        return "（空欄）"
    if isinstance(block, blocks.RichTextBlock):
        return value.removeprefix("<p>").removesuffix("</p>")
    if isinstance(block, blocks.ChoiceBlock):
        return str(dict(block.field.choices)[value])
    if isinstance(block, blocks.BooleanBlock):
        return YES_NO[value]
    if isinstance(block, blocks.ChooserBlock):
        return choosable_titles[block.model_class, value]
    return str(value)


@pytest.fixture
def choosable(db):
    """Two documents and two images, so that a chooser field can change."""
    collection = Collection.get_first_root_node()
    documents = [Document.objects.create(title=f"様式{n}", collection=collection,
                                         file=ContentFile(b"x", name=f"form{n}.txt"))
                 for n in (1, 2)]
    images = [Image.objects.create(title=f"配置図{n}", collection=collection,
                                   file=get_test_image_file()) for n in (1, 2)]
    return {Document: [d.pk for d in documents], Image: [i.pk for i in images]}


@pytest.mark.parametrize("block_type", list(ALL_BLOCKS.child_blocks))
def test_every_changed_field_of_every_block_type_is_in_the_summary(block_type, choosable):
    block = ALL_BLOCKS.child_blocks[block_type]
    titles = {(model, obj.pk): str(obj) for model, pks in choosable.items()
              for obj in model.objects.filter(pk__in=pks)}

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        value = data.draw(raw_values(block, choosable))
        before = [heading("h", "節"), {"type": block_type, "id": "b", "value": value}]
        after = copy.deepcopy(before)
        fields = list(leaves(block, value))
        chosen = data.draw(st.lists(st.sampled_from(range(len(fields))), min_size=1,
                                    max_size=3, unique=True))
        expected = []
        for index in chosen:
            path, leaf = fields[index]
            target = after[1]["value"]
            for key in path[:-1]:
                target = target[key]
            old = target[path[-1]] if path else after[1]["value"]
            new = data.draw(leaf_values(leaf, choosable).filter(
                lambda v, leaf=leaf, old=old: shown(leaf, v, titles) != shown(leaf, old, titles)))
            if path:
                target[path[-1]] = new
            else:
                after[1]["value"] = new
            expected.append((str(leaf.label), shown(leaf, old, titles), shown(leaf, new, titles)))

        with translation.override("ja"):
            lines = [line for change in section_changes(before, after)
                     for line in change.details]
        for label, old, new in expected:
            assert any(label in line and f"{old} → {new}" in line for line in lines), (
                label, old, new, lines)
        # One line per changed field: two changes are never folded into one line.
        assert len(lines) == len(expected), lines

    check()
