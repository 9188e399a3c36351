"""The demo's drill scenarios for 熊本県, written for this project.

Three incidents the council minutes make real (a lookup of a famous person's record
flagged by the 24-hour monitoring, a lost vein-authentication device, a large earthquake
taking the terminal room offline) and a contact-tree drill from the plan; 熊本市 gets a
contact-tree drill from its own plan. Every person, terminal and quotation is fictional.

Expected actions point at the step of the demo plan's procedure that they test, by the
step's id in the published plan, so that a drill's findings lead back to the plan.
Called by `seed_demo` after the plans exist. Scenarios are found again by organisation
and title, so a re-run neither duplicates them nor undoes a coordinator's edits.
"""

from django.db import transaction

from drills.models import Scenario
from drills.scenarios import contact_tree_scenario, live_plan_of, procedure_steps
from people.models import Organisation

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
