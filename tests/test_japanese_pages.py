"""No English on a Japanese page (issue 18, point 7): every demo account logs in, in
Japanese, and the test follows the links it is offered from / and /admin/ (GET only, as
someone clicking around would). Each page's visible text, and what a tooltip or a screen
reader says (title, alt, placeholder, aria-label, a button's value), may hold no word of
three Latin letters or more but those on ALLOWED.

The crawl is bounded: one page per route (the first person's page stands for every
person's, a list filtered or sorted for the list; in the admin, one page of each page
type), PAGES_PER_ACCOUNT at most, and never a download, a logout or an export. Wagtail's
sidebar is drawn by a script from JSON in the page: its labels and links are read from
there. Other text a script writes (Wagtail's own script catalogue) is not seen here.
"""

import datetime
import json
import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from people.models import Person

JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=JST)  # the `clock` fixture's moment
DEMO_PASSWORD = "kumamoto-demo"
ACCOUNTS = ["coordinator", "supervisor", "operator", "colleague", "evaluator", "kumamoto-city"]
PAGES_PER_ACCOUNT = 150

# Words that stay in Latin letters on a Japanese page, and why.
ALLOWED = {
    # Product and file format names, written so in Japanese offices too.
    "Wagtail", "PDF", "CSV", "Excel", "XLSX", "AVIF", "GIF", "JPG", "JPEG", "PNG", "WEBP",
    # Abbreviations read as such in Japanese: 照合ID, QRコード.
    "ID", "QR",
    # Names: J-LIS (地方公共団体情報システム機構), LAN (LANケーブル), Shift_JIS (an encoding).
    "J-LIS", "LAN", "Shift_JIS",
    # The language switch names each language in its own language: English.
    "English",
}

# Links never followed: they leave the session, change nothing a reader sees in HTML, or
# download a file (checked by their own tests, with pdftotext and openpyxl).
SKIPPED_PATHS = re.compile(
    r"^/(static|media|documents)/|/logout/|/(pdf|csv|xlsx|ics|download|export)/?$"
    r"|\.(pdf|csv|xlsx|ics|zip|png|jpe?g|svg|txt)$|^/healthz|^/favicon|^/i18n/"
    r"|^/admin/logout/|^/admin/jsi18n/|/serve_document/"
)
SKIPPED_QUERY = {"export", "format", "download"}

# Elements whose content is never shown as text.
HIDDEN_ELEMENTS = {"script", "style", "template", "svg", "noscript"}
# Attributes a person sees or hears.
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


class Page(HTMLParser):
    """A page's shown text (as pieces), its links, and the labels and links of Wagtail's
    sidebar, which the admin hands to its script as JSON.

    An element with the `hidden` attribute is not read: a script shows it once it has
    filled it in (Wagtail's side-panel counter holds the word None until then)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hides its content)
        self._json_script = False

    @property
    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hides = tag in HIDDEN_ELEMENTS or "hidden" in attrs
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, hides))
        self._json_script = tag == "script" and attrs.get("type") == "application/json"
        if hides or self._hidden:
            return
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
            self.texts.append(attrs.get("value") or "")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in (open_tag for open_tag, _hides in self._open):
            return
        while self._open and self._open.pop()[0] != tag:
            pass
        self._json_script = False

    def handle_data(self, data):
        if self._json_script and '"modules"' in data:
            self._read_sidebar(json.loads(data))
        elif not self._hidden and data.strip():
            self.texts.append(data)

    def _read_sidebar(self, props):
        """Wagtail's sidebar: menu items are {"_type": ..., "_args": [{"label", "url"}]}."""
        if isinstance(props, dict):
            if isinstance(props.get("label"), str):
                self.texts.append(props["label"])
            if isinstance(props.get("url"), str):
                self.links.append(props["url"])
            for value in props.values():
                self._read_sidebar(value)
        elif isinstance(props, list):
            for value in props:
                self._read_sidebar(value)


# What may stand in Latin letters because it is not a word: addresses, links, file
# extensions, and codes in groups (a session's check-in code, a certificate's code format).
NOT_WORDS = re.compile(
    r"[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"  # e-mail addresses
    r"|https?://[!-~]+|(?<![A-Za-z0-9])/[A-Za-z0-9_/.?=&%:-]*"  # links and paths
    r"|(?<![A-Za-z0-9])\.[a-z]{2,4}\b"  # file extensions: .ics, .xlsx
    r"|\b[A-Z]{4,}(-[A-Z]{4,})+\b"  # codes in groups: KLPPS-MWGEL, XXXX-XXXX-XXXX
    # Our page models' identifiers, in the "App" column of Wagtail's page types report.
    r"|\bcms\.[a-z]+\b"
)
TOKEN = re.compile(r"[A-Za-z0-9_-]+")
WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The words of `text` in Latin letters, but for codes (any token with a digit: A01,
    R8, UTF-8, TR-2026-0001), tokens on the allow-list (J-LIS, Shift_JIS) and words on it."""
    words = []
    for token in TOKEN.findall(NOT_WORDS.sub(" ", text)):
        if token in allowed or any(character.isdigit() for character in token):
            continue
        words += [word for word in WORD.findall(token) if word not in allowed]
    return words


def pattern_of(path: str) -> str | None:
    """The key under which a URL counts as visited: its route, whatever its ids and query
    (a list filtered or sorted is the same page). None: not one of the site's pages."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name == "wagtail_serve":
        return path  # each of the demo's few pages: plans and training modules differ
    if "page_id" in match.kwargs:  # the admin's pages: one of each type (a plan, a module)
        from wagtail.models import Page as WagtailPage

        kind = WagtailPage.objects.filter(pk=match.kwargs["page_id"]).values_list(
            "content_type_id", flat=True).first()
        return f"{match.route} ({kind})"
    return match.route or path


