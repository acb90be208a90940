"""`manage.py scan`: the pipeline's scanners over local files or a diff, as text, JSON or SARIF."""

from __future__ import annotations

import logging
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from findings.engine.cli import (
    UsageError,
    collect_diff,
    collect_paths,
    findings_at_or_above,
    format_json,
    format_sarif,
    format_text,
    scan_changes,
)
from findings.engine.scanners import SEVERITIES
from findings.engine.scanners.vulndb import EMPTY_INDEX, VulnerabilityIndex

logger = logging.getLogger(__name__)

USAGE_ERROR = 2
FINDINGS_AT_THRESHOLD = 1
_MAX_DIFF_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    # A command-line scan needs no URL or model checks: skipping them saves about a second of
    # start-up, which counts against the 3 s budget for a PR.
    requires_system_checks: list[str] = []
    help = (
        "Scan files (whole files) or a diff (only what it adds, files read from --root) with "
        "ReviewBench's scanners. Exit 1 when a finding at or above --fail-on exists, 2 on usage "
        "errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH")
        parser.add_argument("--diff", metavar="PR.diff", help="a unified diff (git diff output)")
        parser.add_argument("--root", metavar="DIR", help="the checkout the paths are relative to")
        parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
        parser.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY")
        parser.add_argument("--output", metavar="FILE", help="write the report here")

    def handle(self, *args, paths, diff, root, format, fail_on, output, **options):
        try:
            report = self._scan(paths=paths, diff=diff, root=root or os.getcwd())
        except UsageError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        rendered = self._render(report, format)
        if output:
            try:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(rendered)
            except OSError as exc:
                raise CommandError(
                    f"could not write {output}: {exc.strerror}", returncode=USAGE_ERROR
                ) from None
        else:
            self.stdout.write(rendered, ending="")
        if fail_on:
            failing = findings_at_or_above(report, fail_on)
            if failing:
                raise CommandError(
                    f"{len(failing)} finding(s) at or above {fail_on}",
                    returncode=FINDINGS_AT_THRESHOLD,
                )

    def _scan(self, *, paths, diff, root):
        if not os.path.isdir(root):
            raise UsageError(f"--root {root}: not a directory")
        if diff and paths:
            raise UsageError("give either PATHs or --diff, not both")
        if not diff and not paths:
            raise UsageError("nothing to scan: give PATHs or --diff PR.diff")
        if diff:
            changes, skipped = collect_diff(self._read_diff(diff), root=root)
        else:
            changes, skipped = collect_paths(paths, root=root)
        return scan_changes(changes, skipped=skipped, root=root, vulnerability_index=self._index())

    def _read_diff(self, path: str) -> str:
        try:
            if os.path.getsize(path) > _MAX_DIFF_BYTES:
                raise UsageError(f"--diff {path}: larger than {_MAX_DIFF_BYTES} bytes")
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                return handle.read()
        except FileNotFoundError:
            raise UsageError(f"--diff {path}: no such file") from None
        except OSError as exc:
            raise UsageError(f"--diff {path}: {exc.strerror}") from None

    def _index(self) -> VulnerabilityIndex:
        from findings.vulnerabilities import vulnerability_index_load

        try:
            return vulnerability_index_load()
        except DatabaseError:
            # Scanning must work on a laptop without the database; say what is missing.
            self.stderr.write(
                "warning: the vulnerability database is not available; "
                "known-vulnerable versions are not checked"
            )
            return EMPTY_INDEX

    def _render(self, report, format: str) -> str:
        if format == "json":
            return format_json(report)
        if format == "sarif":
            from findings.services import ANALYZER_VERSION

            return format_sarif(report, tool_version=ANALYZER_VERSION)
        return format_text(report)
