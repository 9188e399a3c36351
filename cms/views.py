"""Site search over the published material, the printable plan, and image files."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.static import serve as static_serve
from wagtail.models import Page

from cms.access import get_printable_plan_for
from cms.plan_pdf import render_plan_pdf
from core.text import fold_width

PAGE_SIZE = 20
WORD = re.compile(r"\w+")
MAX_WORDS = 20


@login_required
def search(request):
    """Search live pages; Japanese queries go through cms.search's substring matching."""
    query = request.GET.get("q", "").strip()
    # Only the words are searched: punctuation finds nothing, and some of it (quotes,
    # brackets, "<") is query syntax to SQLite's full-text index, which then fails. The
    # first few words are enough; thousands would nest the query past Python's limit.
    # Widths are folded first, so that a half-width word (ﾊﾟｽﾜｰﾄﾞ) stays one word.
    words = " ".join(WORD.findall(fold_width(query))[:MAX_WORDS])
    results = Page.objects.none()
    if words:
        # depth > 1 leaves out Wagtail's invisible root page.
        results = Page.objects.live().specific().filter(depth__gt=1).search(words)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cms/search.html", {"query": query, "page": page})


@login_required
def plan_pdf(request, page_id):
    """The live plan as a PDF; any logged-in member of staff may print any plan."""
    plan = get_printable_plan_for(request.user, page_id)
    response = HttpResponse(render_plan_pdf(plan), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{plan.organisation.lg_code}.pdf"'
    return response


@login_required
@cache_control(private=True)  # for signed-in staff: no shared cache may keep a copy
def image_file(request, path):
    """An image file (an original or a rendition) for signed-in staff, as pages are.

    Wagtail links images straight to their files under MEDIA_URL, where no view restriction
    applies, so only these two folders are served, and only through here; documents'
    files are never served from MEDIA_URL, only by Wagtail's document view, which checks
    their collection (cms.wagtail_hooks). Images are illustrations: anything naming people
    belongs in a document."""
    return static_serve(request, path, document_root=settings.MEDIA_ROOT)
