from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CalibrationConfig(AppConfig):
    """Reviewer calibration: exercises with planted flaws, attempts at them and their scores."""

    name = "reviewbench.calibration"
    label = "calibration"
    verbose_name = "Reviewer calibration"

    def ready(self) -> None:
        from reviewbench.calibration.services import exercise_library_sync_after_migrate

        post_migrate.connect(exercise_library_sync_after_migrate, sender=self)
