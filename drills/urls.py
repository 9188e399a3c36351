"""Each area's views module lists its own URL patterns; this joins them."""

from drills.views import consoles

app_name = "drills"

urlpatterns = list(consoles.urlpatterns)
