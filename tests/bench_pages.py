"""Every page a user opens, at large scale, timed (issue 20): `make bench`'s page walk.

Each demo account follows the links it is offered from / and /admin/, as the crawl of
tests/test_japanese_pages.py does (GET only, one page per route, never a download, an
export or a logout), on the large seed, after the other measurements have added their
data (the sharing sessions, the quiz with 10,000 graded attempts). The coordinator's walk
starts from the heaviest instances of a few routes, so that the route stands for its
worst case and not for the first small example the crawl happens upon: the quiz with the
most graded attempts, the largest department's pages.

A page is timed in the test client, server time only (no network, no browser): the
crawl's own request warms it, then the median of WALK_REPEATS, the first of which counts
its queries. A route is timed once, for the first account that reaches it (the accounts
go from the prefecture's coordinator, who sees the most, down); later accounts follow it
for its links only. The five slowest are printed as `page_slowest_N_ACCOUNT_ROUTE`, and how many
pages take longer than PAGE_BUDGET_MS; stderr lists every page walked, slowest first.
"""

import os
import statistics
import time
from collections import deque
from urllib.parse import urljoin

from django.db import connection, reset_queries
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from tests.bench import client_for, progress
from tests.test_japanese_pages import ACCOUNTS, PAGES_PER_ACCOUNT, Page, followable, pattern_of

WALK_REPEATS = 3
PAGE_BUDGET_MS = 25
SLOWEST_SHOWN = 5


def page_name(path: str) -> str:
    """A figure's name for a page: its URL name with its namespace (training_quiz_analysis),
    or, for a page Wagtail serves, its path."""
    match = resolve(path)
    if match.url_name == "wagtail_serve":
        return "wagtail_page_" + (path.strip("/").replace("/", "_") or "home")
    return "_".join([*match.namespaces, match.url_name or "page"]).replace(":", "_")


def heavy_starts(username: str) -> list[tuple[str, str]]:
    """The largest instances of the routes whose cost grows with their data."""
    from people.models import Person
    from training.models import Attempt

    if username != "coordinator":
        return []
    starts = []
    largest_quiz = (
        Attempt.objects.filter(score_percent__isnull=False).order_by().values("quiz")
        .annotate(graded=Count("pk")).order_by("-graded").first()
    )
    if largest_quiz:
        starts.append((reverse("training:quiz_analysis", args=[largest_quiz["quiz"]]), ""))
    largest_department = (
        Person.objects.order_by().values("department")
        .annotate(staff=Count("pk")).order_by("-staff").first()
    )
    if largest_department:
        department = largest_department["department"]
        starts.append((reverse("training:department_reading", args=[department]), ""))
        starts.append((reverse("people:directory"), f"department={department}&page=2"))
    return starts


def walk(username: str, timed_already: set[str]) -> list[tuple[str, float, int]]:
    """(url, median ms, queries) for each page the account reaches whose route no earlier
    account has timed (it is followed all the same, for its links)."""
    client = client_for(username)
    queue = deque([*heavy_starts(username), ("/", ""), ("/admin/", "")])
    seen = set()
    timed = []
    while queue and len(seen) < PAGES_PER_ACCOUNT:
        path, query = queue.popleft()
        pattern = pattern_of(path)
        if pattern is None or pattern in seen:
            continue
        seen.add(pattern)
        url = f"{path}?{query}" if query else path
        response = client.get(url)  # and the warm-up
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                "text/html"):
            continue
        page = Page()
        page.feed(response.content.decode())
        for link in page.links:
            target = followable(urljoin(url, link))
            if target is not None:
                queue.append(target)
        if pattern in timed_already:
            continue
        timed_already.add(pattern)
        timings = []
        for repeat in range(WALK_REPEATS):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                timings.append(time.perf_counter() - started)
            if repeat == 0:
                query_count = len(queries)
        timed.append((url, statistics.median(timings) * 1000, query_count))
        if os.environ.get("BENCH_VERBOSE"):
            progress(f"page_walk: {timed[-1][1]:7.1f} ms {query_count:3d} queries  {url}")
    return timed


def page_walk():
    started = time.perf_counter()
    pages = []  # (ms, account, url, queries)
    timed_already = set()
    for username in ACCOUNTS:
        timed = walk(username, timed_already)
        progress(f"page_walk: {username}, {len(timed)} pages")
        for url, ms, queries in timed:
            pages.append((ms, username, url, queries))
    pages.sort(reverse=True)
    for ms, username, url, queries in pages:
        progress(f"page_walk: {ms:7.1f} ms {queries:3d} queries  {username:13s} {url}")
    for rank, (ms, username, url, _queries) in enumerate(pages[:SLOWEST_SHOWN], start=1):
        name = f"page_slowest_{rank}_{username.replace('-', '_')}_{page_name(url.split('?')[0])}"
        yield name, f"{ms:.1f}", "ms"
    yield "pages_walked", len(pages), "pages"
    yield f"pages_over_{PAGE_BUDGET_MS}_ms", sum(ms > PAGE_BUDGET_MS for ms, *_ in pages), "pages"
    yield "page_walk_seconds", f"{time.perf_counter() - started:.1f}", "s"


EDITOR_LOADS = 3


def wagtail_editor_load():
    """The prefecture's emergency plan opened in Wagtail's page editor by its coordinator,
    in headless Chromium against a server in this process (DEBUG, static files served by
    Django): navigation start to the load event, from the browser's Performance API. The
    first load fills the browser's cache; the figure is the median of the EDITOR_LOADS
    after it, an editor's usual load. Skipped without Chromium (CHROMIUM_PATH)."""
    import shutil

    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    from cms.models import EmergencyPlanPage

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not shutil.which(chromium):
        progress(f"wagtail_editor_load: skipped, no Chromium at {chromium}")
        return
    from playwright.sync_api import sync_playwright

    plan = EmergencyPlanPage.objects.get(organisation__lg_code="430005")
    session = client_for("coordinator").cookies[settings.SESSION_COOKIE_NAME].value
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            context = browser.new_context(locale="ja-JP")
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                  "url": base}])
            page = context.new_page()
            loads = []
            for _ in range(EDITOR_LOADS + 1):
                response = page.goto(f"{base}/admin/pages/{plan.pk}/edit/", wait_until="load")
                if response.status != 200 or page.locator("#id_title").count() != 1:
                    raise SystemExit(f"the plan editor answered {response.status}")
                # The server's part (request to first byte), the document's parsing and
                # scripts (to DOMContentLoaded), and the whole load.
                first_byte, ready, load, resources = page.evaluate("""() => {
                    const [entry] = performance.getEntriesByType("navigation");
                    return [entry.responseStart - entry.requestStart,
                            entry.domContentLoadedEventEnd - entry.startTime,
                            entry.loadEventEnd - entry.startTime,
                            performance.getEntriesByType("resource").length];
                }""")
                loads.append(load)
                progress(f"wagtail_editor_load: {load:.0f} ms (server {first_byte:.0f} ms, "
                         f"DOMContentLoaded {ready:.0f} ms, {resources} resources)")
            browser.close()
    finally:
        server.terminate()
    yield "wagtail_editor_first_load_ms", f"{loads[0]:.0f}", "ms"
    yield "wagtail_editor_load_ms", f"{statistics.median(loads[1:]):.0f}", "ms"


MEASUREMENTS = [page_walk, wagtail_editor_load]
