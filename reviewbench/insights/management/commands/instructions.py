"""Write an instruction file for AI assistants from a repository's confirmed findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from findings.models import Repository
from reviewbench.insights.instructions import FORMATS
from reviewbench.insights.selectors import repository_instructions


class Command(BaseCommand):
    help = (
        "Write AGENTS.md (agents), .github/copilot-instructions.md (copilot) or "
        ".cursor/rules/security.mdc (cursor) for --repo: the classes of finding its reviewers "
        "confirmed, most frequent first, each with what to tell the assistant and an example, "
        "and the policy's usage boundaries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repo", required=True, help="owner/name")
        parser.add_argument("--format", choices=list(FORMATS), default="agents")
        parser.add_argument("--output", "-o", default="-", help="a file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        repository = Repository.objects.filter(full_name=options["repo"]).first()
        if repository is None:
            raise CommandError(f"no repository {options['repo']} in ReviewBench")
        text = repository_instructions(repository, file_format=options["format"])
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        Path(options["output"]).write_text(text, encoding="utf-8")
        self.stderr.write(f"wrote {options['output']} ({FORMATS[options['format']]})")
