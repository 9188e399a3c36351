"""Each area's views module lists its own URL patterns; this joins them."""

from training.views import reading

app_name = "training"

urlpatterns = reading.urlpatterns
