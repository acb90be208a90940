"""Check an evidence export: the audit chain, the document digest and the server's signature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviewbench.evidence.chain import verify
from reviewbench.evidence.selectors import evidence_key


class Command(BaseCommand):
    help = (
        "Verify an evidence JSON file from export_evidence; exits 1 and names what was edited. "
        "The signature is checked with this server's key unless --no-signature."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--no-signature",
            action="store_true",
            help="check the chain and digest only (a file from another server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from None
        except ValueError as error:
            raise CommandError(f"{options['file']} is not JSON: {error}") from None
        result = verify(document, key=None if options["no_signature"] else evidence_key())
        for problem in result.problems:
            self.stderr.write(f"TAMPERED {problem}")
        if result.signature == "invalid":
            self.stderr.write("TAMPERED signature: not made by this server's key for this digest")
        if not result.intact:
            raise CommandError(f"{options['file']}: the evidence does not verify", returncode=1)
        self.stdout.write(
            f"{options['file']}: intact ({result.entries} audit entries chained, digest matches, "
            f"signature {result.signature})"
        )
