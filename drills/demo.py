"""The demo's drill scenarios for 熊本県, written for this project.

Three incidents the council minutes make real (a lookup of a famous person's record
flagged by the 24-hour monitoring, a lost vein-authentication device, a large earthquake
taking the terminal room offline) and a contact-tree drill from the plan; 熊本市 gets a
contact-tree drill from its own plan. Every person, terminal and quotation is fictional.

Expected actions point at the step of the demo plan's procedure that they test, by the
step's id in the published plan, so that a drill's findings lead back to the plan.
Called by `seed_demo` after the plans exist. Scenarios are found again by organisation
and title, so a re-run neither duplicates them nor undoes a coordinator's edits.

`demo_drills_seed` then runs the first scenario as three yearly drills, with what came
of them, and schedules a contact-tree drill to come: see the comment above it.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from drills.hotwash import hot_wash_submit
from drills.improvements import item_create, item_update, item_verify
from drills.models import Drill, Participant, Scenario
from drills.report import objective_findings_save, report_finalise
from drills.runs import (
    action_tick,
    drill_end,
    drill_pause,
    drill_resume,
    drill_schedule,
    drill_start,
    inject_acknowledge,
    inject_release_now,
    log_record,
    objective_rate,
    participant_join,
    releases_record,
)
from drills.scenarios import (
    contact_tree_scenario,
    contact_tree_title,
    live_plan_of,
    procedure_steps,
)
from people.fiscal import fiscal_year_of
from people.models import Organisation, Person

PREFECTURE_LG_CODE = "430005"
CITY_LG_CODE = "431001"

# Drill roles, named as the prefecture's plan names who does each step.
DESK = "市町村課 住基ネット担当"
ADMIN = "市町村課 システム管理者"
HEAD = "市町村課長"
DEPARTMENT_HEAD = "所属長"
FINDER = "発見者"
CONTROLLER = "訓練統制官（状況の付与）"
J_LIS_MONITORING = "J-LIS全国センター 24時間監視窓口"
J_LIS = "J-LIS全国センター"


def action(description, objective, role, minutes, weight=1, step=None):
    """An expected action; `step` is the index of the plan step it tests in the procedure
    for the scenario's incident type."""
    return {"description": description, "objective": objective, "role": role,
            "deadline_minutes": minutes, "weight": weight, "step": step}


def inject(offset, channel, sender, role, subject, message, *actions, contingency=False):
    return {"offset": offset, "channel": channel, "sender": sender, "role": role,
            "subject": subject, "message": message, "contingency": contingency,
            "expected_actions": list(actions)}


