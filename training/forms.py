"""Forms for the manager pages: actions on an assignment, filters on the unit matrix."""

from django import forms
from django.utils.translation import gettext_lazy as _

REASON_HELP = _("Recorded with your name in the assignment's history.")

# The matrix's status filters and sort orders (values from training.reporting), in words
# that can be translated here.
STATUS_FILTER_LABELS = {
    "late": _("Overdue or expired"),
    "overdue": _("Overdue"),
    "expired": _("Expired"),
    "due_soon": _("Due soon"),
    "in_progress": _("In progress"),
    "not_started": _("Not started"),
    "not_compliant": _("Not compliant"),
    "completed": _("Completed"),
    "exempt": _("Exempt"),
}
SORT_LABELS = {
    "name": _("Name"),
    "-name": _("Name, Z to A"),
    "role": _("Role"),
    "employee": _("Employee ID"),
    "late": _("Most overdue first"),
}


class USWDSFormMixin:
    """Gives each widget its U.S. Web Design System class (usa-input, usa-select,
    usa-textarea), so templates render `{{ field }}` as a styled, touch-sized control."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Textarea):
                css = "usa-textarea"
            elif isinstance(widget, forms.Select):
                css = "usa-select"
            elif isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            else:
                css = "usa-input"
            widget.attrs["class"] = " ".join(filter(None, [widget.attrs.get("class"), css]))


class ExemptForm(USWDSFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the exemption"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class UnexemptForm(USWDSFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing the exemption"),
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class ExtendForm(USWDSFormMixin, forms.Form):
    until = forms.DateField(
        label=_("New due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class MatrixFilterForm(USWDSFormMixin, forms.Form):
    """Filters and sort order of the unit matrix (GET). Choices are this unit's roles and
    requirements, so an id from elsewhere is refused with a message."""

    q = forms.CharField(
        label=_("Name or employee ID"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.TypedChoiceField(label=_("Role"), required=False, coerce=int, empty_value=None)
    requirement = forms.TypedChoiceField(
        label=_("Requirement"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, roles, requirements, statuses, sorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *((r.pk, r.name) for r in roles)]
        self.fields["requirement"].choices = [
            ("", _("All requirements")),
            *((r.pk, r.title) for r in requirements),
        ]
        self.fields["status"].choices = [
            ("", _("Any status")),
            *((value, STATUS_FILTER_LABELS.get(value, label)) for value, label in statuses),
        ]
        self.fields["sort"].choices = [
            (value, SORT_LABELS.get(value, label)) for value, label in sorts
        ]
