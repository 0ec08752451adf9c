from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from .admin_reports import ItemAnalysisIndexView, ItemAnalysisView, can_view_item_analysis
from .admin_staff_import import StaffImportConfirmView, StaffImportView, can_import_staff
from .viewsets import TrainingViewSetGroup

register_snippet(TrainingViewSetGroup)


item_analysis_urls = [
    path("", ItemAnalysisIndexView.as_view(), name="index"),
    path("results/", ItemAnalysisIndexView.as_view(results_only=True), name="index_results"),
    path("<int:module_id>/", ItemAnalysisView.as_view(), name="module"),
    path(
        "<int:module_id>/results/",
        ItemAnalysisView.as_view(results_only=True),
        name="module_results",
    ),
]


@hooks.register("register_admin_urls")
def register_item_analysis_urls():
    return [
        path(
            "reports/item-analysis/",
            include((item_analysis_urls, "training_item_analysis")),
        )
    ]


class ItemAnalysisMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_item_analysis(request.user)


@hooks.register("register_reports_menu_item")
def register_item_analysis_menu_item():
    return ItemAnalysisMenuItem(
        _("Item analysis"),
        reverse("training_item_analysis:index"),
        name="item-analysis",
        icon_name="list-ol",
        order=1300,
    )


staff_import_urls = [
    path("", StaffImportView.as_view(), name="index"),
    path("confirm/", StaffImportConfirmView.as_view(), name="confirm"),
]


@hooks.register("register_admin_urls")
def register_staff_import_urls():
    return [path("staff-import/", include((staff_import_urls, "training_staff_import")))]


class StaffImportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_import_staff(request.user)


@hooks.register("register_settings_menu_item")
def register_staff_import_menu_item():
    return StaffImportMenuItem(
        _("Import staff (HR)"),
        reverse("training_staff_import:index"),
        name="staff-import",
        icon_name="upload",
        order=700,
    )


# Reminder send log (read-only, superusers only). The permission policy is registered
# before the viewset so that Wagtail never falls back to the model permissions.
from wagtail.permissions import register_permission_policy  # noqa: E402

from .admin_reminder_log import ReminderLogViewSet, SuperuserViewOnlyPolicy  # noqa: E402
from .models import ReminderLog  # noqa: E402

register_permission_policy(ReminderLog, SuperuserViewOnlyPolicy(ReminderLog))


@hooks.register("register_admin_viewset")
def register_reminder_log_viewset():
    return ReminderLogViewSet("reminder_log")


# --- Learning evidence (Reports → Learning evidence; education leads and admins) -------------
# The report lives in training/admin_evidence.py and shares its rows and export columns with
# the /reports/evidence/ pages (training/evidence.py).
from .access import can_view_all_units  # noqa: E402
from .admin_evidence import LearningEvidenceView  # noqa: E402

evidence_urls = [
    path("", LearningEvidenceView.as_view(), name="index"),
    path("results/", LearningEvidenceView.as_view(results_only=True), name="results"),
]


@hooks.register("register_admin_urls")
def register_evidence_urls():
    return [path("reports/learning-evidence/", include((evidence_urls, "training_evidence")))]


class LearningEvidenceMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_all_units(request.user)


@hooks.register("register_reports_menu_item")
def register_evidence_menu_item():
    return LearningEvidenceMenuItem(
        _("Learning evidence"),
        reverse("training_evidence:index"),
        name="learning-evidence",
        icon_name="doc-full",
        order=1310,
    )


# --- end Learning evidence ---------------------------------------------------------------------


# --- Compliance (Reports → Compliance; education leads and admins) ----------------------------
# The views live in training/admin_compliance.py and list the same tables the /reports/ pages
# export (training/report_tables.py).
from .admin_compliance import ComplianceUnitsView, ComplianceUnitView  # noqa: E402

compliance_urls = [
    path("", ComplianceUnitsView.as_view(), name="index"),
    path("results/", ComplianceUnitsView.as_view(results_only=True), name="index_results"),
    path("<int:unit_id>/", ComplianceUnitView.as_view(), name="unit"),
    path(
        "<int:unit_id>/results/",
        ComplianceUnitView.as_view(results_only=True),
        name="unit_results",
    ),
]


@hooks.register("register_admin_urls")
def register_compliance_urls():
    return [path("reports/compliance/", include((compliance_urls, "training_compliance")))]


class ComplianceMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_all_units(request.user)


@hooks.register("register_reports_menu_item")
def register_compliance_menu_item():
    return ComplianceMenuItem(
        _("Compliance"),
        reverse("training_compliance:index"),
        name="compliance",
        icon_name="tasks",
        order=1290,
    )
