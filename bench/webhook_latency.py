"""Webhook acknowledgement latency under concurrent load, through gunicorn over real HTTP."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter

from bench.harness import (
    ROOT,
    bench_env,
    flush_broker,
    gunicorn,
    percentile,
    reset_database,
    signed_headers,
)


def _client_loop(
    port: int,
    bodies: list[bytes],
    latencies: list[float],
    codes: Counter[int],
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for body in bodies:
        headers = signed_headers(body, "pull_request", str(uuid.uuid4()))
        started = time.perf_counter()
        conn.request("POST", "/github/webhook", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            codes[response.status] += 1


def run(requests: int = 2000, concurrency: int = 16) -> None:
    env = bench_env()
    reset_database(env)
    flush_broker(env)
    # GitHub's own `pull_request` payload shape, as recorded for the tests.
    fixture = ROOT / "tests" / "fixtures" / "github" / "pull_request.opened.json"
    body = json.dumps({**json.loads(fixture.read_text()), "action": "synchronize"}).encode()
    per_client = [[body] * (requests // concurrency) for _ in range(concurrency)]
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    lock = threading.Lock()
    with gunicorn(env, workers=2, threads=8) as port:
        # Warm up connections and the database before measuring.
        _client_loop(port, [body] * 20, [], Counter(), lock)
        threads = [
            threading.Thread(target=_client_loop, args=(port, bodies, latencies, codes, lock))
            for bodies in per_client
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    flush_broker(env)
    print(
        f"webhook ack: {len(latencies)} signed {len(body) // 1024} KiB deliveries, "
        f"{concurrency} concurrent clients, gunicorn 2 workers x 8 threads, PostgreSQL + Redis"
    )
    ms = {q: percentile(latencies, q) * 1000 for q in (0.50, 0.90, 0.99)}
    print(f"  p50 {ms[0.50]:.1f} ms   p90 {ms[0.90]:.1f} ms   p99 {ms[0.99]:.1f} ms")
    print(f"  max {max(latencies) * 1000:.1f} ms   throughput {len(latencies) / wall:.0f} req/s")
    print(f"  status codes {dict(sorted(codes.items()))}")