SCENARIOS = [
    {
        "title": "24時間監視からの通報：著名人の本人確認情報の照会",
        "incident_type": "unauthorised_lookup",
        "summary": (
            "平日の午前9時、住基ネットの24時間監視を行うJ-LIS全国センターから、県の端末で"
            "全国的に知られた著名人の本人確認情報が照会されたとの通報が市町村課に入る。"
            "照会したのは県北広域本部福祉課の照合ID付与者で、業務上の根拠があるかどうかは"
            "分からない。計画書の「不正な照会の疑い」の手順に沿って、事実の記録、所属との確認、"
            "照合IDの停止とアクセスログの保全、外部への対応を行う。"
            "※人物、端末番号及び発言は、すべて訓練用の架空のものである。"
        ),
        "objectives": [
            ("1", "通報の内容を正確に記録し、速やかに責任者へ報告する",
             "日時、端末、照合IDの所属、照会の条件を記録し、15分以内に市町村課長へ報告する。"),
            ("2", "所属と連携して、業務上の根拠の有無を確かめる",
             "照会した職員本人へは直接問い合わせず、所属長に根拠書類の確認を依頼する。"
             "本人からの聞き取りは、市町村課と協議のうえ所属長の立会いのもとで行う。"),
            ("3", "照合IDの停止とアクセスログの保全で、被害の拡大を防ぎ記録を残す",
             "根拠が確認できない照合IDは速やかに止め、前後3か月分のアクセスログを保全する。"),
            ("4", "外部への報告と問合せに、正確かつ一貫して対応する",
             "J-LIS全国センターへの報告と報道機関への対応を、市町村課長の判断のもとで一本化する。"),
        ],
        "timeline": [
            inject(
                "+0:00", "monitoring", J_LIS_MONITORING, DESK,
                "【通報】著名人の本人確認情報の照会について",
                "本日8時47分、貴県の住基ネット端末（県北広域本部福祉課 端末番号 KH-03）から、"
                "福祉課に付与された照合IDにより、全国的に知られた俳優A氏（訓練用の架空の人物）の"
                "本人確認情報が、氏名と生年月日を条件として照会されました。A氏は県外に住所を"
                "有しています。業務上の根拠に基づく照会かどうかを確認し、結果をお知らせください。",
                action("通報の内容（日時、端末、照合IDの所属、照会の条件）を記録し、"
                       "市町村課長へ報告する", "1", DESK, 15, 2, step=0),
                action("福祉課の所属長へ連絡し、照会に対応する根拠書類の有無の確認を依頼する"
                       "（照会した職員へは直接問い合わせない）", "2", DESK, 30, 2, step=1),
            ),
            inject(
                "+0:10", "phone", "県北広域本部福祉課 照合ID付与者（照会した職員）", DESK,
                "照会した職員からの電話",
                "「所属長に市町村課から連絡があったと聞きました。私の照会のことでしょうか。"
                "窓口で相談を受けた方の確認をしただけで、問題はないと思います。"
                "詳しく説明したいので、今から電話で話せますか」",
                action("本人とは直接やり取りせず、所属長を通じて確認する旨を伝え、"
                       "電話の内容と時刻を記録する", "2", DESK, 10),
            ),
            inject(
                "+0:30", "walk_in", "県北広域本部福祉課 係長", DEPARTMENT_HEAD,
                "根拠書類の確認結果",
                "「8時47分前後の窓口受付簿と申請書綴りを確認しましたが、A氏に関する申請や"
                "相談の記録は見当たりません。照会した職員は今朝、『昨日のニュースで見た人の"
                "住所が気になった』と同僚に話していたそうです」",
                action("根拠書類が確認できなかったことを市町村課へ回答する。本人からの聞き取りは"
                       "市町村課と協議して行う", "2", DEPARTMENT_HEAD, 30, 2, step=2),
            ),
            inject(
                "+0:50", "monitoring", J_LIS_MONITORING, ADMIN,
                "【追加通報】同じ照合IDによる照会",
                "同じ照合IDにより、8時50分から9時05分までの間に、別の著名人2名"
                "（いずれも訓練用の架空の人物）の本人確認情報が照会されていたことを確認しました。",
                action("業務上の根拠が確認できない照合IDの利用を一時停止し、停止した時刻を"
                       "記録する", "3", ADMIN, 20, 3, step=3),
                action("当該照合IDによる前後3か月分のアクセスログを抽出して保全する",
                       "3", DESK, 60, 2, step=4),
            ),
            inject(
                "+1:10", "media", "地元新聞社 社会部記者", HEAD,
                "報道機関からの問合せ",
                "「県の職員が有名人の個人情報をのぞき見したという情報が寄せられています。"
                "事実関係を教えてください。今日の夕方の記事にしたいと考えています」",
                action("事実関係を確認中であることだけを伝え、回答の窓口と時期を示す。"
                       "個人が特定される情報は答えない", "4", HEAD, 20, 2),
            ),
            inject(
                "+1:30", "phone", J_LIS_MONITORING, HEAD,
                "照合IDの停止の確認",
                "「先ほど通報した照合IDは停止されましたか。停止していない場合は、"
                "直ちに停止してください」",
                action("照合IDの停止を直ちに指示し、停止を確かめてJ-LIS全国センターへ折り返す",
                       "3", HEAD, 10, step=3),
                contingency=True,
            ),
            inject(
                "+1:45", "email", J_LIS, HEAD,
                "調査結果の報告について",
                "本件について、照会の経緯、業務上の根拠の有無及びとった措置を報告してください。"
                "不正利用が確認された場合は、個人情報保護委員会への報告と本人への通知の要否も"
                "検討のうえお知らせください。",
                action("J-LIS全国センターへ経過を報告し、個人情報保護委員会への報告と本人への"
                       "通知の要否を判断する", "4", HEAD, 60, 2, step=5),
            ),
        ],
    },
    {
        "title": "静脈認証装置の紛失：週明けの窓口で所在が分からない",
        "incident_type": "lost_device",
        "summary": (
            "月曜日の始業前、球磨地域振興局の窓口で、住基ネット端末に接続していた静脈認証装置が"
            "見当たらない。金曜日の夕方には庁舎内の書庫の移転作業があり、委託業者が窓口周りの"
            "機器を動かしていた。計画書の「静脈認証装置又は操作者識別カードの紛失」の手順に"
            "沿って、報告、照合IDの停止、アクセスログの確認、届出の判断を行う。"
            "※人物及び発言は、すべて訓練用の架空のものである。"
        ),
        "objectives": [
            ("1", "所在が分からないことに気付いた時点で、速やかに報告が上がる",
             "探し終わるのを待たずに所属長へ報告し、所属長は30分以内に市町村課へ第一報を入れる。"),
            ("2", "関係する照合IDを止め、不正な使用がないことを確かめる",
             "装置に登録された照合IDを一時停止し、最後の使用以降のアクセスログを確認する。"),
            ("3", "盗難の可能性を判断し、届出と再発防止につなげる",
             "警備記録などから盗難の疑いを判断し、必要なら警察署へ届け出る。経緯と再発防止策を報告する。"),
        ],
        "timeline": [
            inject(
                "+0:00", "walk_in", CONTROLLER, FINDER,
                "静脈認証装置が見当たらない",
                "午前8時20分、始業前に窓口の住基ネット端末を立ち上げたところ、接続しているはずの"
                "静脈認証装置が見当たりません。端末の後ろにはUSBケーブルだけが残っています。"
                "机の引き出しと窓口の棚にもありません。",
                action("所在が確認できないことを所属長へ報告する。心当たりの場所の確認は、"
                       "報告と並行して行う", "1", FINDER, 15, 2, step=0),
            ),
            inject(
                "+0:15", "phone", "球磨地域振興局 総務振興課 庶務担当職員", DEPARTMENT_HEAD,
                "金曜日の書庫移転作業について",
                "「金曜日の17時から、書庫の移転作業で委託業者が窓口の周りの機器を段ボールに"
                "詰めていました。業者の現場責任者とは今日の午後まで連絡がつきません。"
                "装置を最後に使ったのは、金曜日の16時30分ごろのようです」",
                action("最後に使用した日時と場所、持ち出しの有無を確認し、市町村課へ第一報を入れる",
                       "1", DEPARTMENT_HEAD, 15, 2, step=1),
            ),
            inject(
                "+0:35", "email", "球磨地域振興局 総務振興課", DESK,
                "静脈認証装置の所在不明について（第一報）",
                "窓口の住基ネット端末に接続していた静脈認証装置1台の所在が確認できません。"
                "最後の使用は金曜日16時30分ごろです。当該装置には、窓口担当職員3名の照合IDが"
                "登録されています。",
                action("紛失した装置に関係する照合ID（3名分）を一時停止する",
                       "2", ADMIN, 25, 3, step=2),
                action("金曜日16時30分以降のアクセスログを確認し、当該照合IDによる操作が"
                       "ないかを確かめる", "2", DESK, 60, 2, step=3),
            ),
            inject(
                "+1:00", "phone", "球磨地域振興局 庁舎警備員室", DEPARTMENT_HEAD,
                "週末の警備記録",
                "「土曜日22時の巡回で、1階の通用口が施錠されていなかったと記録があります。"
                "侵入の形跡は、今のところ確認できていません」",
                action("盗難の可能性を判断し、疑いがある場合は所轄の警察署へ届け出る",
                       "3", DEPARTMENT_HEAD, 45, 2, step=4),
            ),
            inject(
                "+1:10", "phone", HEAD, ADMIN,
                "照合IDの停止の確認",
                "「所在不明の静脈認証装置に登録された照合IDは、もう止めたか。"
                "まだなら直ちに止めて、報告してほしい」",
                action("関係する照合IDを直ちに一時停止し、市町村課長へ報告する",
                       "2", ADMIN, 10, step=2),
                contingency=True,
            ),
            inject(
                "+1:40", "phone", "委託業者 現場責任者", DEPARTMENT_HEAD,
                "移転先の書庫で見つかった",
                "「移転先の書庫に運んだ段ボールの一つから、静脈認証装置らしい機器が見つかりました。"
                "梱包した作業員は、窓口の備品だと思って一緒に詰めたそうです」",
                action("装置を回収して状態を確かめ、紛失の経緯と再発防止策（機器の持ち出し管理、"
                       "作業時の立会い）を市町村課へ報告する", "3", DEPARTMENT_HEAD, 60, step=5),
            ),
        ],
    },
    {
        "title": "大地震：端末室が使用不能になる",
        "incident_type": "earthquake",
        "summary": (
            "平日の14時5分、熊本地方を震源とする地震が発生し、県庁で震度6強を観測した。"
            "庁舎は停電し、住基ネットの機器を置く端末室ではラックが傾き、通信が途絶えた。"
            "計画書の「大規模地震の発生」の手順に沿って、職員の安全確保、被害の把握、"
            "事務停止の通知、J-LISへの報告と情報の保全を行う。平成28年熊本地震の経験を踏まえ、"
            "人命を機器より優先する。※被害の内容と発言は、訓練用に設定したものである。"
        ),
        "objectives": [
            ("1", "職員と来庁者の安全を最優先し、安否を確かめる",
             "揺れが収まるまで身を守り、機器の確認より先に安否を確認する。"),
            ("2", "端末室の被害を把握し、事務の停止と見通しを各所属と市町村へ知らせる",
             "被害の範囲を切り分け、住基ネットを使う事務の停止と再開の見込みを一貫して伝える。"),
            ("3", "J-LISと連携して復旧を進め、帳票と認証機器を保全する",
             "被害をJ-LIS全国センターへ報告して支援を求め、散乱した帳票や認証機器を回収する。"),
        ],
        "timeline": [
            inject(
                "+0:00", "walk_in", CONTROLLER, DEPARTMENT_HEAD,
                "地震発生（震度6強）",
                "14時5分、強い揺れが約40秒続いた。執務室では書棚が倒れ、停電している。"
                "非常用照明だけが点灯し、館内放送は聞き取りにくい。窓口には来庁者が2名いる。",
                action("身の安全を確保し、揺れが収まった後、所属職員と来庁者の安否を確認する",
                       "1", DEPARTMENT_HEAD, 15, 3, step=0),
            ),
            inject(
                "+0:20", "phone", "庁舎管理課 設備担当", ADMIN,
                "非常用発電機の状況",
                "「非常用発電機が起動し、端末室への給電は再開しました。ただし空調は止まったままで、"
                "室温が上がり始めています。端末室の扉が歪んで開きにくいとの報告もあります」",
                action("余震に注意して安全を確かめたうえで、端末室の被害状況（機器の転倒、停電、"
                       "浸水、通信の途絶）を確認する", "2", ADMIN, 40, 2, step=1),
            ),
            inject(
                "+0:50", "phone", "保守業者 サポート窓口", ADMIN,
                "通信の途絶",
                "「県庁の住基ネット機器と通信できない状態です。現地の機器のランプの状態を"
                "教えてください。交通が混乱しており、技術者の到着は早くて明朝になります」",
                action("機器の状態を保守業者へ伝え、復旧までの作業の段取りを確認する",
                       "3", ADMIN, 15),
                action("端末室が停止していることを受け、住基ネットを使う事務の停止を"
                       "各所属へ通知する", "2", DESK, 30, 2, step=2),
            ),
            inject(
                "+1:05", "phone", "熊本市 区政課", DESK,
                "市町村からの問合せ",
                "「市の窓口で転入の処理ができません。県の障害でしょうか。来庁者に、"
                "いつ再開できるか説明したいのですが」",
                action("障害の範囲と見通しを伝え、事務の停止と再開の見込みを関係する"
                       "市町村へも知らせる", "2", DESK, 20),
            ),
            inject(
                "+1:20", "email", J_LIS, HEAD,
                "被害状況の報告依頼",
                "熊本県内の住基ネット機器の被害状況を取りまとめています。端末室の被害、"
                "通信の状況及び復旧に必要な支援を報告してください。",
                action("被害状況をJ-LIS全国センターへ報告し、復旧の支援を要請する",
                       "3", HEAD, 40, 2, step=3),
            ),
            inject(
                "+1:40", "walk_in", "県北広域本部福祉課 職員", DEPARTMENT_HEAD,
                "散乱した帳票と認証機器",
                "「倒れた書棚の下から、照会結果を印刷した帳票が散らばって見つかりました。"
                "静脈認証装置も机から落ちています。片付けてもよいですか」",
                action("帳票と認証機器を回収して数を確かめ、施錠できる場所へ保管する",
                       "3", DEPARTMENT_HEAD, 60, step=4),
            ),
            inject(
                "+2:10", "phone", J_LIS, HEAD,
                "被害報告の督促",
                "「熊本県からの被害報告がまだ届いていません。分かっている範囲で構いませんので、"
                "至急報告してください」",
                action("分かっている範囲の被害状況を、直ちにJ-LIS全国センターへ報告する",
                       "3", HEAD, 15, step=3),
                contingency=True,
            ),
            inject(
                "+2:30", "media", "テレビ局 報道記者", HEAD,
                "住民票の交付についての問合せ",
                "「地震の影響で、住民票の写しの広域交付が止まっていると聞きました。"
                "いつ再開する見込みですか。住民の個人情報は無事ですか」",
                action("分かっている事実と再開の見込みを、各所属と市町村に伝えた内容と"
                       "食い違わないように答える", "2", HEAD, 20),
            ),
        ],
    },
]


