"""The fiscal year's pages: each area's views module lists its own URL patterns."""

app_name = "reports"

urlpatterns = []
