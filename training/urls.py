from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="mine"),
    path("reading/<int:page_id>/", views.reading, name="reading"),
    path("departments/<int:pk>/reading/", views.department_reading, name="department_reading"),
]
