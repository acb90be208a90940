from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Tiers, approval groups, staleness, usage boundaries and their exceptions."""

    name = "reviewbench.approvals"
    label = "approvals"
    verbose_name = "Approvals"
