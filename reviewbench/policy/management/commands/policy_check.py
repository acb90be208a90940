"""`manage.py policy_check [FILE]`: validate a `.reviewbench.yml` merged over the defaults."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from reviewbench.policy import MAX_POLICY_BYTES, PolicyError, policy_describe, policy_load

INVALID = 1
USAGE_ERROR = 2
DEFAULT_FILE = ".reviewbench.yml"


class Command(BaseCommand):
    # Validating a file needs neither the database nor the URL checks.
    requires_system_checks: list[str] = []
    help = (
        "Validate a ReviewBench policy file (default: .reviewbench.yml in the current directory, "
        "'-' for stdin) merged over the built-in defaults, and print the effective tiers and usage "
        "boundaries. Exit 0 when valid, 1 when invalid (the error names its line), 2 on usage "
        "errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=DEFAULT_FILE, metavar="FILE")

    def handle(self, *args, file, **options):
        raw = self._read(file)
        name = "<stdin>" if file == "-" else file
        if len(raw) > MAX_POLICY_BYTES:
            raise CommandError(
                f"{name}: the policy file is larger than the limit of {MAX_POLICY_BYTES} bytes",
                returncode=INVALID,
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{name}: the policy file is not UTF-8 (byte {exc.start})", returncode=INVALID
            ) from None
        try:
            policy = policy_load(text)
        except PolicyError as exc:
            raise CommandError(f"{name}: {exc}", returncode=INVALID) from None
        self.stdout.write(f"{name}: valid\n", ending="")
        self.stdout.write(policy_describe(policy), ending="")

    def _read(self, file: str) -> bytes:
        # One byte over the limit is enough to know the file is too large.
        try:
            if file == "-":
                return sys.stdin.buffer.read(MAX_POLICY_BYTES + 1)
            with open(file, "rb") as handle:
                return handle.read(MAX_POLICY_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                f"cannot read {file}: {exc.strerror or exc}", returncode=USAGE_ERROR
            ) from None
