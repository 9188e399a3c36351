"""Japanese demo content for the CMS: five training modules and the emergency response plans.

The content answers the council minutes in `context/000_23929722f1324480.txt`: what the
network is, how identity data is protected, why a password on paper matters even though
vein authentication is required, how access logs are reviewed, and what to do in an
incident. It is written for this product; it copies no real document. Every name and
telephone number is fictional (096-000-xxxx, 03-0000-xxxx).

Data format: `TRAINING_MODULES[i]["body"]` and `emergency_plan(...)["body"]` are *plain*
StreamField raw data, without ids: top-level blocks are `{"type", "value"}` and ListBlock
items are bare values. The caller applies `stream()` before saving, passing a key that
differs per page (the module's slug, the organisation's name) so that two pages never share
ids::

    page.body = stream(module["body"], key=module["slug"])

`stream()` gives every top-level block and every ListBlock item (procedure steps, contacts,
key points, checklist items) a uuid5 derived from the key and the item's position. Seeding
again produces the same ids, so a drill that points at "step 3 of the earthquake procedure"
keeps pointing at it after a re-seed.
"""

import copy
import uuid
import zlib

__all__ = [
    "TRAINING_MODULES",
    "emergency_plan",
    "procedure_step_ids",
    "stream",
]

# Fixed namespace for the ids of the demo content. Never change it: ids would change too.
NAMESPACE = uuid.UUID("6f1d2c3a-9b7e-5a41-8c2d-4e0f7a9b1c35")

# Block types whose value is a list, and struct blocks whose named field is a list.
LIST_BLOCKS = {"key_points", "checklist"}
STRUCT_LIST_FIELDS = {"contact_tree": "contacts", "procedure": "steps"}


def stream(blocks: list[dict], key: str = "") -> list[dict]:
    """Return `blocks` as Wagtail raw stream data with deterministic ids.

    Top-level blocks become `{"type", "value", "id"}`; each ListBlock item becomes
    `{"type": "item", "value", "id"}`. Ids are uuid5 of the key and the position, so the
    same input always gives the same ids. The input is not modified, and data that already
    carries ids is accepted (stream(stream(x)) == stream(x)).
    """
    result = []
    for index, block in enumerate(blocks):
        path = f"{key}/{index}"
        block_type = block["type"]
        value = copy.deepcopy(block["value"])
        if block_type in LIST_BLOCKS:
            value = _list_items(value, path)
        elif block_type in STRUCT_LIST_FIELDS:
            field = STRUCT_LIST_FIELDS[block_type]
            value[field] = _list_items(value[field], f"{path}/{field}")
        result.append({"type": block_type, "value": value, "id": _uuid(path)})
    return result


def procedure_step_ids(streamed: list[dict], incident_type: str) -> list[str]:
    """The ids of the steps of one incident type's procedure, in order, in streamed data."""
    for block in streamed:
        if block["type"] == "procedure" and block["value"]["incident_type"] == incident_type:
            return [step["id"] for step in block["value"]["steps"]]
    raise KeyError(incident_type)


def _uuid(path: str) -> str:
    return str(uuid.uuid5(NAMESPACE, path))


def _list_items(items: list, path: str) -> list[dict]:
    return [
        {"type": "item", "value": _unwrap(item), "id": _uuid(f"{path}/{position}")}
        for position, item in enumerate(items)
    ]


def _unwrap(item):
    if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
        return item["value"]
    return item


# --- block builders -------------------------------------------------------------------


def heading(text: str) -> dict:
    return {"type": "heading", "value": {"text": text}}


def paragraph(*html: str) -> dict:
    return {"type": "paragraph", "value": "".join(html)}


def callout(kind: str, *html: str) -> dict:
    return {"type": "callout", "value": {"kind": kind, "text": "".join(html)}}


def key_points(*points: str) -> dict:
    return {"type": "key_points", "value": list(points)}


def checklist(*items: str) -> dict:
    return {"type": "checklist", "value": list(items)}


def p(*sentences: str) -> str:
    return "<p>" + "".join(sentences) + "</p>"


def ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


# --- training modules -----------------------------------------------------------------

