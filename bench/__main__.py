"""Run every benchmark and print its figures: `make bench` (PostgreSQL and Redis must be up)."""

from __future__ import annotations

import argparse
import sys

from bench import (
    insights_pages,
    large_pr,
    queue_page,
    scan_speed,
    webhook_latency,
    webhook_to_check,
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--rates", default="100,200", help="open-loop arrival rates, requests per second"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="open-loop time per rate")
    parser.add_argument(
        "--closed-loop", action="store_true", help="also the closed-loop saturation figure"
    )
    parser.add_argument("--requests", type=int, default=2000, help="closed-loop requests")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--scan-runs", type=int, default=5, help="timed `manage.py scan` runs")
    parser.add_argument(
        "--no-large", action="store_true", help="skip the large pull requests (about 1.5 min)"
    )
    args = parser.parse_args()
    rates = tuple(int(rate) for rate in args.rates.split(",") if rate.strip())
    ok = webhook_latency.run_open_loop(rates=rates, seconds=args.seconds)
    if args.closed_loop:
        print()
        webhook_latency.run(requests=args.requests, concurrency=args.concurrency)
    print()
    webhook_to_check.run()
    print()
    scan_speed.run(runs=args.scan_runs)
    print()
    queue_page.run()
    print()
    ok &= insights_pages.run()
    if not args.no_large:
        print()
        ok &= large_pr.run()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
