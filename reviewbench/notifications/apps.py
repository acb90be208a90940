from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people and the edge: review-state listeners and e-mail."""

    name = "reviewbench.notifications"
    label = "notifications"
    verbose_name = "Notifications"
