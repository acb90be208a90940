"""`manage.py scan` from inside Django (call_command, `django-admin scan`): the engine's command.

`python manage.py scan` itself never reaches this class: manage.py hands `scan` to
`findings.engine.cli.main` before Django is set up. This shell keeps the command listed in
`manage.py help` and callable through `call_command`, with the same options and exit codes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from findings.engine import cli


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = cli.COMMAND_HELP

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        cli.add_scan_arguments(parser)

    def run_from_argv(self, argv: list[str]) -> None:
        # The engine's own parser and messages, exactly as `python manage.py scan` prints them.
        sys.exit(cli.main(argv[2:], prog=f"{argv[0]} scan"))

    def handle(self, *args: Any, **options: Any) -> None:
        namespace = argparse.Namespace(
            **{name: options.get(name) for name in cli.build_parser().parse_args([]).__dict__}
        )
        namespace.format = options.get("format") or "text"
        namespace.paths = list(options.get("paths") or ())
        try:
            # OutputWrapper writes like a TextIO (it wraps one); the engine takes any text stream.
            code = cli.run(
                namespace,
                stdout=self.stdout,  # type: ignore[arg-type]
                stderr=self.stderr,  # type: ignore[arg-type]
            )
        except cli.UsageError as exc:
            raise CommandError(str(exc), returncode=cli.EXIT_USAGE) from None
        if code:
            raise CommandError("findings at or above --fail-on", returncode=code)
