"""`manage.py review_local --repo PATH --base REF --head REF`: review a local branch like a PR."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from findings.engine.local_git import LocalGitError
from github_app.management.local_review import local_pull_request_review


class Command(BaseCommand):
    help = "Analyse base...head of a local git repository through the review pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repo", required=True, help="path of the local git repository")
        parser.add_argument("--base", required=True, help="base ref (the branch the PR targets)")
        parser.add_argument("--head", required=True, help="head ref (the PR's branch)")
        parser.add_argument("--name", help="owner/name to show (default local/<folder>)")
        parser.add_argument("--number", type=int, help="PR number (default: reuse or next)")
        parser.add_argument("--title", help="PR title (default: first commit's subject)")
        parser.add_argument("--body", default="", help="PR description")
        parser.add_argument("--author", default="", help="PR author's login")
        parser.add_argument("--label", action="append", default=[], help="PR label (repeatable)")
        parser.add_argument("--workspace", default="local", help="workspace that owns the repo")
        parser.add_argument(
            "--member", action="append", default=[], help="username to add to the workspace"
        )

    def handle(self, *args: object, **options: object) -> None:
        repo_path = Path(str(options["repo"]))
        if not repo_path.is_dir():
            raise CommandError(f"--repo {repo_path} is not a directory")
        try:
            revision = local_pull_request_review(
                repo_path=repo_path,
                base=str(options["base"]),
                head=str(options["head"]),
                name=options["name"] or None,  # type: ignore[arg-type]
                number=options["number"],  # type: ignore[arg-type]
                title=options["title"] or None,  # type: ignore[arg-type]
                body=str(options["body"]),
                author_login=str(options["author"]),
                labels=tuple(options["label"]),  # type: ignore[arg-type]
                workspace=str(options["workspace"]),
                members=list(options["member"]),  # type: ignore[call-overload]
            )
        except (LocalGitError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        pr = revision.pull_request
        self.stdout.write(
            f"{pr.repository.full_name}#{pr.number} @ {revision.head_sha[:7]}: {revision.status}"
            f" ({revision.findings.count()} findings)"
            + (f" — {revision.status_reason}" if revision.status_reason else "")
        )
        if revision.status == revision.Status.FAILED:
            raise CommandError("analysis failed")
