from django.apps import AppConfig


class ChecklistConfig(AppConfig):
    """The reviewer's discipline: triage, assumption challenges, comprehension, sign-off."""

    name = "reviewbench.checklist"
    label = "checklist"
    verbose_name = "Checklist"
