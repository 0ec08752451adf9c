"""Certificates in the Wagtail admin (registered in wagtail_hooks): a listing of every issued
certificate, an inspect page with its frozen wording and its history, and the Revoke and
Re-issue forms.

For superusers and anyone granted certificates.revoke_certificate. Nobody adds, edits or
deletes a certificate here: the forms call certificates.services, which validate the reason,
write in one transaction and keep the history (acting user and reason).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BaseDjangoAuthPermissionPolicy
from wagtail.permissions import policy_registry

from training import access

from . import rendering, services
from .models import Certificate, normalise_code

REVOKE = "revoke"  # the policy's action; the permission is certificates.revoke_certificate


class CertificatePermissionPolicy(BaseDjangoAuthPermissionPolicy):
    """Superusers and holders of certificates.revoke_certificate may list and inspect
    certificates, revoke and re-issue them. No one adds, edits or deletes one in the admin."""

    actions = {"view", REVOKE}

    def user_has_permission(self, user, action):
        return (
            action in self.actions
            and user.is_active
            and user.has_perm(self._get_permission_name(REVOKE))
        )

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return self.auth_model._default_manager.none()
        return self._get_users_with_any_permission_codenames(
            [self._get_permission_codename(REVOKE)]
        )


class CertificateAdminURLFinder(ModelAdminURLFinder):
    """Where the admin links a certificate to: its inspect page (there is no edit view)."""

    edit_url_name = "certificate_admin:inspect"

    def get_edit_url(self, instance):
        policy = policy_registry.get_by_type(Certificate)
        if self.user and not policy.user_has_permission(self.user, "view"):
            return None
        return self.construct_edit_url(instance)


# --- listing ----------------------------------------------------------------------------------


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Certificate.Status.choices,
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_status",
    )

    class Meta:
        model = Certificate
        fields = []

    def filter_status(self, queryset, name, value):
        """Certificate.status_on's rule, for today in the hospital's time zone."""
        return queryset.filter(Certificate.status_q(value, timezone.localdate()))


class StatusColumn(Column):
    cell_template_name = "certificates/admin/status_cell.html"


class CodeColumn(Column):
    cell_template_name = "certificates/admin/code_cell.html"


class DayColumn(Column):
    """A date as the hospital writes it (5 Dec 2026); empty when there is none."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return formats.date_format(value, "j M Y") if value else self.empty_value_display


class CertificateIndexView(IndexView):
    """Newest first; search by the code as printed (any case, dashes or spaces), the learner's
    name or the module's title; filter by status. Rows come from the certificate table alone
    (its wording is frozen on it), so the page costs the same queries whatever the data."""

    page_title = _("Certificates")
    search_fields = ["learner_name", "module_title", "code"]
    search_backend_name = None
    filterset_class = CertificateFilterSet
    default_ordering = "-issued_at"
    revoke_url_name = None
    reissue_url_name = None

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query.strip()
        condition = Q(learner_name__icontains=query) | Q(module_title__icontains=query)
        code = normalise_code(query)
        if len(code) >= 4:
            condition |= Q(code__contains=code)
        return queryset.filter(condition)

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.revoked_at and self.user_has_permission(REVOKE):
            buttons += [
                Button(
                    _("Re-issue"),
                    url=reverse(self.reissue_url_name, args=[instance.pk]),
                    icon_name="repeat",
                    priority=30,
                ),
                Button(
                    _("Revoke"),
                    url=reverse(self.revoke_url_name, args=[instance.pk]),
                    icon_name="cross",
                    priority=40,
                ),
            ]
        return buttons


# --- inspect ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    at: datetime.datetime
    user: str
    action: str
    reason: str
    changes: list[str]


# What a change to the certificate's wording or state looks like in its history.
HISTORY_FIELDS = [
    ("learner_name", _("Name")),
    ("module_title", _("Module")),
    ("module_revision", _("Module revision")),
    ("completed_on", _("Completed on")),
    ("expires_on", _("Valid until")),
    ("ce_hours", _("CE hours")),
    ("organisation_name", _("Organisation")),
    ("signatory_name", _("Signatory")),
    ("signatory_title", _("Signatory's title")),
    ("ce_statement", _("CE statement")),
    ("paper_size", _("Paper size")),
    ("logo_file", _("Logo")),
    ("signature_file", _("Signature")),
]

# The actions the services write into the history ("Revoked: <reason>") are stored in English,
# so the record reads the same whatever language was active; they are translated when shown.
HISTORY_ACTIONS = {
    "Issued": _("Issued"),
    "Revoked": _("Revoked"),
    "Re-issued": _("Re-issued"),
    "Built by the background task": _("Built by the background task"),
    "Created": _("Created"),
    "Deleted": _("Deleted"),
    "Changed": _("Changed"),
}


def _person(user) -> str:
    if user is None:
        return str(_("System"))
    return user.get_full_name() or user.get_username()


