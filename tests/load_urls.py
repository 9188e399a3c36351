"""The load run's URLs (tests/bench_load.py): the site's, and a trivial page to measure
what Django itself costs on this machine, with the site's middleware and session: a
signed-in page with one query and a tiny template. `load_capacity_ratio` compares the
real pages with it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from people.models import Organisation

TRIVIAL = engines["django"].from_string("<!doctype html><title>t</title><p>{{ count }}</p>")


@login_required
def trivial(request):
    return HttpResponse(TRIVIAL.render({"count": Organisation.objects.count()}, request))


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
