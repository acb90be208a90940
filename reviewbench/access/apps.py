from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Who may see and act on which pull request: installation membership, GitHub logins."""

    name = "reviewbench.access"
    label = "access"
    verbose_name = "Access"
