from django.urls import path

from . import urls_evidence, views, views_assignments, views_compliance

app_name = "reports"

urlpatterns = [
    path("", views.reports_index, name="index"),
    path("units/<int:unit_id>/", views.report_unit, name="unit"),
    path("units/<int:unit_id>/export.csv", views.report_unit_csv, name="unit_csv"),
    path("assignments/<int:pk>/", views_assignments.assignment_manage, name="assignment"),
    path(
        "units/<int:unit_id>/compliance/",
        views_compliance.unit_compliance,
        name="unit_compliance",
    ),
]

urlpatterns += urls_evidence.urlpatterns
