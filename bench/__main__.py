"""Run every benchmark and print its figures: `make bench` (PostgreSQL and Redis must be up)."""

from __future__ import annotations

import argparse

from bench import webhook_latency, webhook_to_check


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    webhook_latency.run(requests=args.requests, concurrency=args.concurrency)
    print()
    webhook_to_check.run()


if __name__ == "__main__":
    main()
