"""Forms for the manager's actions on an assignment."""

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
