"""Export the evidence of one pull request's review, or of a period, as JSON or printable HTML."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string

from findings.models import PullRequest
from reviewbench.evidence.selectors import EvidenceError, evidence_document, pull_requests_in_period
from reviewbench.evidence.views import parse_period


class Command(BaseCommand):
    help = (
        "Export review evidence (revision, AI provenance, findings and triage, the answered "
        "checklist, approvals with their policy version, the audit trail with a SHA-256 chain) "
        "for --repo/--pr, or for --since/--until [--repo]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repo", default="", help="owner/name")
        parser.add_argument("--pr", type=int, help="a pull request number (with --repo)")
        parser.add_argument("--since", default="", help="YYYY-MM-DD: analysed on or after")
        parser.add_argument("--until", default="", help="YYYY-MM-DD: analysed on or before")
        parser.add_argument("--format", choices=["json", "html"], default="json")
        parser.add_argument("--output", "-o", default="-", help="a file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        repository = options["repo"]
        if options["pr"] is not None:
            if not repository or options["since"] or options["until"]:
                raise CommandError("--pr needs --repo, and not --since/--until")
            row = PullRequest.objects.filter(
                repository__full_name=repository, number=options["pr"]
            ).first()
            if row is None:
                raise CommandError(f"no pull request {repository}#{options['pr']} in ReviewBench")
            rows: Any = [row]
            scope: dict[str, Any] = {
                "kind": "pull_request",
                "repository": repository,
                "number": options["pr"],
            }
            title = f"{repository}#{options['pr']}"
        else:
            if not (options["since"] and options["until"]):
                raise CommandError("give --repo and --pr, or --since and --until")
            try:
                since, until = parse_period(options["since"], options["until"])
                rows = pull_requests_in_period(
                    user=None, since=since, until=until, repository=repository
                )
            except EvidenceError as error:
                raise CommandError(str(error)) from None
            scope = {
                "kind": "period",
                "since": since.isoformat(),
                "until": until.isoformat(),
                "repository": repository,
            }
            title = f"{since.isoformat()} to {until.isoformat()}"
        document = evidence_document(rows, scope=scope, user=None)
        if options["format"] == "json":
            text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        else:
            # A file is read offline, away from the server: it carries its own style sheet.
            stylesheet = finders.find("evidence/evidence.css")
            text = render_to_string(
                "evidence/evidence.html",
                {
                    "doc": document,
                    "title": title,
                    "back_url": "/",
                    "inline_css": Path(str(stylesheet)).read_text(encoding="utf-8"),
                },
            )
        if options["output"] == "-":
            sys.stdout.write(text)
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {options['output']}: {error.strerror}") from None
        self.stderr.write(
            f"wrote {options['output']}: {len(document['pull_requests'])} pull request(s), "
            f"{document['chain']['entries']} audit entries"
        )
