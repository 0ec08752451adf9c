"""Wagtail admin screens for people and requirements (registered in wagtail_hooks)."""

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import ModuleRequirement, Role, StaffProfile, Unit


class RoleViewSet(SnippetViewSet):
    model = Role
    icon = "group"
    menu_label = "Roles"
    list_display = ["name"]
    search_fields = ["name"]
    panels = [FieldPanel("name")]


class UnitViewSet(SnippetViewSet):
    model = Unit
    icon = "home"
    menu_label = "Units"
    list_display = ["name"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("managers")]


class StaffProfileViewSet(SnippetViewSet):
    model = StaffProfile
    icon = "user"
    menu_label = "Staff"
    list_display = ["__str__", "role", "unit", "start_date", BooleanColumn("active")]
    list_filter = ["role", "unit", "active"]
    search_fields = ["employee_id"]
    panels = [
        FieldPanel("user"),
        FieldPanel("employee_id"),
        MultiFieldPanel([FieldPanel("role"), FieldPanel("unit")], heading="Post"),
        FieldPanel("start_date"),
        FieldPanel("active"),
    ]


class ModuleRequirementViewSet(SnippetViewSet):
    model = ModuleRequirement
    icon = "tasks"
    menu_label = "Requirements"
    list_display = ["module", "due_days", "effective_from"]
    panels = [
        FieldPanel("module"),
        FieldPanel("roles"),
        FieldPanel("units"),
        FieldPanel("due_days"),
        FieldPanel("effective_from"),
    ]


class TrainingViewSetGroup(SnippetViewSetGroup):
    items = (StaffProfileViewSet, RoleViewSet, UnitViewSet, ModuleRequirementViewSet)
    menu_icon = "group"
    menu_label = "Training"
    menu_name = "training"
