"""The HR import page in the Wagtail admin (registered in wagtail_hooks).

Upload a CSV file → see the dry-run plan (or every problem, by line and column) → "Confirm
import" writes exactly what was shown. The uploaded bytes wait in the session between the
two steps under a one-time token, so the confirmation cannot pick up a different file; if
staff records changed in between, nothing is written and the new plan is shown instead.
"""

from __future__ import annotations

import base64
import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .staff_import import MAX_FILE_BYTES, StaffImportError, StaleImportPlan

IMPORT_STAFF = "training.import_staff"
SESSION_KEY = "training_staff_import"


def can_import_staff(user) -> bool:
    """Superusers, and users given training.import_staff (directly or by a group)."""
    return user.is_authenticated and user.has_perm(IMPORT_STAFF)


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("HR file (CSV)"),
        help_text=_(
            "A CSV export with the columns employee_id, first_name, last_name, email, role, "
            "unit, start_date and, if you like, active and manager_of. Commas or semicolons; "
            "UTF-8, as Excel's “CSV UTF-8” saves it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    deactivate_missing = forms.BooleanField(
        required=False,
        label=_("Deactivate active staff who are not in the file"),
        help_text=_(
            "Only for a complete list of staff. Deactivated staff leave the reports and "
            "stop managing units; their records stay."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(gettext("The file is larger than 5 MB; split it in two."))
        return upload


class StaffImportAccessMixin:
    """Wagtail's admin check comes first (register_admin_urls wraps the views); then the
    permission. A refusal is Wagtail's: back to the dashboard with a message."""

    def dispatch(self, request, *args, **kwargs):
        if not can_import_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StaffImportBase(StaffImportAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Import staff")
    header_icon = "upload"
    index_url = reverse_lazy("training_staff_import:index")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def show_form(self, form=None, problems=()):
        self.template_name = "training/admin/staff_import.html"
        return self.render_to_response(
            self.get_context_data(form=form or StaffImportForm(), problems=problems)
        )

    def show_plan(self, plan, pending, *, stale=False):
        self.template_name = "training/admin/staff_import_plan.html"
        return self.render_to_response(
            self.get_context_data(
                plan=plan,
                file_name=pending["name"],
                token=pending["token"],
                stale=stale,
                confirm_url=reverse("training_staff_import:confirm"),
            )
        )


class StaffImportView(StaffImportBase):
    """Step 1: the upload form; posting it shows the dry run."""

    def get(self, request, *args, **kwargs):
        request.session.pop(SESSION_KEY, None)
        return self.show_form()

    def post(self, request, *args, **kwargs):
        form = StaffImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show_form(form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        deactivate_missing = form.cleaned_data["deactivate_missing"]
        try:
            plan = services.staff_import(
                rows_or_file=data,
                commit=False,
                deactivate_missing=deactivate_missing,
                actor=request.user,
            )
        except StaffImportError as exc:
            request.session.pop(SESSION_KEY, None)
            return self.show_form(form, exc.problems)
        pending = {
            "token": secrets.token_urlsafe(16),
            "name": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
            "deactivate_missing": deactivate_missing,
            "fingerprint": plan.fingerprint,
        }
        request.session[SESSION_KEY] = pending
        return self.show_plan(plan, pending)


class StaffImportConfirmView(StaffImportBase):
    """Step 2: commit the file that was previewed (POST only)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        pending = request.session.get(SESSION_KEY)
        if not pending or not secrets.compare_digest(
            pending["token"], request.POST.get("token", "")
        ):
            messages.error(
                request,
                gettext(
                    "This preview is no longer current (it was imported, replaced by another "
                    "upload, or your session ended). Please upload the file again."
                ),
            )
            return redirect(self.index_url)
        try:
            plan = services.staff_import(
                rows_or_file=base64.b64decode(pending["data"]),
                commit=True,
                deactivate_missing=pending["deactivate_missing"],
                actor=request.user,
                expected_fingerprint=pending["fingerprint"],
            )
        except StaleImportPlan as exc:
            pending["fingerprint"] = exc.plan.fingerprint
            request.session[SESSION_KEY] = pending
            return self.show_plan(exc.plan, pending, stale=True)
        except StaffImportError as exc:
            request.session.pop(SESSION_KEY, None)
            return self.show_form(problems=exc.problems)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.index_url)
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request,
            gettext("Staff imported from %(file)s: %(summary)s.")
            % {"file": pending["name"], "summary": plan.summary()},
        )
        return redirect(self.index_url)