TRAINING_MODULES = [
    {
        "slug": "juki-net-overview",
        "title": "住基ネットの概要",
        "summary": (
            "住民基本台帳ネットワークシステム（住基ネット）の仕組みと、"
            "扱う本人確認情報、利用できる職員と事務の範囲を学びます。"
        ),
        "body": [
            heading("住基ネットとは"),
            paragraph(p(
                "住民基本台帳ネットワークシステム（以下「住基ネット」といいます。）は、",
                "市町村の住民基本台帳を基に、全国の市町村、都道府県及び",
                "地方公共団体情報システム機構（J-LIS）を専用回線で結び、",
                "本人確認情報を共有する仕組みです。",
                "転入・転出の手続や住民票の写しの広域交付のほか、",
                "国の機関等への申請・届出の際に住民票の写しの添付を省略するために",
                "利用されています。",
            )),
            heading("本人確認情報とは"),
            paragraph(
                p("住基ネットで扱う「本人確認情報」は、次の情報です。"),
                ul(
                    "氏名、生年月日、性別及び住所（基本4情報）",
                    "個人番号及び住民票コード",
                    "これらの変更情報（異動の事由及び年月日）",
                ),
                p(
                    "本人確認情報は住民一人ひとりを特定できる情報であり、",
                    "漏えいや不正な利用があれば、住民の権利利益を大きく損なうおそれがあります。",
                ),
            ),
            heading("誰が、何のために利用できるか"),
            paragraph(
                p(
                    "県の職員が住基ネットを利用できるのは、住民基本台帳法及び",
                    "熊本県住民基本台帳法施行条例で定められた事務を処理する場合に限られます。",
                    "利用する職員には、所属長の申請に基づき市町村課が照合IDを付与します。",
                    "端末の操作には、照合IDとパスワードに加えて、",
                    "登録した担当者本人の静脈認証が必要です。",
                ),
                p(
                    "照合IDは職員一人ひとりに付与されるものです。",
                    "他の職員の照合IDで操作することも、自分の照合IDで他の職員に",
                    "操作させることも、理由を問わず認められません。",
                ),
            ),
            callout(
                "warning",
                p(
                    "<b>業務上の必要がない照会は、一件であっても目的外利用です。</b>",
                    "自分自身や家族、知人、著名人の情報を興味本位で照会することは、",
                    "禁止されています。",
                ),
            ),
            heading("照合ID付与者の責任"),
            paragraph(p(
                "照合IDの付与を受けた職員は、毎年度の担当者研修会を受講してください。",
                "受講した職員は、研修の内容を所属の未受講の照合ID付与者と共有し、",
                "共有したことを、所属長の確認を経て市町村課へ報告してください。",
            )),
            key_points(
                "住基ネットは、市町村・都道府県・J-LISを専用回線で結ぶシステムである",
                "本人確認情報は、基本4情報、個人番号、住民票コード及びその変更情報である",
                "利用できるのは、法律と条例で定められた事務を処理する場合に限られる",
                "端末の操作には、照合ID、パスワード及び本人の静脈認証が必要である",
                "照合IDの貸し借りや、他の職員への代理操作は認められない",
            ),
        ],
    },
    {
        "slug": "protecting-identity-data",
        "title": "本人確認情報の保護",
        "summary": (
            "目的外利用の禁止、秘密保持義務と罰則、内部運用監査と外部監査の仕組み、"
            "そしてこれまでの監査で実際に指摘された事項を学びます。"
        ),
        "body": [
            heading("目的外利用の禁止"),
            paragraph(p(
                "本人確認情報は、法令で定められた事務の処理に必要な範囲でのみ利用できます。",
                "事務に必要な照会であっても、必要な範囲を超えて画面を表示したり、",
                "照会結果を印刷・複写して持ち出したりすることはできません。",
                "照会の記録はすべてアクセスログとして残り、後から検証されます。",
            )),
            heading("秘密保持義務と罰則"),
            paragraph(
                p(
                    "住民基本台帳法は、本人確認情報の処理に関する事務に従事する職員に対し、",
                    "その事務に関して知り得た秘密を漏らしてはならない義務を課しています。",
                    "この義務は、その事務に従事しなくなった後や退職した後も続きます。",
                ),
                p(
                    "違反して秘密を漏らした場合の罰則は、2年以下の拘禁刑又は",
                    "100万円以下の罰金であり、地方公務員法の守秘義務違反",
                    "（1年以下の拘禁刑又は50万円以下の罰金）よりも重く定められています。",
                    "刑事罰とは別に、懲戒処分の対象にもなります。",
                ),
            ),
            heading("内部運用監査と外部監査"),
            paragraph(
                p("県では、住基ネットが規程どおりに運用されているかを確かめるため、"
                  "次の二つの監査を行っています。"),
                ul(
                    "<b>内部運用監査</b>：市町村課が住基ネットを利用する所属を訪問し、"
                    "照合IDの管理、端末の設置状況、書類の保管状況などを確認します。",
                    "<b>外部監査</b>：専門の外部機関が、県の管理体制と各所属の運用状況を、"
                    "第三者の立場から点検します。",
                ),
                p(
                    "市町村も、運用改善のための自己点検を毎年度行っています。",
                    "自己点検では、住基ネットの保守委託契約書に",
                    "再委託を原則として禁止する条項が記載されていない例が見つかっています。",
                ),
            ),
            callout(
                "warning",
                p(
                    "<b>これまでの監査で、PCのログインパスワードや照合IDを書いた紙が、",
                    "住基ネットを利用しない職員からも見える状態で置かれていた事例が",
                    "指摘されています。</b>",
                    "本人確認情報そのものでなくても、認証に関わる情報は機密情報として",
                    "扱ってください。",
                ),
            ),
            paragraph(p(
                "監査で指摘を受けた所属は、改善の状況を市町村課へ報告するとともに、",
                "アクセスログ検証の対象件数を増やすなど、重点的な確認の対象となります。",
                "指摘事項を改善するだけでなく、指摘を受けるまでの間に不正な利用が",
                "なかったかを確かめることも、所属の責任です。",
            )),
            checklist(
                "照会は、申請書や起案文書など業務上の根拠がある場合に限って行っている",
                "照会結果の画面を、住基ネットを利用しない職員や来庁者から見える状態にしていない",
                "照会結果を印刷した帳票は、不要になった時点でシュレッダーで処分している",
                "パスワードや照合IDを、紙や付箋に書いて保管していない",
                "保守を委託する場合、契約書に再委託を原則禁止する条項がある",
            ),
        ],
    },
    {
        "slug": "vein-authentication-and-passwords",
        "title": "静脈認証とパスワードの取扱い",
        "summary": (
            "静脈認証があってもパスワードを紙に書いてはいけない理由と、"
            "うっかりミスが起きることを前提にした所属での確認の方法を学びます。"
        ),
        "body": [
            heading("静脈認証の仕組み"),
            paragraph(p(
                "住基ネットの端末にログインするには、照合IDとパスワードの入力に加えて、",
                "あらかじめ登録した担当者本人の静脈パターンによる認証（静脈認証）が必要です。",
                "知っている情報（パスワード）と本人の身体の特徴（静脈）を組み合わせることで、",
                "一つの要素が他人に知られても、それだけでは端末を操作できないようにしています。",
            )),
            heading("なぜパスワードを紙に書いてはいけないのか"),
            paragraph(
                p(
                    "「静脈認証があるのだから、パスワードが知られても不正利用はできない」と",
                    "考えるかもしれません。しかし、次の理由から、パスワードや照合IDを",
                    "紙に書いたり、他人の目に触れる場所に置いたりしてはいけません。",
                ),
                ul(
                    "複数の要素を組み合わせる認証は、<b>すべての要素が守られていること</b>を"
                    "前提に安全性を確保しています。一つを自ら手放せば、その分だけ守りは弱くなります。",
                    "PCのログインパスワードが知られると、住基ネット以外の業務システムや"
                    "共有フォルダの文書を、他人に使われるおそれがあります。",
                    "紙に書いたパスワードは、誰がいつ見たかを後から確かめる手段がありません。"
                    "不正がなかったことを証明できなくなります。",
                    "監査では、情報の管理に対する意識が所属全体で低いことを示す事例として"
                    "扱われ、住民からの信頼を損ないます。",
                ),
            ),
            callout(
                "warning",
                p(
                    "<b>パスワードを紙、付箋、ホワイトボード、机上のメモ、",
                    "端末に貼ったラベルなどに書くことは禁止です。</b>",
                    "覚えられない場合は、所属長に相談のうえ、パスワードを再設定してください。",
                ),
            ),
            heading("うっかりミスを前提にした確認"),
            paragraph(
                p(
                    "監査で指摘される事項の多くは、マニュアルを読み、研修を受けていても",
                    "起きてしまう「うっかりミス」です。一人ひとりの注意だけに頼らず、",
                    "所属長は<b>誤りがあることを前提に</b>、定期的に職場を確認してください。",
                ),
                p(
                    "担当者は、確認を受けることを自分への不信と受け止めず、",
                    "互いに声を掛け合ってください。確認で見つかったミスは、",
                    "隠さずに所属内で共有し、同じミスが起きない仕組みを考えます。",
                ),
            ),
            checklist(
                "端末の周囲、机上、引き出しの中に、パスワードや照合IDを書いたメモがない",
                "離席時に端末がロックされ、照会結果が画面に表示されたままになっていない",
                "静脈認証装置が所定の場所にあり、持ち出されていない",
                "異動・退職した職員の照合IDについて、廃止の手続がとられている",
                "パスワードを他の職員と共有していない",
            ),
            key_points(
                "静脈認証があっても、パスワードと照合IDは守るべき秘密である",
                "パスワードは紙に書かず、他人の目に触れる場所に置かない",
                "ミスは起きるものとして、所属長が定期的に確認する",
            ),
        ],
    },
    {
        "slug": "access-log-review",
        "title": "アクセスログの検証",
        "summary": (
            "アクセスログで何を確かめるのか、検証の頻度と24時間監視の仕組み、"
            "説明のつかない照会が見つかったときの対応を学びます。"
        ),
        "body": [
            heading("アクセスログとは"),
            paragraph(p(
                "住基ネットの端末で本人確認情報を照会すると、照会した日時、",
                "操作した照合ID、使用した端末及び照会の条件が、アクセスログとして記録されます。",
                "アクセスログは、端末を操作した職員が削除したり修正したりすることはできません。",
            )),
            heading("何を確かめるのか"),
            paragraph(
                p(
                    "アクセスログの検証では、抽出した照会の記録一件ごとに、業務上の根拠となる",
                    "書類（申請書、届出書、起案文書など）と突き合わせ、次の点を確認します。",
                ),
                ul(
                    "照会に対応する業務上の根拠書類があるか",
                    "勤務時間外や休日の照会がないか",
                    "同じ住民を理由なく繰り返し照会していないか",
                    "職員本人やその家族、知人、著名人などの照会がないか",
                    "照合IDが付与された所属以外の端末から操作していないか",
                ),
            ),
            heading("検証の頻度と24時間監視"),
            paragraph(
                p(
                    "県では、3か月に1回、各所属の1か月分のアクセスログを抽出して検証しています。",
                    "照会件数が非常に多い所属もあるため、すべての記録を検証することは",
                    "難しいのが実情です。",
                ),
                p(
                    "これを補うため、県は住基ネットを24時間体制で監視する機関と",
                    "委託契約を結んでいます。例えば著名人の情報が検索されるなど、",
                    "不自然な照会があれば、直ちに市町村課へ連絡が入る体制です。",
                    "アクセスログの検証は、この監視に加えて行っているものです。",
                    "監査で指摘を受けた所属については、検証の対象件数を増やしています。",
                ),
            ),
            callout(
                "note",
                p(
                    "検証の対象となる月や抽出される記録は、事前には知らされません。",
                    "すべての照会が検証の対象になり得るものとして、",
                    "日頃から根拠書類を整理しておいてください。",
                ),
            ),
            heading("説明のつかない照会が見つかったら"),
            paragraph(p(
                "根拠書類が見つからない照会があった場合、所属長は、照会した職員に",
                "事情を聴く前に市町村課へ連絡してください。職員への聞き取りは、",
                "市町村課と相談のうえ、所属長が立ち会って行います。",
                "推測で説明をつけたり、記録を整えたりしてはいけません。",
                "その後の対応は、緊急時対応計画書の「不正な照会の疑い」の手順に従います。",
            )),
            checklist(
                "照会ごとに、根拠となる申請書等を所定の期間保管している",
                "検証の依頼を受けたら、期限までに突合の結果を市町村課へ回答している",
                "根拠書類が見つからない照会は、推測で説明をつけずにそのまま報告している",
                "検証で指摘された事項を所属内で共有し、改善している",
            ),
        ],
    },
    {
        "slug": "incident-response",
        "title": "緊急時の対応",
        "summary": (
            "不正な照会の疑い、認証装置の紛失、ウイルス感染、システム障害、大規模地震など、"
            "異常に気付いたときに最初にすべきことと、緊急時対応計画書の使い方を学びます。"
        ),
        "body": [
            heading("まず報告する"),
            paragraph(p(
                "住基ネットに関する異常に気付いたときは、内容が確かでなくても、",
                "直ちに所属長へ報告してください（発見から15分以内が目安です）。",
                "所属長は、発見から30分以内を目安に市町村課へ第一報を入れます。",
                "「確かめてから報告しよう」と時間をかけると、被害の拡大や",
                "証拠の消失につながります。",
            )),
            callout(
                "warning",
                p(
                    "<b>一人で調べない、消さない、電源を切らない。</b>",
                    "端末の状態やアクセスログは、原因を明らかにするための大切な証拠です。",
                    "自分で原因を調べたり、ファイルを削除したり、端末を再起動したりしないでください。",
                    "ウイルス感染が疑われる場合は、LANケーブルを抜いてネットワークから切り離し、",
                    "電源は入れたままにしてください。",
                ),
            ),
            heading("緊急時対応計画書"),
            paragraph(
                p(
                    "県は緊急時対応計画書を作成し、担当者研修会で配布しています。",
                    "市町村は、それぞれ独自の緊急時対応計画書を作成しています。",
                    "計画書には、緊急連絡網と、事案の種類ごとの対応手順",
                    "（誰が、発見から何分以内に、何をするか）が定められています。",
                ),
                p(
                    "計画書が改訂されたときは内容を確認し、確認したことを",
                    "このシステムで記録してください。熊本市のように、毎年度",
                    "緊急時対応訓練を行い、計画書どおりに動けるかを確かめている団体もあります。",
                ),
            ),
            key_points(
                "異常に気付いたら、確かでなくても直ちに所属長へ報告する",
                "所属長は、発見から30分以内を目安に市町村課へ第一報を入れる",
                "一人で調べず、アクセスログや端末の状態をそのまま保全する",
                "ウイルス感染の疑いがあれば、直ちに端末をネットワークから切り離す",
                "地震のときは、まず自分と職員の安全を確保する",
            ),
            heading("報告するときに伝えること"),
            checklist(
                "いつ気付いたか（日時）",
                "何が起きたか（事実と推測を分けて伝える）",
                "どの端末、どの照合ID付与者に関わるか（照合IDやパスワードそのものは伝えない）",
                "既にとった措置（ネットワークからの切り離しなど）",
                "報告者の氏名と連絡先",
            ),
            callout(
                "note",
                p(
                    "緊急時対応計画書は、所属の端末の近くに置き、",
                    "緊急連絡網の電話番号が最新であることを年度初めに確認してください。",
                ),
            ),
        ],
    },
]


