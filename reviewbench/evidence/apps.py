from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Evidence for auditors: what was reviewed, by whom, under which policy; tamper-evident."""

    name = "reviewbench.evidence"
    label = "evidence"
    verbose_name = "Review evidence"
