from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit trail every review action writes."""

    name = "reviewbench.audit"
    label = "audit"
    verbose_name = "Audit trail"
