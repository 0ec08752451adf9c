from django.urls import path

from . import urls_evidence, views_assignments, views_compliance, views_reports

app_name = "reports"

urlpatterns = [
    path("", views_reports.reports_index, name="index"),
    path("organisation/", views_reports.organisation, name="organisation"),
    path("units/<int:unit_id>/", views_reports.report_unit, name="unit"),
    path("units/<int:unit_id>/export.csv", views_reports.report_unit_csv, name="unit_csv"),
    path("people/<int:user_id>/", views_reports.person_transcript, name="person"),
    path("assignments/<int:pk>/", views_assignments.assignment_manage, name="assignment"),
    path(
        "units/<int:unit_id>/compliance/",
        views_compliance.unit_compliance,
        name="unit_compliance",
    ),
]

urlpatterns += urls_evidence.urlpatterns
