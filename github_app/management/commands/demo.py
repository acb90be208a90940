"""`manage.py demo`: a demo login and demo pull requests analysed by the real pipeline."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from github_app.management.demo_calibration import demo_calibration_load
from github_app.management.demo_history import HISTORY, demo_history_load
from github_app.management.demo_repository import PULL_REQUESTS, demo_repository_create
from github_app.management.local_review import local_pull_request_review


class Command(BaseCommand):
    help = "Create the demo login and analyse the demo repository's pull requests (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--path", default=None, help="where the sample repository lives")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help=f"skip the {len(HISTORY)} past pull requests of the last 30 days",
        )

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        users = get_user_model().objects
        if not users.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser(username=username, email="", password=password)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo login created (shown once): username {username!r} password {password!r}"
                )
            )
        else:
            self.stdout.write(
                f"Demo login {username!r} exists (its password was shown when it was created;"
                f" `manage.py changepassword {username}` sets a new one)."
            )
        # The default policy's sensitive tier wants one approval from `security`: the demo
        # reviewer is in it, so the demo can be walked to an approval.
        security, _ = Group.objects.get_or_create(name="security")
        demo_user = users.get(username=username)
        # A second reviewer, so tiers that want two approvals can be met in the history. It has
        # no password: nobody signs in as it.
        lead, created = users.get_or_create(
            username=f"{username}-lead", defaults={"first_name": "Lee", "last_name": "Lead"}
        )
        if created:
            lead.set_unusable_password()
            lead.save(update_fields=["password"])
        security.user_set.add(demo_user, lead)
        repo = demo_repository_create(Path(str(options["path"] or settings.DATA_DIR / "demo-repo")))
        for pr in PULL_REQUESTS:
            revision = local_pull_request_review(
                repo_path=repo,
                base="main",
                head=pr.branch,
                name="acme/shop",
                number=pr.number,
                title=pr.title,
                body=pr.body,
                author_login=pr.author_login,
                labels=pr.labels,
                workspace="demo",
                members=[username, lead.get_username()],
            )
            self.stdout.write(
                f"acme/shop#{pr.number} {pr.title!r}: {revision.status}, "
                f"{revision.findings.count()} findings"
            )
        if options["no_history"]:
            return
        past = demo_history_load(repo_path=repo, reviewers=[demo_user, lead])
        if past:
            self.stdout.write(
                f"Loaded {len(past)} past pull requests of the last 30 days (acme/shop#"
                f"{min(HISTORY, key=lambda p: p.number).number}-"
                f"{max(HISTORY, key=lambda p: p.number).number}): reviewed through the same "
                "services, then dated back."
            )
        attempts = demo_calibration_load(reviewers=[demo_user, lead])
        if attempts:
            self.stdout.write(
                f"Ran {len(attempts)} calibration attempts of the last 30 days (the Calibration "
                "page): analysed, named and scored through the same services."
            )
