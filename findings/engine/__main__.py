"""`python -m findings.engine scan ...`: the command-line scan, without Django."""

from __future__ import annotations

import sys

USAGE = "usage: python -m findings.engine scan [PATH ...] [--diff PR.diff] [options]\n"


def main(argv: list[str]) -> int:
    """Dispatch the sub-command; only `scan` exists."""
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE + "run `python -m findings.engine scan --help` for the options\n")
        return 0
    if not argv:
        sys.stderr.write(USAGE + "error: give a command: scan\n")
        return 2
    if argv[0] != "scan":
        sys.stderr.write(USAGE + f"error: unknown command {argv[0]!r}\n")
        return 2
    from findings.engine.cli import main as scan_main

    return scan_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
