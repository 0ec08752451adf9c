"""A manager's page for one person's assignment: status, dates, history; exempt or extend.

Managers of the person's unit and admins may act; education leads may look. Anyone else:
another unit's manager gets 404 (the id is not theirs to probe), staff and educators 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import ExemptForm, ExtendForm, UnexemptForm
from .views import _require_reports

ACTIONS = {
    "exempt": (ExemptForm, services.assignment_exempt, gettext_lazy("Exemption recorded.")),
    "unexempt": (
        UnexemptForm,
        services.assignment_unexempt,
        gettext_lazy("Exemption withdrawn."),
    ),
    "extend": (ExtendForm, services.assignment_extend, gettext_lazy("Due date extended.")),
}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_manage(request, pk: int):
    _require_reports(request)
    detail = selectors.assignment_detail(
        assignment_id=pk, viewer=request.user, today=timezone.localdate()
    )
    if detail is None:
        raise Http404(_("No such assignment among the staff you may see."))
    forms = {name: spec[0](prefix=name) for name, spec in ACTIONS.items()}
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ACTIONS:
            messages.error(
                request, _("Choose what to do: exempt, withdraw an exemption, or extend.")
            )
            return redirect("reports:assignment", pk=pk)
        if not detail.can_manage:
            raise PermissionDenied(
                _("Only a manager of this person's unit or an admin can do this.")
            )
        form_class, service, done = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                service(assignment_id=pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, done)
                return redirect("reports:assignment", pk=pk)
        detail = selectors.assignment_detail(
            assignment_id=pk, viewer=request.user, today=timezone.localdate()
        )
    return render(
        request,
        "training/reports/assignment.html",
        {"detail": detail, "forms": forms},
        status=400 if request.method == "POST" else 200,
    )