# --- emergency response plans ---------------------------------------------------------

PREFECTURE_NAME = "熊本県"
PREFECTURE_PHONE = 1000  # 096-000-1xxx

# The prefecture's coordinating division, which a municipality's plan also calls.
PREFECTURE_DESK = {
    "role": "熊本県 総務部 市町村課（住基ネット担当）",
    "name": "坂口 真一（主幹）",
    "phone": "096-000-1012",
    "backup": "井上 彩（主事） 096-000-1013",
}
PREFECTURE_HEAD = {
    "role": "熊本県 市町村課長（住基ネット総括責任者）",
    "name": "村上 浩二",
    "phone": "096-000-1001",
    "backup": "森 由美子（審議員） 096-000-1002",
}
NATIONAL_CENTRE = {
    "role": "地方公共団体情報システム機構（J-LIS） 全国センター",
    "name": "運用当番者",
    "phone": "03-0000-5110",
    "backup": "夜間・休日は運用監視窓口 03-0000-5119",
}

# Fictional names for municipal plans, picked deterministically from the organisation name.
SURNAMES = ["上田", "北村", "平野", "永田", "宮本", "野口", "吉川", "原口", "緒方", "荒木"]
GIVEN_NAMES = ["智子", "大輔", "美穂", "拓也", "聡", "由香", "健太", "直美", "翔", "恵子"]


