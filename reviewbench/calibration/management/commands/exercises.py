"""`manage.py exercises`: list the calibration exercises; `--sync` loads exercises.yaml."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from reviewbench.calibration.models import Exercise
from reviewbench.calibration.services import exercise_library_sync


class Command(BaseCommand):
    help = "List the calibration exercises (--sync first loads the library file into the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sync", action="store_true", help="load exercises.yaml first")

    def handle(self, *args: object, **options: object) -> None:
        if options["sync"]:
            created, updated, retired = exercise_library_sync()
            self.stdout.write(f"Library: {created} created, {updated} updated, {retired} retired.")
        for exercise in Exercise.objects.filter(active=True).order_by("origin", "language", "slug"):
            flaws = ", ".join(
                f"{flaw['class']} at {flaw['path']}:{flaw['line']}" for flaw in exercise.flaws
            )
            self.stdout.write(
                f"{exercise.slug} [{exercise.language}, {exercise.origin}] {exercise.title}: "
                f"{flaws}"
            )
