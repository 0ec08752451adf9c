"""Wagtail admin screens for people and requirements (registered in wagtail_hooks).

Saving a staff profile, a requirement or a module set brings the affected assignments up
to date in the same transaction, through training.services."""

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from . import services
from .models import ModuleSet, Requirement, Role, StaffProfile, Unit


class RoleViewSet(SnippetViewSet):
    model = Role
    icon = "group"
    menu_label = _("Roles")
    list_display = ["name"]
    search_fields = ["name"]
    panels = [FieldPanel("name")]


class UnitViewSet(SnippetViewSet):
    model = Unit
    icon = "home"
    menu_label = _("Units")
    list_display = ["name"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("managers")]


def _sync_after_save(view_class, scope: str):
    """A create or edit view that brings assignments up to date after the save (inside the
    view's transaction, so a failure leaves neither changed)."""

    class SyncingView(view_class):
        def save_instance(self):
            instance = super().save_instance()
            if scope == "staff":
                services.assignments_sync(
                    user_ids=[instance.user_id],
                    actor=self.request.user,
                    joined_on=timezone.localdate(),
                    reason=gettext("Staff record changed"),
                )
            else:
                ids = (
                    [instance.pk]
                    if scope == "requirement"
                    else list(instance.requirements.values_list("pk", flat=True))
                )
                services.assignments_sync(
                    requirement_ids=ids,
                    actor=self.request.user,
                    reason=gettext("%(thing)s changed")
                    % {"thing": capfirst(instance._meta.verbose_name)},
                )
            return instance

    SyncingView.__name__ = f"Syncing{view_class.__name__}"
    return SyncingView


class StaffProfileViewSet(SnippetViewSet):
    model = StaffProfile
    icon = "user"
    menu_label = _("Staff")
    list_display = ["__str__", "role", "unit", "start_date", BooleanColumn("active")]
    list_filter = ["role", "unit", "active"]
    search_fields = ["employee_id"]
    add_view_class = _sync_after_save(CreateView, "staff")
    edit_view_class = _sync_after_save(EditView, "staff")
    panels = [
        FieldPanel("user"),
        FieldPanel("employee_id"),
        MultiFieldPanel([FieldPanel("role"), FieldPanel("unit")], heading=_("Post")),
        FieldPanel("start_date"),
        FieldPanel("active"),
    ]


class RequirementForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("roles") and not cleaned.get("units"):
            raise forms.ValidationError(
                gettext("Choose the audience: at least one role or one unit (or both).")
            )
        return cleaned


class RequirementViewSet(SnippetViewSet):
    model = Requirement
    icon = "tasks"
    menu_label = _("Requirements")
    list_display = ["__str__", "describe_schedule", "grace_days", BooleanColumn("active")]
    list_filter = ["frequency", "active"]
    add_view_class = _sync_after_save(CreateView, "requirement")
    edit_view_class = _sync_after_save(EditView, "requirement")
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            MultiFieldPanel(
                [FieldPanel("module"), FieldPanel("module_set")], heading=_("What to complete")
            ),
            MultiFieldPanel(
                [FieldPanel("roles"), FieldPanel("units")],
                heading=_("Who must complete it"),
                help_text=_(
                    "Everyone whose role and unit match. Leave one of the two empty to mean 'any'."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("frequency"),
                    FieldRowPanel([FieldPanel("due_basis"), FieldPanel("due_days")]),
                    FieldPanel("interval_months"),
                    FieldRowPanel([FieldPanel("annual_month"), FieldPanel("annual_day")]),
                    FieldPanel("grace_days"),
                ],
                heading=_("When"),
            ),
            FieldPanel("effective_from"),
            FieldPanel("active"),
        ],
        base_form_class=RequirementForm,
    )


class ModuleSetViewSet(SnippetViewSet):
    model = ModuleSet
    icon = "folder-open-1"
    menu_label = _("Module sets")
    list_display = ["name"]
    search_fields = ["name"]
    add_view_class = _sync_after_save(CreateView, "module_set")
    edit_view_class = _sync_after_save(EditView, "module_set")
    panels = [FieldPanel("name"), FieldPanel("modules", widget=forms.CheckboxSelectMultiple)]


class TrainingViewSetGroup(SnippetViewSetGroup):
    items = (StaffProfileViewSet, RoleViewSet, UnitViewSet, RequirementViewSet, ModuleSetViewSet)
    menu_icon = "group"
    menu_label = _("Training")
    menu_name = "training"
