"""`manage.py evaluate`: recall and false-positive rate of the engine on the labeled corpus."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from findings.engine.evaluation import CorpusError, evaluate_corpus, format_json, format_text

GOALS_NOT_MET = 1
USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Run every scanner over the labeled corpus (docs/CORPUS.md) and print recall and "
        "false-positive rate per class, per language and overall, with the misses and false "
        "positives. With --strict, exit 1 when the goals are not met."
    )

    def add_arguments(self, parser):
        default = os.path.join(str(settings.BASE_DIR), "tests", "corpus")
        parser.add_argument("--corpus", default=default, metavar="DIR")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--language", default=None, help="only this language's cases")
        parser.add_argument("--strict", action="store_true", help="exit 1 when goals are not met")

    def handle(self, *args, corpus, format, language, strict, **options):
        try:
            report = evaluate_corpus(corpus, language=language)
        except CorpusError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        self.stdout.write(
            format_json(report) if format == "json" else format_text(report), ending=""
        )
        if strict and not report.meets_goals():
            raise CommandError("the evaluation goals are not met", returncode=GOALS_NOT_MET)