def followable(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or SKIPPED_PATHS.search(parts.path):
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name in SKIPPED_QUERY for name, _ in query):
        return None
    return parts.path, urlencode(query)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module (about 7 s) at the `clock` fixture's moment,
    and rolled back after the module's last test."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def allowed_words() -> set[str]:
    """ALLOWED, and the demo's own names and codes written in Latin letters: the accounts'
    user names (coordinator, kumamoto-city) and the drills' join codes (ZKPSXNYA), drawn
    at random, are not words to translate."""
    from drills.models import Drill

    names = set(ALLOWED) | set(Drill.objects.values_list("join_code", flat=True))
    for username in get_user_model().objects.values_list("username", flat=True):
        names.update(re.findall(r"[A-Za-z]+", username))
    for name in Person.objects.values_list("name", flat=True):
        names.update(re.findall(r"[A-Za-z]+", name))
    return names


# What a GET may write: the audit trail's record of a read, the session, the login log,
# and what Wagtail's editor keeps about who has a page open (its editing session, its
# comment subscription, the editor's profile).
WRITTEN_BY_READING = {"audit.auditevent", "audit.auditchainhead", "sessions.session",
                      "axes.accesslog", "axes.accessattempt", "wagtailadmin.editingsession",
                      "wagtailcore.pagesubscription", "wagtailusers.userprofile"}


def row_counts() -> dict[str, int]:
    return {model._meta.label_lower: model.objects.count() for model in apps.get_models()
            if model._meta.label_lower not in WRITTEN_BY_READING and not model._meta.proxy}


def log_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    return client


def crawl(client: Client, allowed: set[str]):
    """Breadth first from / and /admin/: the pages visited, and (url, word, snippet) for
    each English word on them."""
    queue = deque([("/", ""), ("/admin/", "")])
    seen_patterns: set[str] = set()
    visited = []
    findings = []
    while queue and len(visited) < PAGES_PER_ACCOUNT:
        path, query = queue.popleft()
        pattern = pattern_of(path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        url = f"{path}?{query}" if query else path
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                "text/html"):
            continue
        visited.append(url)
        page = Page()
        page.feed(response.content.decode())
        for text in page.texts:
            for word in english_words(text, allowed):
                findings.append((url, word, " ".join(text.split())[:100]))
        for link in page.links:
            target = followable(urljoin(url, link))
            if target is not None:
                queue.append(target)
    return visited, findings


@pytest.mark.parametrize("username", ACCOUNTS)
def test_no_english_word_on_any_page_the_account_reaches(demo, db, username):
    with time_machine.travel(NOW, tick=False):
        allowed = allowed_words()
        client = log_in(username)
        before = row_counts()
        visited, findings = crawl(client, allowed)
    # Following links changes nothing but the records of who read what.
    assert row_counts() == before
    # The crawl reached the account's pages, and the coordinators' the page editor.
    assert len(visited) >= 15, visited
    if username in ("coordinator", "kumamoto-city"):
        assert any(re.fullmatch(r"/admin/pages/\d+/edit/", url) for url in visited), visited
    report = "\n".join(f"{url}: {word!r} in {snippet!r}" for url, word, snippet in findings)
    assert not findings, f"English words on {username}'s pages:\n{report}"


def test_the_check_finds_an_english_word_and_passes_codes_and_addresses():
    allowed = set(ALLOWED)
    assert english_words("研修会 View history", allowed) == ["View", "history"]
    assert english_words("照合ID A01-0003 R8.6.1 xlsx2 UTF-8 Shift_JIS（CP932）", allowed) == []
    assert english_words("J-LIS全国センター カレンダー（.ics） XXXX-XXXX-XXXX KLPPS-MWGEL",
                         allowed) == []
    assert english_words("ogata@example.jp https://example.jp/verify/ 詳細", allowed) == []
    assert english_words("PDFをダウンロード", allowed) == []
    assert english_words("Wagtail の管理画面 Dashboard", allowed) == ["Dashboard"]
    assert english_words("cms.trainingmodulepage wagtail.publish", allowed) == ["wagtail",
                                                                              "publish"]


def test_the_page_reader_sees_attributes_and_skips_scripts():
    page = Page()
    page.feed('<html><head><title>Title</title><script>var skipped = "Script";</script>'
              '<style>.x{}</style></head><body><svg><text>Drawn</text></svg>'
              '<img alt="Picture"><input type="submit" value="Save">'
              '<input type="text" placeholder="Search" value="typed">'
              '<a href="/x/" aria-label="Label">Link</a><template><p>Later</p></template>'
              '<div hidden>None<a href="/hidden/">Hidden</a></div><br/><p>After</p>'
              '</body></html>')
    assert page.texts == ["Title", "Picture", "Save", "Search", "Label", "Link", "After"]
    assert page.links == ["/x/"]


def test_every_wagtail_action_the_audit_trail_names_reads_in_japanese():
    """A change in the admin is stored as Wagtail's action name (wagtail.publish) and shown
    as Wagtail's label for it (AuditEvent.detail_display): each label has its Japanese."""
    from wagtail.log_actions import registry

    english = {action: str(label) for action, label in registry.get_choices()
               if english_words(str(label), set(ALLOWED))}
    assert english == {}