def emergency_plan(organisation_name: str, kind: str, *, lead_division: str = "市民課") -> dict:
    """The 緊急時対応計画書 of a prefecture (kind "prefecture") or a municipality.

    Returns {"title", "summary", "body"}; the body is plain PlanStreamBlock data, to be
    passed through `stream()`. A municipality's lead division defaults to 市民課 (熊本市's
    demo data names 区政課, for instance).
    """
    if kind == "prefecture":
        contacts = _prefecture_contacts()
        procedures = _prefecture_procedures()
        scope = "県の全ての所属"
        review = p(
            "市町村課は、毎年度、担当者研修会でこの計画書を配布し、内容を周知する。",
            "訓練の結果、監査の指摘及び体制の変更を踏まえ、毎年度見直す。",
        )
    elif kind == "municipality":
        contacts = _municipal_contacts(organisation_name, lead_division)
        procedures = _municipal_procedures(lead_division)
        scope = f"{organisation_name}の全ての所属"
        review = p(
            f"{lead_division}は、毎年度1回以上、この計画書に基づく緊急時対応訓練を実施し、",
            "訓練で明らかになった課題を反映して計画書を見直す。",
            "見直した計画書は、照合ID付与者全員に周知し、確認の記録を残す。",
        )
    else:
        raise ValueError(f"unknown organisation kind: {kind!r}")

    summary = (
        f"{organisation_name}における住基ネットの本人確認情報の漏えい、不正利用、"
        "滅失若しくは毀損のおそれがある事案又はシステムの障害に際し、"
        "被害を最小限にとどめ速やかに復旧するための連絡体制と対応手順を定める。"
    )
    body = [
        heading("1 目的及び適用範囲"),
        paragraph(
            p(
                f"この計画書は、{organisation_name}において、住民基本台帳ネットワークシステム",
                "（以下「住基ネット」という。）の本人確認情報の漏えい、不正利用、滅失若しくは",
                "毀損のおそれがある事案又はシステムの障害が発生したときに、",
                "被害を最小限にとどめ、速やかに復旧するための連絡体制と対応手順を定める。",
            ),
            p(
                f"この計画書は、住基ネットを利用する{scope}及び照合IDの付与を受けた",
                "全ての職員に適用する。",
            ),
            p("※この計画書に記載した氏名及び電話番号は、デモ用の架空のものである。"),
        ),
        heading("2 基本方針"),
        paragraph(ul(
            "異常を発見した職員は、内容が確かでなくても直ちに所属長へ報告する。",
            "発見した職員及び所属長は、単独で調査を進めず、端末の状態及びアクセスログを保全する。",
            "人命及び職員の安全を、システムの保全よりも優先する。",
            "各手順の時間目標は、事案を発見した時刻からの経過時間（分）で示す。",
        )),
        callout(
            "warning",
            p(
                "<b>連絡先に連絡がつかない場合は、待たずに予備の連絡先へ連絡する。</b>",
                "連絡した時刻と相手を必ず記録する。",
            ),
        ),
        {"type": "contact_tree", "value": {"title": "緊急連絡網", "contacts": contacts}},
        heading("3 事案別の対応手順"),
        *procedures,
        heading("4 周知、訓練及び見直し"),
        paragraph(review),
    ]
    return {
        "title": f"{organisation_name} 住民基本台帳ネットワークシステム緊急時対応計画書",
        "summary": summary,
        "body": body,
    }


