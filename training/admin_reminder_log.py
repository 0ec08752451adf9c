"""The reminder send log in the Wagtail admin: a read-only listing for admins (superusers).

Registered in wagtail_hooks under Settings. Rows are written only by
training.services.reminders; nobody adds, edits or deletes them here.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from .models import ReminderLog


class SuperuserViewOnlyPolicy(BasePermissionPolicy):
    """Active superusers may view; no one may add, change or delete (not even them)."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


class ReminderLogViewSet(ModelViewSet):
    model = ReminderLog
    icon = "mail"
    menu_label = _("Reminder log")
    menu_order = 800
    url_prefix = "reminder-log"
    add_to_settings_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "__str__",
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        "email",
        "subject",
        DateColumn("sent_at", label=_("Sent")),
        Column("error", label=_("Error")),
    ]
    list_filter = ["kind"]
    search_fields = ["email", "subject", "key"]
    search_backend_name = None
    # The add and edit views exist in every ModelViewSet but the policy refuses them;
    # an empty form keeps Wagtail from building one over the log's fields.
    form_fields = []
    inspect_view_fields = [
        "kind",
        "key",
        "recipient",
        "email",
        "assignment",
        "subject",
        "sent_at",
        "error",
    ]

    def get_permissions_to_register(self):
        # Nothing for groups to grant: the log is for superusers only.
        return Permission.objects.none()
