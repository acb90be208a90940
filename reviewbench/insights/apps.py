from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """What the reviews teach: instruction files for assistants, feedback numbers, calibration."""

    name = "reviewbench.insights"
    label = "insights"
    verbose_name = "Review insights"
