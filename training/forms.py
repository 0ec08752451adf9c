"""Forms for the manager pages: actions on an assignment, filters on the unit matrix."""

from django import forms

REASON_HELP = "Recorded with your name in the assignment's history."


class ExemptForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the exemption",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class UnexemptForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawing the exemption",
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class ExtendForm(forms.Form):
    until = forms.DateField(
        label="New due date",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    reason = forms.CharField(
        label="Reason for the extension",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=2000,
        help_text=REASON_HELP,
    )


class MatrixFilterForm(forms.Form):
    """Filters and sort order of the unit matrix (GET). Choices are this unit's roles and
    requirements, so an id from elsewhere is refused with a message."""

    q = forms.CharField(label="Name or employee ID", required=False, max_length=100)
    role = forms.TypedChoiceField(label="Role", required=False, coerce=int, empty_value=None)
    requirement = forms.TypedChoiceField(
        label="Requirement", required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label="Status", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, *args, roles, requirements, statuses, sorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "All roles"), *((r.pk, r.name) for r in roles)]
        self.fields["requirement"].choices = [
            ("", "All requirements"),
            *((r.pk, r.title) for r in requirements),
        ]
        self.fields["status"].choices = [("", "Any status"), *statuses]
        self.fields["sort"].choices = sorts
