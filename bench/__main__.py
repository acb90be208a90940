"""Run every benchmark and print its figures: `make bench` (PostgreSQL and Redis must be up)."""

from __future__ import annotations

import argparse

from bench import queue_page, scan_speed, webhook_latency, webhook_to_check


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--scan-runs", type=int, default=5, help="timed `manage.py scan` runs")
    args = parser.parse_args()
    webhook_latency.run(requests=args.requests, concurrency=args.concurrency)
    print()
    webhook_to_check.run()
    print()
    scan_speed.run(runs=args.scan_runs)
    print()
    queue_page.run()


if __name__ == "__main__":
    main()
