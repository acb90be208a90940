"""Forms for the review pages: shape and size of the input only; the rules live in services."""

from __future__ import annotations

from django import forms

from findings.models import Finding
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import ANSWER_MAX_LENGTH

TRIAGE_DECISIONS = [
    (Finding.Triage.CONFIRMED, "Confirmed: must be fixed"),
    (Finding.Triage.FALSE_POSITIVE, "False positive"),
    (Finding.Triage.ACCEPTED_RISK, "Accepted risk"),
]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=ANSWER_MAX_LENGTH, strip=True
    )
    # Only assumption challenges use it; the service says when it is missing.
    outcome = forms.ChoiceField(
        choices=[("", "")] + [c for c in ChecklistItem.Outcome.choices if c[0]],
        required=False,
    )


class TriageForm(forms.Form):
    decision = forms.ChoiceField(choices=TRIAGE_DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    expires_at = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Expires on"
    )
