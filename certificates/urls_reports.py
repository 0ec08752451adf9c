"""Competency-report PDFs, under /reports/ beside training's report pages."""

from django.urls import path

from . import views_reports

app_name = "competency_reports"

urlpatterns = [
    path("units/<int:unit_id>/report.pdf", views_reports.report_request, name="request"),
    path("documents/<int:pk>/", views_reports.report_detail, name="detail"),
    path("documents/<int:pk>/download/", views_reports.report_download, name="download"),
]
