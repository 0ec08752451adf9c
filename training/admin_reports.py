"""Wagtail admin reports on how module quizzes perform (registered in wagtail_hooks).

Item analysis: one row per question of a module's quiz, with facility, discrimination, how
often each choice was picked and the pre-test facility beside the quiz facility. Built on
Wagtail's ReportView, which gives the listing, the filters (role, unit, revision) and the
CSV/XLSX export of the same rows. The numbers come from `training.item_analysis`.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Revision

from modules.models import TrainingModulePage

from . import item_analysis
from .models import Attempt, Role, Unit
from .spreadsheets import spreadsheet_safe

VIEW_ITEM_ANALYSIS = "training.view_item_analysis"


def can_view_item_analysis(user) -> bool:
    """Admins, Educators and Education leads (through the permission on their group)."""
    return user.is_authenticated and user.has_perm(VIEW_ITEM_ANALYSIS)


class ItemAnalysisAccessMixin:
    """Only users with training.view_item_analysis; Wagtail's admin check comes first (the
    admin URLs need wagtailadmin.access_admin)."""

    # Not a model permission policy: the permission is checked in dispatch.
    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        if not can_view_item_analysis(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SpreadsheetSafeMixin:
    """CSV cells that a spreadsheet would run as a formula (question text is authored in the
    CMS) are neutralised, as in the other Attune exports. XLSX cells are kept as text by
    Wagtail already."""

    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        str: {ReportView.FORMAT_CSV: spreadsheet_safe},
    }


# --- columns ----------------------------------------------------------------------------------


class HelpColumn(Column):
    """A column whose header carries a short explanation under its label."""

    header_template_name = "training/admin/column_header_help.html"
    empty_value_display = "—"

    def __init__(self, *args, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.help_text = help_text


class TemplateColumn(Column):
    def __init__(self, *args, template_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_template_name = template_name


def _pct(value):
    return "" if value is None else f"{value}%"


def _signed_points(value):
    return "" if value is None else gettext("%(points)+d pts") % {"points": value}


FACILITY_HELP = _(
    "Share of responses with full credit. For partial-credit questions: the mean credit."
)
DISCRIMINATION_HELP = _(
    "Facility in the top 27% of attempts by score minus the bottom 27% (−1.00 to 1.00). "
    "Blank with fewer than 2 attempts."
)


# --- the item analysis of one module ------------------------------------------------------------


class RevisionChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, live_revision_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.live_revision_id = live_revision_id

    def label_from_instance(self, obj):
        when = date_format(timezone.localtime(obj.created_at), "j M Y, H:i")
        label = f"#{obj.pk} · {when}"
        if obj.pk == self.live_revision_id:
            return gettext("%(revision)s (live)") % {"revision": label}
        return label


class RevisionFilter(django_filters.ModelChoiceFilter):
    field_class = RevisionChoiceField


class ItemAnalysisFilterSet(WagtailFilterSet):
    role = django_filters.ModelChoiceFilter(
        label=_("Role"),
        field_name="user__staff_profile__role",
        queryset=Role.objects.all(),
        empty_label=_("All roles"),
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        field_name="user__staff_profile__unit",
        queryset=Unit.objects.all(),
        empty_label=_("All units"),
    )
    revision = RevisionFilter(
        label=_("Revision"),
        field_name="revision",
        queryset=Revision.objects.none(),
        empty_label=_("All revisions"),
    )

    class Meta:
        model = Attempt
        fields = ["role", "unit", "revision"]

    def __init__(self, *args, module: TrainingModulePage, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the revisions that learners' attempts were drawn from, newest first.
        revision = self.filters["revision"]
        revision.queryset = Revision.objects.filter(
            pk__in=Subquery(
                Attempt.objects.filter(module=module)
                .exclude(kind=Attempt.Kind.PRACTICE)
                .values("revision_id")
            )
        ).order_by("-created_at", "-pk")
        revision.extra["live_revision_id"] = module.live_revision_id


class ItemAnalysisView(ItemAnalysisAccessMixin, SpreadsheetSafeMixin, ReportView):
    """/admin/reports/item-analysis/<module id>/: one row per question of the module."""

    page_title = _("Item analysis")
    header_icon = "list-ol"
    results_template_name = "training/admin/item_analysis_results.html"
    filterset_class = ItemAnalysisFilterSet
    paginate_by = 100
    default_ordering = "number"
    verbose_name = _("question")
    verbose_name_plural = _("questions")
    columns = [
        Column("number", label="#", sort_key="number", width="1%"),
        TemplateColumn(
            "prompt", label=_("Question"), template_name="training/admin/question_cell.html"
        ),
        HelpColumn(
            "responses",
            label=_("Responses"),
            sort_key="responses",
            help_text=_("Submitted quiz attempts that drew this question."),
        ),
        HelpColumn(
            "pre_facility",
            label=_("Pre-test facility"),
            sort_key="pre_facility",
            accessor=lambda item: (
                f"{item.pre_facility_percent}% (n={item.pre_responses})"
                if item.pre_responses
                else ""
            ),
            help_text=_("The same measure over submitted pre-tests (n: how many drew it)."),
        ),
        HelpColumn(
            "facility",
            label=_("Quiz facility"),
            sort_key="facility",
            accessor=lambda item: _pct(item.facility_percent),
            help_text=FACILITY_HELP,
        ),
        HelpColumn(
            "gain_points",
            label=_("Gain"),
            sort_key="gain_points",
            accessor=lambda item: _signed_points(item.gain_points),
            help_text=_("Quiz minus pre-test facility, in percentage points."),
        ),
        HelpColumn(
            "discrimination",
            label=_("Discrimination"),
            sort_key="discrimination",
            accessor="discrimination_index",
            help_text=DISCRIMINATION_HELP,
        ),
        TemplateColumn(
            "choices",
            label=_("Choices picked (✓ correct)"),
            template_name="training/admin/choices_cell.html",
        ),
    ]
    list_export = [
        "number",
        "question_id",
        "prompt",
        "scenario_title",
        "skill",
        "kind_label",
        "responses",
        "facility_percent",
        "discrimination_index",
        "upper_responses",
        "lower_responses",
        "choices_summary",
        "pre_responses",
        "pre_facility_percent",
        "gain_points",
    ]
    export_headings = {
        "number": _("Number"),
        "question_id": _("Question ID"),
        "prompt": _("Question"),
        "scenario_title": _("Scenario"),
        "skill": _("Skill"),
        "kind_label": _("Type"),
        "responses": _("Responses"),
        "facility_percent": _("Quiz facility % (partial credit: mean credit)"),
        "discrimination_index": _("Discrimination index (upper 27% − lower 27%)"),
        "upper_responses": _("Upper group responses"),
        "lower_responses": _("Lower group responses"),
        "choices_summary": _("Choices picked (* correct)"),
        "pre_responses": _("Pre-test responses"),
        "pre_facility_percent": _("Pre-test facility %"),
        "gain_points": _("Gain (percentage points)"),
    }

    @cached_property
    def module(self) -> TrainingModulePage:
        return get_object_or_404(TrainingModulePage, pk=self.kwargs["module_id"])

    def get_page_subtitle(self):
        return self.module.title

    def get_index_url(self):
        return reverse("training_item_analysis:module", args=[self.module.pk])

    def get_index_results_url(self):
        return reverse("training_item_analysis:module_results", args=[self.module.pk])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("training_item_analysis:index"), "label": _("Item analysis")},
            {"url": "", "label": self.module.title},
        ]

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "module": self.module}

    def get_filename(self):
        return f"item-analysis-{self.module.slug}-{datetime.date.today():%Y-%m-%d}"

    def get_filtered_queryset(self):
        attempts = self.filter_queryset(item_analysis.analysis_attempts(self.module.pk))
        self.analysis = item_analysis.item_statistics(
            item_analysis.attempt_rows(attempts), pool=self.module.quiz_pool()
        )
        return self.sort_items(self.analysis.items)

    def sort_items(self, items):
        """Order the rows by the chosen column; rows without a value go last."""
        ordering = self.ordering or self.default_ordering
        key = ordering.lstrip("-")
        present = [item for item in items if getattr(item, key) is not None]
        missing = [item for item in items if getattr(item, key) is None]
        present.sort(key=lambda item: (getattr(item, key), item.number))
        if ordering.startswith("-"):
            present.reverse()
        return present + missing

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["analysis"] = self.analysis
        context["module"] = self.module
        return context


# --- the list of modules -------------------------------------------------------------------------


class ModuleTitleColumn(TitleColumn):
    def get_link_url(self, instance, parent_context):
        return reverse("training_item_analysis:module", args=[instance.pk])


class ItemAnalysisIndexView(ItemAnalysisAccessMixin, SpreadsheetSafeMixin, ReportView):
    """/admin/reports/item-analysis/: every module with its numbers of attempts."""

    page_title = _("Item analysis")
    header_icon = "list-ol"
    index_url_name = "training_item_analysis:index"
    index_results_url_name = "training_item_analysis:index_results"
    verbose_name = _("module")
    verbose_name_plural = _("modules")
    columns = [
        ModuleTitleColumn("title", label=_("Module")),
        Column(
            "live",
            label=_("Published"),
            accessor=lambda page: gettext("Yes") if page.live else gettext("No"),
        ),
        Column("quiz_attempts", label=_("Quiz attempts")),
        Column("pretest_attempts", label=_("Pre-tests")),
        DateColumn("last_submitted_at", label=_("Last submitted")),
    ]
    list_export = ["title", "live", "quiz_attempts", "pretest_attempts", "last_submitted_at"]
    export_headings = {
        "title": _("Module"),
        "live": _("Published"),
        "quiz_attempts": _("Quiz attempts"),
        "pretest_attempts": _("Pre-tests"),
        "last_submitted_at": _("Last submitted"),
    }

    def get_queryset(self):
        return item_analysis.modules_with_attempt_counts()

    def get_filename(self):
        return f"item-analysis-modules-{datetime.date.today():%Y-%m-%d}"