@transaction.atomic
def demo_scenarios_seed() -> list[Scenario]:
    """The demo scenarios, created once each; returns those created by this call."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    plan = live_plan_of(prefecture)
    steps = procedure_steps(plan) if plan else {}
    created = []
    for scenario in SCENARIOS:
        if _exists(prefecture, scenario["title"]):
            continue
        created.append(Scenario.objects.create(
            organisation=prefecture,
            title=scenario["title"],
            incident_type=scenario["incident_type"],
            summary=scenario["summary"],
            objectives=[
                {"type": "objective", "value": {"code": code, "title": title,
                                                "description": description}}
                for code, title, description in scenario["objectives"]
            ],
            timeline=[
                {"type": "inject", "value": _with_plan_steps(
                    value, steps.get(scenario["incident_type"], [])
                )}
                for value in scenario["timeline"]
            ],
        ))
    for organisation in Organisation.objects.filter(lg_code__in=[PREFECTURE_LG_CODE, CITY_LG_CODE]):
        plan = live_plan_of(organisation)
        if plan is None:
            continue
        scenario = contact_tree_scenario(plan)
        if not _exists(organisation, scenario.title):
            scenario.save()
            created.append(scenario)
    return created


def _exists(organisation, title) -> bool:
    return Scenario.objects.filter(organisation=organisation, title=title).exists()


def _with_plan_steps(inject_value: dict, step_ids: list[str]) -> dict:
    """The inject with each action's step index replaced by the plan step's id, left empty
    where the plan has no such step (a coordinator may have shortened the procedure)."""
    actions = []
    for expected in inject_value["expected_actions"]:
        expected = dict(expected)
        index = expected.pop("step")
        in_plan = index is not None and index < len(step_ids)
        expected["plan_step"] = step_ids[index] if in_plan else ""
        actions.append(expected)
    return {**inject_value, "expected_actions": actions}


# Drills: three years of the same drill, and one to come
#
# 熊本県 has run the unauthorised-lookup scenario once a year: in the fiscal year before
# last, last year, and three weeks ago this year, each better than the one before, so that
# the scores, the after-action reports, the improvement plan and the trends page have
# something to show. The first drill's improvement items were worked on; one was
# re-tested by the second drill and verified. The contact-tree drill is scheduled a few
# days from now and left for the visitor to start from the controller console.
#
# Everything goes through the services, in the order it happened, each at the moment it
# happened, so that the rows are those a real run would have left. Keyed by the drills'
# titles: a re-run finds them and adds nothing.

YEARLY_SCENARIO = SCENARIOS[0]["title"]  # the unauthorised lookup
SCHEDULED_TITLE = "緊急連絡網訓練（熊本県・勤務時間内）"
MUNICIPAL_DIVISION, WELFARE = "1010", "3010"  # 市町村課, 県北広域本部福祉課
LATEST_DRILL_DAYS_AGO = 21
SCHEDULED_DRILL_DAYS_AHEAD = 3
START = (9, 30)  # the drills start at 9:30, as the scenario's incident does

# Who plays which drill role. The staff of 県北広域本部福祉課 take part: its supervisor
# as its own 所属長, the operator and a colleague standing in for 市町村課's desk and
# system administrator; a 課長補佐 of 市町村課 joins with the code as the head.
CAST = {DESK: "operator", ADMIN: "colleague", DEPARTMENT_HEAD: "supervisor", HEAD: None}
GUEST_NAME = "園田 課長補佐"


def entry(minute, role, inject, text, achieves=None):
    """A log entry at `minute` of drill time by the participant playing `role`, in
    response to the inject of that timeline index (None: to none; only the inject's own
    role may log against it, so the desk's work on the system administrator's inject 3
    is logged against none); `achieves`: the (inject, action) indexes of the expected
    action the evaluator ticks from it."""
    return {"minute": minute, "role": role, "inject": inject, "text": text,
            "achieves": achieves}


def answer(role, went_well, to_improve, confidence, anonymous=False):
    return {"role": role, "went_well": went_well, "to_improve": to_improve,
            "confidence": confidence, "anonymous": anonymous}


# Oldest first; `years_ago` counts fiscal years back from the latest drill's.
YEARLY_DRILLS = [
    {
        "title": "著名人の本人確認情報の照会：初動対応訓練",
        "years_ago": 2,
        "pause": None,
        "contingency_at": 90,  # the ID was still not stopped: the controller presses
        "end": 150,
        "log": [
            entry(2, DESK, 0, "24時間監視窓口から通報を受けた。内容をメモしている。"),
            entry(9, DESK, 0, "福祉課の所属長（荒木課長）へ電話し、8時47分前後の窓口受付簿と"
                  "申請書綴りの確認を依頼した。", achieves=(0, 1)),
            entry(13, DESK, 1, "照会した職員から電話があった。経緯を尋ねたところ、窓口で相談を"
                  "受けた方の確認だったとの説明だった。"),
            entry(24, DESK, 0, "通報の記録（日時、端末KH-03、照合IDの所属、照会の条件）を"
                  "清書し、市町村課長へ報告した。", achieves=(0, 0)),
            entry(38, DEPARTMENT_HEAD, 2, "係長と手分けして、窓口受付簿と申請書綴りを"
                  "確認している。"),
            entry(55, DEPARTMENT_HEAD, 2, "根拠書類が見当たらないことを市町村課の担当へ回答した。"
                  "本人からの聞き取りは市町村課と相談して行うと伝えた。", achieves=(2, 0)),
            entry(58, ADMIN, 3, "追加通報を確認した。照合IDの停止の手順書を探している。"
                  "停止できる権限者も確認中。"),
            entry(74, HEAD, 4, "記者へ、事実関係を確認中であること、夕方までに広報課を通じて"
                  "回答することを伝えた。個人が特定される情報には答えていない。",
                  achieves=(4, 0)),
            entry(80, DESK, None, "アクセスログの抽出をシステム管理者へ依頼した。"),
            entry(92, HEAD, 5, "照合IDを直ちに停止するよう、システム管理者へ指示した。"),
            entry(96, ADMIN, 3, "端末室の管理端末から、県北広域本部福祉課の照合IDの利用を"
                  "一時停止した。停止した時刻を記録した。", achieves=(3, 0)),
            entry(99, HEAD, 5, "停止を確認し、J-LIS全国センターへ停止済みと折り返した。",
                  achieves=(5, 0)),
            entry(122, DESK, None, "当該照合IDの前後3か月分のアクセスログを抽出し、施錠できる"
                  "保管庫の媒体に保全した。", achieves=(3, 1)),
            entry(140, HEAD, 6, "J-LIS全国センターへ経過を報告した。個人情報保護委員会への報告と"
                  "本人への通知は、本人からの聞き取りの後に判断するとした。",
                  achieves=(6, 0)),
        ],
        "ratings": {
            "1": ("M", "通報の記録は正確だったが、清書に時間を取られ、課長への報告は受付から"
                       "24分後だった。"),
            "2": ("M", "所属長への確認依頼は早かったが、照会した職員からの電話に応じて、"
                       "直接経緯を聞き取ってしまった。"),
            "3": ("M", "照合IDの停止は追加通報から46分後で、統制官が督促の状況を付与する"
                       "まで止まらなかった。ログの保全も目標を12分超えた。"),
            "4": ("S", "報道機関には確認中とだけ答え、窓口と時期を示せた。委員会への報告の"
                       "要否の判断は先送りになった。"),
        },
        "findings": {
            "1": ("通報の内容（日時、端末、照合IDの所属、照会の条件）を漏れなく記録できた。",
                  "記録の様式がなく、清書してから報告したため第一報が遅れた。記録の完成を"
                  "待たずに、口頭で第一報を入れる。"),
            "2": ("所属長への根拠書類の確認依頼は9分で行えた。所属は受付簿と申請書綴りを"
                  "目標時間内に確認して回答した。",
                  "照会した職員からの電話に応じて、直接経緯を聞き取った。口裏合わせなどを"
                  "防ぐため、本人とのやり取りは所属長を通じて行う。"),
            "3": ("督促を受けた後は、課長の指示から4分で照合IDを停止できた。",
                  "停止の手順書の場所と停止の権限者が分からず、追加通報から停止まで46分"
                  "かかった。停止は端末室の管理端末からしかできない。"),
            "4": ("報道機関に個人が特定される情報を答えず、回答の窓口と時期を示せた。",
                  "個人情報保護委員会への報告と本人への通知の要否を判断する基準が、"
                  "手順にない。"),
        },
        "hot_wash": [
            answer(DESK, "通報の内容は漏れなく書き留められた。",
                   "何を記録すれば報告してよいのか分からず、清書に時間をかけてしまった。"
                   "職員から電話が来たときの対応にも迷った。", 2),
            answer(DEPARTMENT_HEAD, "受付簿と申請書綴りの確認は、係長と手分けしてすぐにできた。",
                   "本人からの聞き取りを、いつ誰が行うのか、市町村課との役割分担が分からな"
                   "かった。", 3),
            answer(ADMIN, "",
                   "照合IDの止め方が分からず、手順書を探すのに時間がかかった。端末室に行かな"
                   "いと止められないのも困る。", 2, anonymous=True),
            answer(HEAD, "報道機関への対応は落ち着いてできた。",
                   "委員会への報告が必要かどうか、判断の基準がほしい。", 3),
        ],
    },
    {
        "title": "著名人の本人確認情報の照会：改善点の確認訓練",
        "years_ago": 1,
        "pause": (62, 8),  # at 62 minutes of drill time, for 8 minutes
        "contingency_at": None,
        "end": 178,
        "log": [
            entry(3, DESK, 0, "通報受付票に、日時、端末KH-03、照合IDの所属（県北広域本部福祉課）"
                  "を記入した。"),
            entry(11, DESK, 0, "通報受付票をもとに、市町村課長へ口頭で第一報を入れた。",
                  achieves=(0, 0)),
            entry(12, DESK, 1, "照会した職員から電話があった。所属長を通じて確認するので、直接の"
                  "説明は受けられないと伝え、電話の時刻と内容を記録した。", achieves=(1, 0)),
            entry(19, DESK, 0, "福祉課の所属長へ、窓口受付簿と申請書綴りの確認を依頼した。"
                  "照会した職員本人には問い合わせないよう伝えた。", achieves=(0, 1)),
            entry(41, DEPARTMENT_HEAD, 2, "受付簿と申請書綴りに、A氏に関する記録はなかった。"
                  "念のため、照会した職員本人から事情を聴いた。"),
            entry(48, DEPARTMENT_HEAD, 2, "根拠書類が確認できなかったことを、市町村課へ回答した。"),
            entry(56, ADMIN, 3, "端末室の手順書に沿って、照合IDの利用を一時停止した。"
                  "停止した時刻を記録した。", achieves=(3, 0)),
            entry(73, HEAD, 4, "記者へ、事実関係を確認中であり、本日16時に広報課から回答すると"
                  "伝えた。", achieves=(4, 0)),
            entry(118, DESK, None, "前後3か月分のアクセスログを抽出し、保全した。",
                  achieves=(3, 1)),
            entry(128, HEAD, 6, "J-LIS全国センターへ、照会3件、根拠書類なし、照合ID停止済み、"
                  "ログ保全済みと報告した。"),
            entry(173, HEAD, 6, "個人情報保護委員会への報告が必要と判断し、報告の準備を指示した。"
                  "本人への通知は、委員会への報告と合わせて判断する。", achieves=(6, 0)),
        ],
        "ratings": {
            "1": ("S", "通報受付票を使い、受付から11分で課長へ第一報を入れた。照会の条件の欄が"
                       "空欄のまま報告した。"),
            "2": ("M", "職員からの電話には所属長を通じて確認すると伝えられた。所属長が市町村課と"
                       "協議する前に、本人から事情を聴いてしまった。"),
            "3": ("S", "手順書どおり照合IDを6分で停止した。ログの保全は目標を8分超え、抽出の"
                       "条件の記録も不十分だった。"),
            "4": ("S", "報道機関には確認中と答えて窓口と時期を示した。委員会への報告の判断は"
                       "目標を8分超えた。"),
            "R1": ("S", "通報受付票によって第一報は11分で入り、目標の15分以内に収まった。"
                        "受付票の一部が空欄のまま報告された。"),
        },
        "findings": {
            "1": ("通報受付票により、第一報までの時間が前回の24分から11分に縮まった。",
                  "受付票の照会の条件の欄を空欄のまま報告した。報告の前に読み合わせる。"),
            "2": ("職員からの電話に、所属長を通じて確認すると落ち着いて伝え、時刻と内容を"
                  "記録できた。",
                  "所属長が市町村課と協議する前に、照会した職員本人から事情を聴いた。聞き取り"
                  "の進め方が所属に周知されていない。"),
            "3": ("手順書を端末室に備えたことで、照合IDを追加通報から6分で停止できた。",
                  "アクセスログの保全が目標を8分超え、抽出の条件（期間、照合ID、端末）の"
                  "記録も不十分だった。"),
            "4": ("報道機関に確認中であることと回答の時期を示し、個人が特定される情報を答えな"
                  "かった。",
                  "個人情報保護委員会への報告の要否の判断が、目標より8分遅れた。"),
            "R1": ("第一報の遅れは解消した（24分から11分）。",
                   "受付票の記入の順序を見直し、空欄のまま報告しないようにする。"),
        },
        "hot_wash": [
            answer(DESK, "受付票があったので、迷わずに記録して報告できた。",
                   "受付票の照会の条件の欄を書き忘れた。", 3),
            answer(ADMIN, "手順書どおりに照合IDをすぐ止められた。",
                   "ログの抽出の条件を記録し忘れた。", 4),
            answer(DEPARTMENT_HEAD, "",
                   "本人から先に話を聴いてしまった。聞き取りの進め方を、所属で確認しておき"
                   "たい。", 3, anonymous=True),
            answer(HEAD, "J-LISへの報告の流れが分かった。",
                   "委員会への報告の判断が遅れた。判断の基準を手元に置きたい。", 4),
        ],
    },
    {
        "title": "著名人の本人確認情報の照会：本庁・所属合同訓練",
        "years_ago": 0,
        "pause": None,
        "contingency_at": None,
        "end": 155,
        "log": [
            entry(2, DESK, 0, "通報受付票に記入した。端末KH-03、照合IDは県北広域本部福祉課、"
                  "照会の条件は氏名と生年月日。"),
            entry(8, DESK, 0, "市町村課長へ第一報を入れ、受付票の写しを渡した。",
                  achieves=(0, 0)),
            entry(11, DESK, 1, "照会した職員から電話があった。所属長を通じて確認するので直接の"
                  "説明は受けられないと伝え、通話の時刻と内容を受付票に追記した。",
                  achieves=(1, 0)),
            entry(16, DESK, 0, "福祉課の所属長へ根拠書類の確認を依頼した。本人へは問い合わせな"
                  "いよう伝えた。", achieves=(0, 1)),
            entry(54, ADMIN, 3, "手順書に沿って照合IDの利用を一時停止し、停止した時刻を受付票に"
                  "記録した。", achieves=(3, 0)),
            entry(60, DESK, None, "アクセスログの抽出を保守業者へ依頼した。"),
            entry(64, DEPARTMENT_HEAD, 2, "受付簿と申請書綴りに記録はなかったと市町村課へ回答した。"
                  "本人からの聞き取りは、市町村課と協議のうえ私の立会いで行う。",
                  achieves=(2, 0)),
            entry(75, HEAD, 4, "記者へ、事実関係を確認中であること、本日17時に広報課から回答す"
                  "ることを伝えた。個人が特定される情報には答えていない。", achieves=(4, 0)),
            entry(131, HEAD, 6, "J-LIS全国センターへ経過を報告した。個人情報保護委員会へ報告し、"
                  "本人へは委員会への報告の後に通知すると判断した。", achieves=(6, 0)),
            entry(140, DESK, None, "保守業者からのアクセスログの抽出データは明朝届く見込み。"
                  "訓練時間内には保全できなかった。"),
        ],
        "ratings": {
            "1": ("P", "受付から8分で課長へ第一報を入れ、受付票の写しを添えた。"),
            "2": ("S", "聞き取りは市町村課と協議して所属長の立会いで行うと回答できた。回答は"
                       "目標を4分超えた。"),
            "3": ("S", "照合IDは追加通報から4分で停止できた。アクセスログの保全は保守業者に"
                       "頼り、訓練時間内に終わらなかった。"),
            "4": ("P", "報道機関、J-LIS全国センター及び委員会への対応を、いずれも目標時間内に"
                       "一貫して行った。"),
        },
        "findings": {
            "1": ("受付票の写しを添えて、受付から8分で第一報を入れた。3回の訓練で最も早い。",
                  ""),
            "2": ("所属長が、本人からの聞き取りを市町村課と協議して立会いのもとで行うと回答"
                  "できた。所属での研修の成果が出ている。",
                  "根拠書類の確認結果の回答が、目標を4分超えた。受付簿の綴りの保管場所を"
                  "見直す。"),
            "3": ("照合IDの停止は追加通報から4分で、手順が定着している。",
                  "アクセスログの抽出を保守業者に頼っており、訓練時間内に保全できなかった。"),
            "4": ("報道機関、J-LIS全国センター及び委員会への対応を、市町村課長のもとで一本化"
                  "できた。", ""),
        },
        "hot_wash": [
            answer(DESK, "受付票の写しを課長に渡して、8分で報告できた。",
                   "職員から電話が来たときの断り方を、もう少し練習したい。", 4),
            answer(ADMIN, "照合IDはすぐ止められた。",
                   "ログの抽出は、保守業者に頼らず自分たちでできるようにしたい。", 4,
                   anonymous=True),
            answer(DEPARTMENT_HEAD, "聞き取りの進め方を研修で確認していたので、迷わずに"
                   "回答できた。",
                   "受付簿の綴りを探すのに時間がかかった。", 4),
        ],
    },
]

# The improvement items, by the drill (index in YEARLY_DRILLS) and objective they come
# from; what happens to each is in _yearly_drills_seed.
ITEMS = {
    "report": {
        "drill": 0, "objective": "1", "element": "plan", "department": MUNICIPAL_DIVISION,
        "issue": "通報を受けてから市町村課長への第一報まで24分かかった。記録すべき項目が決まって"
                 "おらず、清書してから報告した。",
        "corrective_action": "計画書の「不正な照会の疑い」の手順に通報受付票の様式を添え、記録の"
                             "完成を待たずに受付から15分以内に課長へ口頭で第一報を入れることを"
                             "明記して、担当に周知する。",
    },
    "stop_id": {
        "drill": 0, "objective": "3", "element": "equipment", "department": MUNICIPAL_DIVISION,
        "issue": "照合IDの停止に、追加通報から46分かかった。停止は端末室の管理端末からしか"
                 "できず、手順書の場所も分からなかった。",
        "corrective_action": "停止の手順書を端末室と市町村課に備え、保守業者と協議して、市町村課の"
                             "執務室からも照合IDを一時停止できるよう管理端末を増設する。",
    },
    "hearing": {
        "drill": 1, "objective": "2", "element": "training", "department": WELFARE,
        "issue": "所属長が市町村課と協議する前に、照会した職員本人から事情を聴いた。聞き取りの"
                 "進め方が所属に周知されていなかった。",
        "corrective_action": "県北広域本部福祉課の所属長と係長が、不正な照会の疑いがあるときの"
                             "聞き取りの手順（市町村課との協議、所属長の立会い、記録）を研修で"
                             "確認し、所属内に周知する。",
    },
    "log_extraction": {
        "drill": 2, "objective": "3", "element": "training", "department": MUNICIPAL_DIVISION,
        "issue": "アクセスログの抽出を保守業者に頼っており、訓練時間内に保全できなかった。",
        "corrective_action": "市町村課の管理端末でアクセスログを抽出する操作手順を整え、担当2名が"
                             "保守業者による操作研修を受ける。",
    },
}


@transaction.atomic
def demo_drills_seed(*, now: datetime.datetime) -> list[Drill]:
    """熊本県's three ended drills (in this fiscal year and the two before) with their
    hot washes, findings, reports and improvement items, and the contact-tree drill
    scheduled a few days after `now`; returns the drills created by this call."""
    prefecture = Organisation.objects.get(lg_code=PREFECTURE_LG_CODE)
    drills = Drill.objects.filter(organisation=prefecture)
    created = []
    scenario = Scenario.objects.filter(organisation=prefecture, title=YEARLY_SCENARIO).first()
    titles = [script["title"] for script in YEARLY_DRILLS]
    if scenario is not None and not drills.filter(title__in=titles).exists():
        created += _yearly_drills_seed(scenario, now=now)
    contact_tree = Scenario.objects.filter(
        organisation=prefecture, title=contact_tree_title(prefecture)
    ).first()
    if contact_tree is not None and not drills.filter(title=SCHEDULED_TITLE).exists():
        today = timezone.localdate(now)
        day = _working_day(today + datetime.timedelta(days=SCHEDULED_DRILL_DAYS_AHEAD - 1), 1)
        created.append(drill_schedule(
            scenario=contact_tree, scheduled_for=_at(day, 10, 0), by=_person("coordinator"),
            now=_at(_working_day(today, -1), 16, 0), title=SCHEDULED_TITLE,
        ))
    return created


def _yearly_drills_seed(scenario: Scenario, *, now: datetime.datetime) -> list[Drill]:
    """The three drills and what followed each, in the order it happened."""
    coordinator = _person("coordinator")
    first_day, second_day, latest_day = _drill_days(now)
    departments = {department.code: department
                   for department in scenario.organisation.departments.all()}
    plan = live_plan_of(scenario.organisation)

    def item(key, drill, *, on, due_on, point_of_contact, page=None):
        spec = ITEMS[key]
        return item_create(
            drill=drill, by=coordinator, now=_at(on, 10, 30), issue=spec["issue"],
            corrective_action=spec["corrective_action"], element=spec["element"],
            department=departments[spec["department"]], start_on=on, due_on=due_on,
            point_of_contact=point_of_contact, page=page,
            objective=drill.objectives.get(code=spec["objective"]),
        )

    def update(item, status, day):
        return item_update(item=item, by=coordinator, now=_at(day, 11, 0), status=status)

    # Two years ago: slow first reports and a late stop of the ID.
    first = _drill_run(scenario, YEARLY_DRILLS[0], day=first_day)
    on = _working_day(first_day, 2)
    report_item = item("report", first, on=on, due_on=on + datetime.timedelta(days=60),
                       point_of_contact=coordinator, page=plan)
    stop_item = item("stop_id", first, on=on, due_on=on + datetime.timedelta(days=180),
                     point_of_contact=coordinator)
    update(report_item, "in_progress", _working_day(first_day, 5))
    update(stop_item, "in_progress", _working_day(first_day, 5))
    _report_finalise(first, at=_at(_working_day(first_day, 10), 15, 0))
    update(report_item, "completed", _working_day(first_day, 45))
    update(stop_item, "completed", _working_day(first_day + datetime.timedelta(days=160), 0))

    # Last year: the new report form re-tested and verified; an interview held too soon.
    second = _drill_run(scenario, YEARLY_DRILLS[1], day=second_day, retest_items=[report_item])
    item_verify(item=report_item, later_drill=second, by=coordinator,
                now=_at(_working_day(second_day, 1), 11, 0))
    on = _working_day(second_day, 2)
    hearing_item = item(
        "hearing", second, on=on,
        due_on=timezone.localdate(now) - datetime.timedelta(days=10),  # overdue now
        point_of_contact=_person("supervisor"),
    )
    update(hearing_item, "in_progress", _working_day(second_day, 8))
    _report_finalise(second, at=_at(_working_day(second_day, 10), 15, 0))

    # This year: the best yet; its report is still a draft, its item not started.
    latest = _drill_run(scenario, YEARLY_DRILLS[2], day=latest_day)
    on = _working_day(latest_day, 2)
    item("log_extraction", latest, on=on, due_on=on + datetime.timedelta(days=90),
         point_of_contact=coordinator)
    return [first, second, latest]


def _drill_run(scenario: Scenario, script: dict, *, day: datetime.date,
               retest_items=()) -> Drill:
    """Schedule the drill four weeks ahead, then play `script` on `day`: the players join,
    the controller starts it, injects are released as drill time reaches them and
    acknowledged, the players log, the evaluator ticks what the log shows, the drill ends,
    the evaluator rates each objective, the players answer the hot wash, and the
    coordinator writes the findings."""
    coordinator, evaluator = _person("coordinator"), _person("evaluator")
    scheduled_for = _at(day, *START)
    drill = drill_schedule(
        scenario=scenario, scheduled_for=scheduled_for, by=coordinator,
        now=_at(_working_day(day, -20), 16, 0), title=script["title"],
        retest_items=retest_items,
    )
    roles = {role.name: role for role in drill.roles.all()}
    for number, (role, username) in enumerate(CAST.items()):
        person = _person(username) if username else None
        participant_join(
            drill=drill, role=roles[role], person=person,
            display_name="" if person else GUEST_NAME,
            now=scheduled_for - datetime.timedelta(minutes=12 - 3 * number),
        )
    started = scheduled_for + datetime.timedelta(minutes=1)
    drill = drill_start(drill=drill, now=started)
    players = _players(drill)
    pause = script["pause"]

    def wall(minutes):
        """The wall time at `minutes` of drill time, the pause (if any) included."""
        if pause is not None and minutes > pause[0]:
            minutes += pause[1]
        return started + datetime.timedelta(minutes=minutes)

    minute = datetime.timedelta(minutes=1)
    injects = list(drill.injects.select_related("role"))
    actions = {(action.inject.order, action.order): action
               for action in drill.actions.select_related("inject")}
    events = []  # (moment, order at the same moment, what happens)

    def acknowledge(inject):
        return lambda moment: inject_acknowledge(participant=players[inject.role.name],
                                                 inject=inject, now=moment)

    for inject in injects:
        if inject.is_contingency:
            if script["contingency_at"] is None:
                continue
            released = wall(script["contingency_at"])
            events.append((released, 0, lambda moment, inject=inject: inject_release_now(
                inject=inject, by=coordinator, now=moment)))
        else:
            released = wall(inject.offset // minute)
            events.append((released, 0, lambda moment: releases_record(drill=drill,
                                                                         now=moment)))
        events.append((released + minute, 1, acknowledge(inject)))
    if pause is not None:
        paused = wall(pause[0])
        events.append((paused, 0, lambda moment: drill_pause(drill=drill, now=moment)))
        events.append((paused + pause[1] * minute, 0,
                       lambda moment: drill_resume(drill=drill, now=moment)))

    for line in script["log"]:
        logged = wall(line["minute"])
        entries = []
        events.append((logged, 2, lambda moment, line=line, entries=entries: entries.append(
            log_record(participant=players[line["role"]], text=line["text"], now=moment,
                       inject=injects[line["inject"]] if line["inject"] is not None else None)
        )))
        if line["achieves"] is not None:
            action = actions[line["achieves"]]
            events.append((logged + 2 * minute, 3, lambda moment, action=action,
                           entries=entries: action_tick(
                drill=drill, action_id=action.pk, by=evaluator, now=moment,
                log_entry_id=entries[0].pk,
            )))
    ended = wall(script["end"])
    events.append((ended, 9, lambda moment: drill_end(drill=drill, now=moment)))
    for moment, _order, happen in sorted(events, key=lambda event: event[:2]):
        happen(moment)

    objectives = {objective.code: objective for objective in drill.objectives.all()}
    for number, (code, (rating, notes)) in enumerate(script["ratings"].items()):
        objective_rate(drill=drill, objective_id=objectives[code].pk, rating=rating,
                       notes=notes, by=evaluator,
                       now=ended + datetime.timedelta(minutes=20 + 4 * number))
    players = _players(drill)  # as they see it now: ended
    for number, each in enumerate(script["hot_wash"]):
        hot_wash_submit(
            participant=players[each["role"]], went_well=each["went_well"],
            to_improve=each["to_improve"], confidence=each["confidence"],
            anonymous=each["anonymous"], now=ended + datetime.timedelta(minutes=8 + 7 * number),
        )
    objective_findings_save(drill=drill, findings={
        objectives[code].pk: texts for code, texts in script["findings"].items()
    })
    return Drill.objects.get(pk=drill.pk)


def _players(drill: Drill) -> dict[str, Participant]:
    """The drill's participants by drill role, each with the drill as it stands."""
    drill = Drill.objects.get(pk=drill.pk)
    players = {}
    for participant in Participant.objects.filter(drill=drill).select_related("role"):
        participant.drill = drill
        players[participant.role.name] = participant
    return players


