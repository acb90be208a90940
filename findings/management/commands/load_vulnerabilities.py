"""`manage.py load_vulnerabilities PATH_OR_URL [...]`: OSV advisories into the local database."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from findings.engine.osv.vulndb import OSVError
from findings.engine.osv.vulnindex import index_path
from findings.vulnerabilities import osv_read, vulnerabilities_load, vulnerability_index_export


class Command(BaseCommand):
    help = (
        "Load OSV-format advisories (one record, a JSON list, or a .zip as OSV publishes them) "
        "from files or http(s) URLs into the local vulnerability database, and export them to "
        "the data directory for `scan`. Idempotent; all inputs load together or not at all."
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
        # `scan` runs without Django or a database: it reads this export of the whole table.
        target = index_path(Path(settings.DATA_DIR))
        try:
            exported = vulnerability_index_export(path=target)
        except OSError as exc:
            raise CommandError(f"could not write {target}: {exc.strerror}") from None
        self.stdout.write(f"Exported {exported} package advisories to {target} for `scan`.")
