"""`manage.py checklist_coverage`: how much of the labeled flaws the checklist points at."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from findings.engine.evaluation import CorpusError, load_corpus
from reviewbench.checklist.coverage import coverage, format_json, format_text

GOALS_NOT_MET = 1
USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Build the checklist of every labeled case (every added line AI-written) and print, per "
        "language and class, the share of vulnerable lines a finding or an assumption challenge "
        "of the right class points at, beside the scanners alone, and the challenges per 100 "
        "AI-added lines on the fixed twins. With --strict, exit 1 when the goals are not met."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        default = os.path.join(str(settings.BASE_DIR), "tests", "corpus")
        parser.add_argument("--corpus", default=default, metavar="DIR")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--language", default=None, help="only this language's cases")
        parser.add_argument("--strict", action="store_true", help="exit 1 when goals are not met")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cases = load_corpus(options["corpus"], language=options["language"])
        except CorpusError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        report = coverage(cases)
        rendered = format_json(report) if options["format"] == "json" else format_text(report)
        self.stdout.write(rendered, ending="" if rendered.endswith("\n") else "\n")
        if options["strict"] and not report.meets_goals():
            raise CommandError("the review coverage goals are not met", returncode=GOALS_NOT_MET)