def _report_finalise(drill: Drill, *, at: datetime.datetime) -> None:
    # The PDF's own creation date is the wall clock's: stop it at the moment of finalising.
    # time-machine is a development dependency, as the demo is (seed_demo needs DEBUG).
    import time_machine

    with time_machine.travel(at, tick=False):
        report_finalise(drill=Drill.objects.get(pk=drill.pk), by=_person("coordinator"),
                        now=at)


def _drill_days(now: datetime.datetime) -> list[datetime.date]:
    """The days of the three drills, oldest first: the latest three weeks before `now`
    (in this fiscal year, unless `now` is in its first three weeks), the others on the
    same day of the two fiscal years before it; each moved to a weekday of its year."""
    latest = _working_day(
        timezone.localdate(now) - datetime.timedelta(days=LATEST_DRILL_DAYS_AGO - 1), -1
    )
    days = []
    for script in YEARLY_DRILLS:
        back = script["years_ago"]
        try:
            day = latest.replace(year=latest.year - back)
        except ValueError:  # 29 February
            day = latest.replace(year=latest.year - back, day=28)
        earlier = _working_day(day + datetime.timedelta(days=1), -1)
        later = _working_day(day - datetime.timedelta(days=1), 1)
        days.append(earlier if earlier in fiscal_year_of(day) else later)
    return days


def _working_day(day: datetime.date, count: int) -> datetime.date:
    """The weekday `count` weekdays after `day` (before it, if negative); with 0, `day`
    itself if it is a weekday, else the weekday after."""
    step = datetime.timedelta(days=-1 if count < 0 else 1)
    remaining = abs(count)
    while remaining or day.weekday() >= 5:
        day += step
        if remaining and day.weekday() < 5:
            remaining -= 1
    return day


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def _person(username: str) -> Person:
    return Person.objects.select_related("department").get(user__username=username)
