from django.urls import include, path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("modules/<int:module_id>/start/", views.attempt_start, name="attempt_start"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/save/", views.attempt_save, name="attempt_save"),
    path("", include("training.urls_lessons")),
]
