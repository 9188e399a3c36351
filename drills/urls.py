"""Each area's views module lists its own URL patterns; this joins them."""

from drills.views import consoles, hotwash, improvements, programme, reports, scores, trends

app_name = "drills"

urlpatterns = (
    consoles.urlpatterns + scores.urlpatterns + hotwash.urlpatterns + reports.urlpatterns
    + improvements.urlpatterns + trends.urlpatterns + programme.urlpatterns
)
