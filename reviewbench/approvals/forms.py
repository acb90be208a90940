"""Forms for usage-boundary exceptions: shape and size of the input only; the rules live in
services."""

from __future__ import annotations

from django import forms

from reviewbench.approvals.services import EXCEPTION_TEXT_MAX_LENGTH


class BoundaryExceptionRequestForm(forms.Form):
    # Path and group only select one of the latest push's needed exceptions; the service matches
    # them against the stored policy and builds nothing from them.
    path = forms.CharField(max_length=1024, strip=False, widget=forms.HiddenInput)
    group = forms.CharField(max_length=150, strip=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=EXCEPTION_TEXT_MAX_LENGTH, strip=True, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoundaryExceptionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", "Grant"), ("refuse", "Refuse")])
    note = forms.CharField(
        required=False,
        max_length=EXCEPTION_TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
