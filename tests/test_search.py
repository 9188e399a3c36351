"""Japanese search over published pages (cms.search), on SQLite and PostgreSQL alike."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.paginator import Paginator
from wagtail.models import Page
from wagtail.rich_text import RichText
from wagtail.search.backends import get_search_backend

from cms.models import HomePage, TrainingIndexPage, TrainingModulePage


def module(parent, title, slug, text, *, publish=True):
    page = parent.add_child(
        instance=TrainingModulePage(
            title=title, slug=slug, body=[("paragraph", RichText(f"<p>{text}</p>"))], live=publish
        )
    )
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


@pytest.fixture
def pages(prefecture):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="研修ポータル", slug="portal"))
    index = home.add_child(
        instance=TrainingIndexPage(title="熊本県の研修", slug="kumamoto", organisation=prefecture)
    )
    created = {
        "vein": module(index, "本人確認の手順", "vein", "照合には静脈認証が必要です。"),
        "log": module(index, "記録の管理", "log", "アクセスログは3か月ごとに検証する。"),
        "audit": module(index, "アクセスログの点検", "audit", "担当者が毎月点検する。"),
        "english": module(index, "Operator checks", "english", "Vein authentication is required."),
        "draft": module(index, "下書き", "draft", "静脈認証の新しい装置。", publish=False),
    }
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    return created


def found(query, queryset=None, **kwargs):
    queryset = Page.objects.live() if queryset is None else queryset
    return [page.pk for page in queryset.search(query, **kwargs)]


def test_the_configured_backend_is_ours_and_subclasses_the_databases_own():
    from wagtail.search.backends.database import SearchBackend as database_backend

    backend = get_search_backend()
    assert type(backend).__module__ == "cms.search"
    assert isinstance(backend, type(database_backend({})))


def test_a_kanji_word_finds_exactly_the_page_with_it(pages):
    assert found("静脈認証") == [pages["vein"].pk]


def test_a_katakana_word_finds_its_pages_with_title_matches_first(pages):
    assert found("アクセスログ") == [pages["audit"].pk, pages["log"].pk]


@pytest.mark.parametrize("word", ["検証", "3か月"])
def test_short_words_are_found(pages, word):
    assert found(word) == [pages["log"].pk]


def test_a_two_character_katakana_word_ranks_the_title_match_first(pages):
    assert found("ログ") == [pages["audit"].pk, pages["log"].pk]


def test_every_term_must_match_and_the_full_width_space_separates_terms(pages):
    assert found("記録　検証") == [pages["log"].pk]
    assert found("記録 検証") == [pages["log"].pk]
    assert found("記録　静脈認証") == []
    assert found("　") == []
    assert found("検証 記録", operator="or") == [pages["log"].pk]


def test_unpublished_pages_are_left_out_by_live(pages):
    assert pages["draft"].pk in found("静脈認証", Page.objects.all())
    assert pages["draft"].pk not in found("静脈認証")


def test_the_queryset_passed_in_is_honoured(pages):
    others = Page.objects.live().exclude(pk=pages["audit"].pk)
    assert found("アクセスログ", others) == [pages["log"].pk]
    specific = found("アクセスログ", Page.objects.live().specific().type(TrainingModulePage))
    assert specific == [pages["audit"].pk, pages["log"].pk]
    by_title = Page.objects.live().order_by("-title")
    assert found("ログ", by_title, order_by_relevance=False) == [pages["log"].pk, pages["audit"].pk]


def test_results_can_be_sliced_counted_and_paginated(pages):
    results = Page.objects.live().search("ログ")
    assert results.count() == 2
    assert [page.pk for page in results[1:]] == [pages["log"].pk]
    paginator = Paginator(Page.objects.live().search("ログ"), 1)
    assert paginator.num_pages == 2
    assert [page.pk for page in paginator.page(2)] == [pages["log"].pk]


def test_scores_can_be_annotated_on_specific_pages(pages):
    results = list(Page.objects.live().specific().search("アクセスログ").annotate_score("_score"))
    assert [type(page) for page in results] == [TrainingModulePage, TrainingModulePage]
    assert results[0]._score > results[1]._score


def test_fields_title_searches_only_titles(pages):
    assert found("アクセスログ", fields=["title"]) == [pages["audit"].pk]


def test_english_goes_through_full_text_search(pages):
    assert found("authentication") == [pages["english"].pk]
    assert found("authentication", order_by_relevance=False) == [pages["english"].pk]


def test_the_search_page_lists_results_for_a_logged_in_user(pages, operator, login):
    response = login(operator).get("/search/", {"q": "静脈認証"})
    assert response.status_code == 200
    assert [page.pk for page in response.context["page"]] == [pages["vein"].pk]
    assert "本人確認の手順" in response.content.decode()
    assert "下書き" not in response.content.decode()


def test_the_search_page_paginates_twenty_at_a_time(pages, prefecture, operator, login):
    index = pages["vein"].get_parent()
    for number in range(21):
        module(index, f"点検表{number}", f"sheet-{number}", "毎日の点検項目。", publish=True)
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    client = login(operator)
    first = client.get("/search/", {"q": "点検項目"})
    second = client.get("/search/", {"q": "点検項目", "page": 2})
    assert len(first.context["page"]) == 20
    assert first.context["page"].paginator.count == 21
    assert len(second.context["page"]) == 1


def test_the_search_page_with_no_query_shows_the_form(operator, login):
    response = login(operator).get("/search/")
    assert response.status_code == 200
    assert response.context["query"] == ""


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get("/search/", {"q": "静脈認証"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_admins_autocomplete_finds_japanese_titles(pages):
    # The Wagtail admin's page search autocompletes on titles.
    assert [page.pk for page in Page.objects.live().autocomplete("点検")] == [pages["audit"].pk]


# Character widths (issue 18, point 9): half-width katakana and full-width letters are
# folded (core.text.fold_width) in the query and in the index alike.


@pytest.fixture
def widths(prefecture):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="研修ポータル", slug="widths"))
    index = home.add_child(
        instance=TrainingIndexPage(title="熊本県の研修", slug="kumamoto", organisation=prefecture)
    )
    created = {
        # Written with the usual widths…
        "usual": module(index, "パスワードの管理", "usual", "照合IDとパスワードは本人だけが使う。"),
        # …and as pasted from an old half-width system and typed with full-width letters.
        "varied": module(index, "照合ＩＤの貸与", "varied", "ﾊﾟｽﾜｰﾄﾞを他人に教えない。"),
        "other": module(index, "記録の管理", "other", "アクセスログを点検する。"),
    }
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    return created


@pytest.mark.parametrize(("typed", "usual"), [("ﾊﾟｽﾜｰﾄﾞ", "パスワード"), ("照合ＩＤ", "照合ID")])
def test_a_query_in_other_widths_finds_what_the_usual_form_finds(widths, typed, usual):
    assert found(typed) == found(usual)
    assert set(found(typed)) == {widths["usual"].pk, widths["varied"].pk}


def test_the_index_stores_the_text_folded_and_the_title_still_ranks_first(widths):
    from modelsearch.conf import get_app_config

    entry = get_app_config().get_model("IndexEntry")
    title, body = ("title_text", "body_text") if hasattr(entry, "title_text") else ("title", "body")
    stored = entry._default_manager.filter(object_id=str(widths["varied"].pk)).values(title, body)
    assert [(row[title], "パスワード" in row[body]) for row in stored] == [("照合IDの貸与", True)]
    # 照合ID is in the varied page's title (written 照合ＩＤ) and the usual page's body.
    assert found("照合ID") == [widths["varied"].pk, widths["usual"].pk]
    assert found("パスワード") == [widths["usual"].pk, widths["varied"].pk]


def test_the_admins_autocomplete_folds_widths(widths):
    assert [page.pk for page in Page.objects.live().autocomplete("照合ＩＤ")] == [
        widths["varied"].pk, widths["usual"].pk]


def test_the_search_page_folds_half_width_katakana(widths, operator, login):
    response = login(operator).get("/search/", {"q": "ﾊﾟｽﾜｰﾄﾞ"})
    assert {page.pk for page in response.context["page"]} == {widths["usual"].pk,
                                                              widths["varied"].pk}
    assert response.context["query"] == "ﾊﾟｽﾜｰﾄﾞ"  # shown back as typed
