#!/usr/bin/env python
import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["scan"]:
        # A command-line scan is the pure engine: no settings, no secret key, no database, and
        # not one Django module imported (tests/findings/test_cli.py asserts it).
        from findings.engine.cli import main as scan_main

        sys.exit(scan_main(sys.argv[2:], prog="manage.py scan"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewbench.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
