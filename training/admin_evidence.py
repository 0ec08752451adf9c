"""Wagtail admin report: learning evidence (Reports → Learning evidence; registered in
wagtail_hooks).

The same rows as the /reports/evidence/ pages and their downloads, from the same selector
(`evidence.evidence_overview`), with the same export columns (`evidence.COLUMNS`): one
implementation. Filters pick a module and a breakdown (all learners, by role, by unit).
Education leads and admins only (training.view_all_reports).
"""

from __future__ import annotations

import datetime

import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.reports import ReportView

from modules.models import TrainingModulePage

from . import access, evidence
from .admin_reports import HelpColumn
from .models import Attempt
from .spreadsheets import spreadsheet_safe

BREAKDOWNS = [("role", _("By role")), ("unit", _("By unit"))]


class EvidenceAccessMixin:
    """Only users who may read every unit's reports (education leads, admins); Wagtail's
    admin check comes first (the admin URLs need wagtailadmin.access_admin)."""

    # Not a model permission policy: the permission is checked in dispatch.
    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        if not access.can_view_all_units(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _unchanged(queryset, name, value):
    """The filters choose rows of the evidence, not attempts: read in get_filtered_queryset."""
    return queryset


class EvidenceFilterSet(WagtailFilterSet):
    module = django_filters.ModelChoiceFilter(
        label=_("Module"),
        queryset=TrainingModulePage.objects.filter(live=True).order_by("path"),
        empty_label=_("All modules"),
        method=_unchanged,
    )
    breakdown = django_filters.ChoiceFilter(
        label=_("Breakdown"),
        choices=BREAKDOWNS,
        empty_label=_("All learners"),
        method=_unchanged,
    )

    class Meta:
        model = Attempt
        fields = ["module", "breakdown"]


class EvidenceColumn(HelpColumn):
    """A listing column; a blank cell shows a dash, as on the report pages."""

    empty_value_display = "–"


def _scores(row):
    if row.mean_pre == "":
        return ""
    return gettext("%(pre)s%% → %(post)s%%") % {"pre": row.mean_pre, "post": row.mean_post}


def _learners(row):
    if row.suppressed:
        return gettext("Fewer than %(n)d learners") % {"n": evidence.MIN_GROUP}
    return row.learners


def _change(row):
    if row.mean_change == "":
        return ""
    return gettext("%(change)s pts") % {"change": row.mean_change_signed}


class LearningEvidenceView(EvidenceAccessMixin, ReportView):
    """/admin/reports/learning-evidence/: pre-test to quiz change per module, or by role or
    unit. Every text cell of the CSV and XLSX files is neutralised; numbers stay numbers."""

    page_title = _("Learning evidence")
    header_icon = "doc-full"
    index_url_name = "training_evidence:index"
    index_results_url_name = "training_evidence:results"
    results_template_name = "training/reports/includes/evidence_admin_results.html"
    filterset_class = EvidenceFilterSet
    paginate_by = 100
    verbose_name = _("row")
    verbose_name_plural = _("rows")
    columns = [
        TitleColumn(
            "module_title",
            label=_("Module"),
            width="22%",
            get_url=lambda row: reverse("reports:evidence_module", args=[row.module.id]),
        ),
        EvidenceColumn("group", label=_("Group")),
        EvidenceColumn(
            "learners",
            label=_("Learners"),
            accessor=_learners,
            help_text=_("Took the pre-test and then the quiz on the same version."),
        ),
        EvidenceColumn("scores", label=_("Mean pre-test → quiz"), accessor=_scores),
        EvidenceColumn(
            "mean_change",
            label=_("Mean change"),
            accessor=_change,
            help_text=_("Quiz minus pre-test score, percentage points."),
        ),
        EvidenceColumn("ci", label=_("95% CI of change"), accessor="ci_text"),
        EvidenceColumn(
            "effect_size",
            label=_("Effect size dz"),
            help_text=_("Mean change divided by the SD of change."),
        ),
        EvidenceColumn(
            "confidence_change",
            label=_("Confidence change"),
            accessor="confidence_change_signed",
            help_text=_("Mean rating from 1 to 5."),
        ),
    ]
    list_export = evidence.COLUMN_KEYS
    export_headings = evidence.COLUMN_HEADINGS
    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        str: {ReportView.FORMAT_CSV: spreadsheet_safe, ReportView.FORMAT_XLSX: spreadsheet_safe},
    }

    @cached_property
    def choices(self) -> dict:
        if self.filters and self.filters.is_valid():
            return self.filters.form.cleaned_data
        return {}

    def get_filtered_queryset(self):
        module = self.choices.get("module")
        if module is not None:
            data = evidence.module_evidence(module_id=module.pk)
            overview = [data] if data is not None else []
        else:
            overview = evidence.evidence_overview()
        return evidence.breakdown_rows(overview, self.choices.get("breakdown") or "")

    def get_filename(self):
        return f"learning-evidence-{datetime.date.today():%Y-%m-%d}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["min_group"] = evidence.MIN_GROUP
        return context
