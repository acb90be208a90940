"""Forms of the calibration actions: shape and size only; the rules live in the services."""

from __future__ import annotations

from django import forms

from reviewbench.calibration.library import flaw_classes
from reviewbench.calibration.services import COMMENT_MAX_LENGTH


class FlawNoteForm(forms.Form):
    path = forms.CharField(max_length=1024)
    line = forms.IntegerField(min_value=1, max_value=1_000_000)
    flaw_class = forms.ChoiceField(choices=[])
    comment = forms.CharField(
        max_length=COMMENT_MAX_LENGTH, strip=True, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["flaw_class"].choices = list(flaw_classes().items())  # type: ignore[attr-defined]


class ExerciseFromFindingForm(forms.Form):
    title = forms.CharField(max_length=300, required=False, strip=True)
