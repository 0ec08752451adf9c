from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_index, name="index"),
    path("units/<int:unit_id>/", views.report_unit, name="unit"),
    path("units/<int:unit_id>/export.csv", views.report_unit_csv, name="unit_csv"),
]
