"""The fiscal year's pages: each area's views module lists its own URL patterns."""

from reports import annual_views, person_record_views

app_name = "reports"

urlpatterns = [
    *person_record_views.urlpatterns,
    *annual_views.urlpatterns,
]
