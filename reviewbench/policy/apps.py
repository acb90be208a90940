from django.apps import AppConfig


class PolicyConfig(AppConfig):
    """Policy as code: pure modules plus the `policy_check` command; no models."""

    name = "reviewbench.policy"
    label = "policy"
    verbose_name = "Review policy"
