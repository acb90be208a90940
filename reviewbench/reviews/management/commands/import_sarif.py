"""Import another scanner's SARIF 2.1.0 log onto a pull request's analysed head."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from findings.engine.sarif.reading import MAX_SARIF_BYTES
from findings.models import PullRequest
from reviewbench.reviews.services import SarifImportRejected, review_sarif_import


class Command(BaseCommand):
    help = (
        "Import SARIF 2.1.0 from another scanner (CodeQL, Semgrep, Snyk, ...) onto a PR: results "
        "on added lines become findings to triage; results elsewhere are kept as outside the diff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the SARIF log, or - for standard input")
        parser.add_argument("--repo", required=True, help="owner/name")
        parser.add_argument("--pr", required=True, type=int, help="the pull request number")
        parser.add_argument("--user", default="", help="the username recorded in the audit trail")

    def handle(self, *args: Any, **options: Any) -> None:
        owner, _, name = options["repo"].partition("/")
        pull_request = (
            PullRequest.objects.select_related("repository")
            .filter(repository__full_name=f"{owner}/{name}", number=options["pr"])
            .first()
        )
        if pull_request is None:
            raise CommandError(f"no pull request {options['repo']}#{options['pr']} in ReviewBench")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        raw = self._read(options["file"])
        try:
            summary = review_sarif_import(pull_request=pull_request, raw=raw, user=user)
        except SarifImportRejected as error:
            raise CommandError(f"nothing imported: {error}") from None
        self.stdout.write(
            f"{', '.join(summary.tools) or 'no tool'}: {len(summary.new)} new finding(s) to "
            f"triage, {summary.outside_diff} outside the diff, {summary.duplicates} duplicate(s) "
            f"of findings already on {pull_request}"
        )

    def _read(self, source: str) -> bytes:
        stream = sys.stdin.buffer if source == "-" else None
        try:
            if stream is None:
                with Path(source).open("rb") as handle:
                    raw = handle.read(MAX_SARIF_BYTES + 1)
            else:
                raw = stream.read(MAX_SARIF_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror}") from None
        return raw
