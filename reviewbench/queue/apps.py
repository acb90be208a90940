from django.apps import AppConfig


class QueueConfig(AppConfig):
    """The leads' queue: tiers, age, SLA, who is missing; charts and exports."""

    name = "reviewbench.queue"
    label = "queue"
    verbose_name = "Review queue"
