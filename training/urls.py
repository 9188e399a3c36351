"""Each area's views module lists its own URL patterns; this joins them."""

from training.views import certificates, quizzes, reading, sessions, sharing

app_name = "training"

urlpatterns = (
    reading.urlpatterns + sessions.urlpatterns + quizzes.urlpatterns + certificates.urlpatterns
    + sharing.urlpatterns
)
