"""`manage.py load_vulnerabilities PATH_OR_URL [...]`: OSV advisories into the local database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from findings.engine.scanners.vulndb import OSVError
from findings.vulnerabilities import osv_read, vulnerabilities_load


class Command(BaseCommand):
    help = (
        "Load OSV-format advisories (one record, a JSON list, or a .zip as OSV publishes them) "
        "from files or http(s) URLs into the local vulnerability database. Idempotent; all "
        "inputs load together or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("locations", nargs="+", metavar="PATH_OR_URL")

    def handle(self, *args, locations, **options):
        advisories = []
        for location in locations:
            try:
                found = osv_read(location)
            except OSVError as exc:
                raise CommandError(f"could not load {location}: {exc}") from None
            self.stdout.write(f"{location}: {len(found)} package advisories read")
            advisories.extend(found)
        # Read everything first: a bad input fails the whole load before anything is written.
        counts = vulnerabilities_load(advisories=advisories, source=", ".join(locations))
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {counts.total} package advisories: {counts.created} created, "
                f"{counts.updated} updated, {counts.unchanged} unchanged."
            )
        )