def procedure(incident_type: str, title: str, summary: str, steps: list[tuple]) -> dict:
    return {
        "type": "procedure",
        "value": {
            "incident_type": incident_type,
            "title": title,
            "summary": summary,
            "steps": [
                {"action": action, "responsible_role": role, "time_target_minutes": minutes}
                for action, role, minutes in steps
            ],
        },
    }


def _department_head() -> dict:
    return {
        "role": "所属長（事案を発見した職員の所属）",
        "name": "各所属長",
        "phone": "各所属の内線",
        "backup": "不在時は課長補佐又は係長",
    }


def _prefecture_contacts() -> list[dict]:
    return [
        _department_head(),
        {**PREFECTURE_DESK, "role": "市町村課（住基ネット担当）"},
        {**PREFECTURE_HEAD, "role": "市町村課長（住基ネット総括責任者）"},
        {
            "role": "情報政策課（情報セキュリティ担当。ウイルス感染・障害の場合）",
            "name": "松本 直樹（主幹）",
            "phone": "096-000-1040",
            "backup": "岡田 涼（主任主事） 096-000-1041",
        },
        NATIONAL_CENTRE,
    ]


def _municipal_contacts(organisation_name: str, lead_division: str) -> list[dict]:
    seed = zlib.crc32(organisation_name.encode())
    base = 2000 + (seed % 80) * 100  # 096-000-2000 .. 096-000-9999, never the prefecture's

    def name(index: int) -> str:
        surname = SURNAMES[(seed + 3 * index) % len(SURNAMES)]
        given = GIVEN_NAMES[(seed // 7 + index) % len(GIVEN_NAMES)]
        return f"{surname} {given}"

    def phone(extension: int) -> str:
        return f"096-000-{base + extension:04d}"

    return [
        _department_head(),
        {
            "role": f"{organisation_name} {lead_division}（住基ネット担当）",
            "name": f"{name(0)}（主査）",
            "phone": phone(11),
            "backup": f"{name(1)}（主事） {phone(12)}",
        },
        {
            "role": f"{organisation_name} {lead_division}長（住基ネット責任者）",
            "name": name(2),
            "phone": phone(1),
            "backup": f"{lead_division}副課長 {name(3)} {phone(2)}",
        },
        PREFECTURE_DESK,
        NATIONAL_CENTRE,
    ]


def _prefecture_procedures() -> list[dict]:
    desk = "市町村課 住基ネット担当"
    admin = "市町村課 システム管理者"
    head = "市町村課長"
    return [
        procedure(
            "unauthorised_lookup",
            "不正な照会の疑い",
            "24時間監視機関からの通報、アクセスログの検証又は職員からの申告により、"
            "業務上の根拠のない照会（例：著名人の情報の検索）が疑われる場合",
            [
                ("通報又は申告の内容（日時、端末、照合IDの所属、照会の条件）を記録し、"
                 "市町村課長へ報告する。当該職員へ直接問い合わせない。", desk, 15),
                ("当該照合IDが付与された所属の所属長へ連絡し、"
                 "照会に対応する業務上の根拠書類の有無の確認を依頼する。", desk, 30),
                ("根拠書類の有無を確認し、結果を市町村課へ回答する。"
                 "本人への聞き取りは、市町村課と協議のうえ所属長が立ち会って行う。", "所属長", 120),
                ("業務上の根拠が確認できない場合は、当該照合IDの利用を一時停止する。", admin, 180),
                ("当該照合IDによる前後3か月分のアクセスログを抽出して保全し、"
                 "聞き取りの記録とあわせて保管する。", desk, 1440),
                ("不正利用が確認された場合は、J-LIS全国センターへ報告し、"
                 "個人情報保護委員会への報告及び本人への通知の要否を判断する。", head, None),
            ],
        ),
        procedure(
            "lost_device",
            "静脈認証装置又は操作者識別カードの紛失",
            "静脈認証装置、操作者識別カードなど、住基ネットの認証に使う機器又は媒体の"
            "所在が確認できない場合",
            [
                ("所在が確認できないことに気付いたら、直ちに所属長へ報告する。"
                 "心当たりの場所の確認は、報告と並行して行う。", "発見者", 15),
                ("最後に使用した日時と場所、持ち出しの有無を確認し、"
                 "市町村課へ第一報を入れる。", "所属長", 30),
                ("紛失した機器又はカードに関係する照合IDを一時停止する。", admin, 60),
                ("紛失の可能性がある時刻以降のアクセスログを確認し、"
                 "当該照合IDによる操作がないかを確かめる。", desk, 240),
                ("盗難の疑いがある場合は、所轄の警察署へ届け出る。", "所属長", 240),
                ("再発行又は再登録を行い、紛失の経緯と再発防止策を市町村課へ報告する。",
                 "所属長", None),
            ],
        ),
        procedure(
            "malware",
            "端末のウイルス感染の疑い",
            "ウイルス対策ソフトの警告、見慣れない画面表示、外部記録媒体を接続した後の"
            "異常な動作など、住基ネット端末のウイルス感染が疑われる場合",
            [
                ("端末のLANケーブルを抜いてネットワークから切り離す。"
                 "電源は切らず、画面もそのままにする。", "発見者", 0),
                ("所属長へ報告する。画面に表示されたメッセージは写真又はメモで記録する。",
                 "発見者", 15),
                ("市町村課及び情報政策課へ第一報を入れる。", "所属長", 30),
                ("J-LIS全国センター及び保守業者へ連絡し、他の端末への影響の確認を依頼する。",
                 desk, 60),
                ("同じネットワークに接続された他の端末の状態を確認し、"
                 "必要に応じて切り離す。", "情報政策課", 90),
                ("保守業者による調査と駆除が終わり、安全が確認されるまで当該端末を使用しない。"
                 "原因と対策を記録する。", head, None),
            ],
        ),
        procedure(
            "outage",
            "ネットワーク又はシステムの障害",
            "住基ネット端末で照会ができない、通信エラーが続くなど、"
            "ネットワーク又はシステムに障害が発生した場合",
            [
                ("エラーメッセージと発生時刻を記録し、同じ所属の他の端末でも"
                 "同じ症状かを確認する。", "発見者", 10),
                ("所属長へ報告し、住基ネットを使う事務を一時停止する。", "発見者", 15),
                ("市町村課へ連絡する。", "所属長", 30),
                ("障害の範囲（当該所属のみか、県全体か）を切り分け、"
                 "J-LIS全国センター又は保守業者へ連絡する。", admin, 60),
                ("障害が続く場合は、各所属へ状況と再開の見込みを通知する。", desk, 120),
                ("復旧後、照会が正常に行えることを確認し、障害の経過を記録する。", admin, None),
            ],
        ),
        procedure(
            "earthquake",
            "大規模地震の発生",
            "県内で震度6弱以上の地震が発生した場合、又は地震により端末室や住基ネットの"
            "機器に被害が生じた場合（平成28年熊本地震の経験を踏まえて定める）",
            [
                ("身の安全を確保し、揺れが収まった後、所属職員の安否を確認する。"
                 "機器の確認は、安全を確保した後に行う。", "所属長", 0),
                ("安全が確認できた範囲で、端末室の被害状況（機器の転倒、停電、浸水、"
                 "通信の途絶）を確認する。", admin, 60),
                ("端末室が停止し又は通信が途絶している場合は、住基ネットを使う事務の停止を"
                 "各所属へ通知する。", desk, 90),
                ("被害状況をJ-LIS全国センターへ報告し、復旧の支援を要請する。", head, 120),
                ("照会結果の帳票や認証機器が散乱していないか確認し、"
                 "施錠できる場所へ回収する。", "所属長", 180),
                ("復旧後、機器の動作とアクセスログの記録が正常であることを確認し、"
                 "事務の再開を各所属へ通知する。", admin, None),
            ],
        ),
    ]


def _municipal_procedures(lead: str) -> list[dict]:
    desk = f"{lead} 住基ネット担当"
    head = f"{lead}長"
    return [
        procedure(
            "unauthorised_lookup",
            "不正な照会の疑い",
            "県市町村課からの連絡（24時間監視機関の通報によるもの）、アクセスログの検証、"
            "職員からの申告などにより、業務上の根拠のない照会が疑われる場合",
            [
                ("連絡又は申告の内容（日時、端末、照合ID付与者の所属、照会の条件）を記録し、"
                 f"{lead}長へ報告する。", desk, 15),
                ("当該職員の所属長へ連絡し、窓口の申請書等の根拠書類の有無を確認する。"
                 "当該職員への聞き取りは、この時点では行わない。", desk, 30),
                ("熊本県市町村課へ第一報を入れる。", head, 60),
                ("根拠が確認できない場合は、当該照合IDの利用を一時停止し、"
                 "アクセスログを抽出して保全する。", desk, 120),
                ("県市町村課と協議のうえ、所属長立会いのもとで当該職員から事情を聴く。",
                 head, 1440),
                ("不正利用が確認された場合は、本人への通知、個人情報保護委員会への報告"
                 "及び懲戒手続の要否を、人事・法務担当と協議する。", head, None),
            ],
        ),
        procedure(
            "lost_device",
            "静脈認証装置又は操作者識別カードの紛失",
            "窓口の端末に接続した静脈認証装置、操作者識別カードなどの所在が"
            "確認できない場合",
            [
                ("所在が確認できないことを所属長へ報告する。", "発見者", 15),
                (f"{lead}の住基ネット担当へ連絡する。", "所属長", 30),
                ("関係する照合IDを一時停止し、紛失の可能性がある時刻以降の"
                 "アクセスログを確認する。", desk, 60),
                ("熊本県市町村課へ報告する。盗難の疑いがある場合は警察署へ届け出る。",
                 head, 120),
                ("再発行又は再登録を行い、保管方法を見直す。", desk, None),
            ],
        ),
        procedure(
            "malware",
            "端末のウイルス感染の疑い",
            "住基ネット端末（CS端末を含む。）で、ウイルス対策ソフトの警告や"
            "不審な動作があった場合",
            [
                ("LANケーブルを抜いて端末をネットワークから切り離す。電源は切らない。",
                 "発見者", 0),
                ("所属長及び住基ネット担当へ報告する。", "発見者", 15),
                ("情報政策課へ連絡し、庁内の他の端末への影響を確認する。", desk, 30),
                ("熊本県市町村課及びJ-LIS全国センターへ報告する。", head, 60),
                ("保守業者の調査が終わるまで、当該端末による事務を停止し、"
                 "窓口の事務を他の端末へ振り替える。", desk, 90),
                ("原因と対策を記録し、再発防止策を所属内に周知する。", head, None),
            ],
        ),
        procedure(
            "outage",
            "ネットワーク又はシステムの障害",
            "住基ネットに接続できず、転入・転出の処理や住民票の写しの広域交付が"
            "行えない場合",
            [
                ("エラーの内容と発生時刻を記録し、住基ネット担当へ連絡する。", "発見者", 10),
                ("障害の範囲（当該端末のみか、庁内全体か）を確認し、"
                 "保守業者へ連絡する。", desk, 30),
                ("窓口に事務の一時停止を掲示し、来庁者へ事情と代わりの手続を案内する。",
                 "窓口の所属長", 30),
                ("熊本県市町村課へ障害の発生と影響を報告する。", head, 60),
                ("復旧後、処理できなかった届出を確認して処理し、障害の経過を記録する。",
                 desk, None),
            ],
        ),
        procedure(
            "earthquake",
            "大規模地震の発生",
            "市内で震度6弱以上の地震が発生した場合、又は庁舎が被災し、"
            "端末室が停止した場合",
            [
                ("身の安全を確保し、来庁者を避難誘導する。揺れが収まった後、"
                 "職員の安否を確認する。", "所属長", 0),
                ("職員の安全を確認した後、端末室の被害状況を確認する。", desk, 60),
                ("災害対策本部へ住基ネットの被害状況を報告する。", head, 90),
                ("熊本県市町村課へ被害状況を報告し、J-LIS全国センターへの連絡を依頼する。",
                 head, 120),
                ("帳票や認証機器を回収し、施錠できる場所へ保管する。", "所属長", 180),
                ("復旧後、端末の動作を確認し、窓口業務の再開を告知する。", desk, None),
            ],
        ),
    ]