def certificate_history(certificate: Certificate) -> list[HistoryRow]:
    """Every recorded change, newest first, with who made it, the action and reason the
    services wrote ("Revoked: <reason>"), and what the wording changed from and to. One query."""
    records = list(
        certificate.history.select_related("history_user").order_by("history_date", "history_id")
    )
    rows = []
    previous = None
    for record in records:
        action, _, reason = (record.history_change_reason or "").partition(": ")
        if not action:
            action = {"+": "Created", "-": "Deleted"}.get(record.history_type, "Changed")
        changes = []
        if previous is not None:
            for field, label in HISTORY_FIELDS:
                before, after = getattr(previous, field), getattr(record, field)
                if before != after:
                    changes.append(
                        gettext("%(field)s: %(before)s → %(after)s")
                        % {"field": label, "before": _plain(before), "after": _plain(after)}
                    )
        rows.append(
            HistoryRow(
                at=record.history_date,
                user=_person(record.history_user),
                action=str(HISTORY_ACTIONS.get(action, action)),
                reason=reason,
                changes=changes,
            )
        )
        previous = record
    rows.reverse()
    return rows


def _plain(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j F Y")
    return str(value)


class CertificateInspectView(InspectView):
    """Everything frozen on the certificate, its status, and its history."""

    revoke_url_name = None
    reissue_url_name = None
    labels = {
        "code": _("Verification code"),
        "learner_name": _("Awarded to"),
        "user": _("Account"),
        "module_title": _("Module"),
        "module_revision": _("Module revision"),
        "completed_on": _("Completed on"),
        "expires_on": _("Valid until"),
        "ce_hours": _("CE hours"),
        "organisation_name": _("Organisation"),
        "signatory_name": _("Signatory"),
        "signatory_title": _("Signatory's title"),
        "ce_statement": _("CE statement"),
        "paper_size": _("Paper size"),
        "logo_file": _("Logo (file at issue)"),
        "signature_file": _("Signature (file at issue)"),
        "issued_at": _("Issued"),
        "reissued_at": _("Last re-issued"),
        "revoked_at": _("Revoked"),
        "revocation_reason": _("Reason for revocation"),
        "pdf": _("PDF"),
    }

    def setup(self, request, *args, **kwargs):
        # The object is read after the permission check (in get), so that someone without
        # the permission learns nothing about which ids exist.
        super(InspectView, self).setup(request, *args, **kwargs)
        self.pk = self.kwargs[self.pk_url_kwarg]
        self.fields = self.get_fields()

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return get_object_or_404(Certificate.objects.select_related("user"), pk=self.pk)

    def get_page_subtitle(self):
        return f"{self.object.learner_name} · {self.object.display_code}"

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if field_name == "expires_on" and value is None:
            return gettext("Does not expire")
        return _plain(value)

    def get_code_display_value(self):
        return self.object.display_code

    def get_user_display_value(self):
        user = self.object.user
        return f"{_person(user)} ({user.get_username()})"

    def get_ce_hours_display_value(self):
        return formats.number_format(self.object.ce_hours.normalize())

    def get_pdf_display_value(self):
        return gettext("Stored") if self.object.pdf else gettext("Not rendered yet")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.object
        may_act = not certificate.revoked_at and self.user_has_permission(REVOKE)
        context.update(
            {
                "certificate": certificate,
                "status": certificate.status,
                "history": certificate_history(certificate),
                "revoke_url": reverse(self.revoke_url_name, args=[certificate.pk])
                if may_act
                else None,
                "reissue_url": reverse(self.reissue_url_name, args=[certificate.pk])
                if may_act
                else None,
                "pdf_url": reverse("certificates:pdf", args=[certificate.pk])
                if access.can_view_learner_records(self.request.user, certificate.user_id)
                else None,
                "verify_url": reverse("verify:detail", args=[certificate.code]),
            }
        )
        return context


# --- revoke and re-issue ----------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = help_text


class CertificateActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A reason, then the service. Bad input (no reason, a certificate already revoked)
    is answered on the same page with the message and changes nothing."""

    model = Certificate
    permission_required = REVOKE
    template_name = "certificates/admin/action.html"
    form_class = ReasonForm
    header_icon = "doc-full"
    index_url_name = None
    inspect_url_name = None
    # Set by each action:
    page_title = ""
    verb = ""  # "revoked", "re-issued": which refusal the template explains
    refused_message = ""
    button_label = ""
    help_text = ""
    explanation = ""
    button_class = "button"

    @cached_property
    def object(self) -> Certificate:
        return get_object_or_404(Certificate, pk=self.kwargs["pk"])

    def perform(self, reason: str) -> Certificate:
        raise NotImplementedError

    def success_message(self, certificate: Certificate) -> str:
        raise NotImplementedError

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "help_text": self.help_text}

    def get_page_subtitle(self):
        return f"{self.object.learner_name} · {self.object.display_code}"

    def inspect_url(self) -> str:
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": gettext("Certificates")},
            {"url": self.inspect_url(), "label": str(self.object.display_code)},
            {"url": "", "label": self.page_title, "sublabel": self.object.learner_name},
        ]

    def form_valid(self, form):
        try:
            certificate = self.perform(form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except (rendering.RenderTimeout, rendering.RenderTooLarge) as error:
            # Re-issue renders the new PDF in the same transaction: nothing was saved.
            form.add_error(
                None,
                gettext("The new PDF could not be rendered (%(error)s). Try again.")
                % {"error": error},
            )
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(certificate))
        return redirect(self.inspect_url())

    def form_invalid(self, form):
        messages.error(self.request, self.refused_message)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.object.refresh_from_db()  # after a refused action, show it as it now stands
        context.update(
            {
                "certificate": self.object,
                "inspect_url": self.inspect_url(),
                "action_url": self.request.path,
                "verb": self.verb,
                "button_label": self.button_label,
                "button_class": self.button_class,
                "explanation": self.explanation,
            }
        )
        return context


class CertificateRevokeView(CertificateActionView):
    page_title = _("Revoke certificate")
    verb = "revoked"
    refused_message = _("The certificate was not revoked; nothing changed.")
    button_label = _("Revoke certificate")
    button_class = "button serious"
    help_text = _(
        "Kept in the certificate's history with your name. The verification page says "
        "“Revoked” with the date; it never shows the reason."
    )
    explanation = _(
        "From now on the certificate verifies as revoked, and the learner, their managers "
        "and the reports show it as revoked. This cannot be undone, and a revoked "
        "certificate cannot be re-issued."
    )

    def perform(self, reason):
        return services.certificate_revoke(
            certificate_id=self.object.pk, actor=self.request.user, reason=reason
        )

    def success_message(self, certificate):
        return gettext(
            "Certificate %(code)s (%(name)s) revoked. It verifies as revoked from now on."
        ) % {"code": certificate.display_code, "name": certificate.learner_name}


class CertificateReissueView(CertificateActionView):
    page_title = _("Re-issue certificate")
    verb = "re-issued"
    refused_message = _("The certificate was not re-issued; nothing changed.")
    button_label = _("Re-issue certificate")
    help_text = _("For example: name corrected by HR. Kept in the history with your name.")
    explanation = _(
        "The learner's name as it is now, the module's title and the organisation's settings "
        "are copied afresh and a new PDF is rendered under the same verification code. The "
        "earlier wording stays in the history."
    )

    def perform(self, reason):
        return services.certificate_reissue(
            certificate_id=self.object.pk, actor=self.request.user, reason=reason
        )

    def success_message(self, certificate):
        return gettext(
            "Certificate %(code)s re-issued to %(name)s under the same code, with a new PDF."
        ) % {"code": certificate.display_code, "name": certificate.learner_name}


# --- the viewset --------------------------------------------------------------------------------


class CertificateViewSet(ModelViewSet):
    model = Certificate
    name = "certificate_admin"
    url_prefix = "certificates"
    icon = "doc-full"
    menu_label = _("Certificates")
    menu_order = 8999  # after Training
    add_to_admin_menu = True
    add_to_reference_index = False
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_template_name = "certificates/admin/inspect.html"
    list_per_page = 25
    list_display = [
        "learner_name",
        StatusColumn("status", label=_("Status")),
        "module_title",
        CodeColumn("code", label=_("Code"), accessor="display_code"),
        DayColumn("completed_on", label=_("Completed"), sort_key="completed_on"),
        DayColumn("expires_on", label=_("Valid until"), sort_key="expires_on"),
        DateColumn("issued_at", label=_("Issued"), sort_key="issued_at"),
    ]
    inspect_view_fields = [
        "code",
        "learner_name",
        "user",
        "module_title",
        "module_revision",
        "completed_on",
        "expires_on",
        "ce_hours",
        "organisation_name",
        "signatory_name",
        "signatory_title",
        "ce_statement",
        "paper_size",
        "logo_file",
        "signature_file",
        "issued_at",
        "reissued_at",
        "revoked_at",
        "revocation_reason",
        "pdf",
    ]
    # The add and edit views exist in every ModelViewSet but have no URL here and the policy
    # refuses them; an empty form keeps Wagtail from building one over the fields.
    form_fields = []

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                "inspect_url_name": self.get_url_name("inspect"),
                "revoke_url_name": self.get_url_name("revoke"),
                "reissue_url_name": self.get_url_name("reissue"),
                **kwargs,
            }
        )

    @property
    def revoke_view(self):
        return self.construct_view(CertificateRevokeView)

    @property
    def reissue_view(self):
        return self.construct_view(CertificateReissueView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
            path("<int:pk>/reissue/", self.reissue_view, name="reissue"),
        ]

    url_finder_class = CertificateAdminURLFinder

    def get_permissions_to_register(self):
        # What groups can be given: revoke (and re-issue), which includes seeing the listing.
        return Permission.objects.filter(
            content_type__app_label="certificates", codename="revoke_certificate"
        )
