"""Compliance on a past date: a unit's recorded counts, read from the daily snapshots."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import access, snapshots
from .forms import USWDSFormMixin
from .views import _require_reports


class OnDateForm(USWDSFormMixin, forms.Form):
    on = forms.DateField(
        label=_("Compliance on"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD (for example 2025-03-31).")},
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["on"].widget.attrs["max"] = today.isoformat()

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > self.today:
            raise forms.ValidationError(
                gettext(
                    "Choose today (%(today)s) or an earlier date: nothing is recorded for days "
                    "that have not happened yet."
                ),
                params={"today": formats.date_format(self.today, "Y-m-d")},
            )
        return on


@login_required
def unit_compliance(request, unit_id: int):
    """The unit's compliance per requirement as recorded on `?on=` (default today), or on
    the nearest earlier day recorded, labelled with that day."""
    _require_reports(request)
    unit = get_object_or_404(access.reportable_units(request.user), pk=unit_id)
    today = timezone.localdate()
    form = OnDateForm(request.GET if "on" in request.GET else {"on": today}, today=today)
    report = None
    if form.is_valid():
        report = snapshots.unit_compliance_on(unit=unit, on=form.cleaned_data["on"])
    return render(
        request,
        "training/reports/compliance.html",
        {"unit": unit, "form": form, "report": report, "today": today},
    )
