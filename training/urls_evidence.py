"""Evidence-of-learning report URLs, included in the reports namespace by urls_reports."""

from django.urls import path

from . import views_evidence

urlpatterns: list = [
    path("evidence/", views_evidence.evidence_index, name="evidence"),
    path("evidence/modules.<slug:fmt>", views_evidence.evidence_table, name="evidence_table"),
    path("evidence/export/", views_evidence.evidence_export, name="evidence_export"),
    path("evidence/<int:module_id>/", views_evidence.evidence_module, name="evidence_module"),
    path(
        "evidence/<int:module_id>/<slug:table>.<slug:fmt>",
        views_evidence.evidence_module_table,
        name="evidence_module_table",
    ),
]
