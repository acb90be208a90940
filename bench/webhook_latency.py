"""Webhook acknowledgement latency under concurrent load, through gunicorn over real HTTP."""

from __future__ import annotations

import http.client
import json
import queue
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


OPEN_LOOP_GOALS_MS = {100: 50.0, 200: 100.0}  # p99 goal per arrival rate (issue 11)


def _open_loop(port: int, body: bytes, rate: int, seconds: float) -> tuple[list[float], Counter]:
    """Send at a fixed arrival rate, whatever the answers' speed; latency counts from each
    scheduled send, so a request that waits for a free sender counts its wait (no coordinated
    omission). A new connection per delivery, as GitHub opens one."""
    count = int(rate * seconds)
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    lock = threading.Lock()
    due: queue.SimpleQueue[float | None] = queue.SimpleQueue()

    def sender() -> None:
        while (scheduled := due.get()) is not None:
            headers = signed_headers(body, "pull_request", str(uuid.uuid4()))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/github/webhook", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except OSError:
                status = 0  # refused or reset: counted, never hidden
            with lock:
                latencies.append(time.perf_counter() - scheduled)
                codes[status] += 1

    senders = [threading.Thread(target=sender, daemon=True) for _ in range(64)]
    for thread in senders:
        thread.start()
    start = time.perf_counter() + 0.1
    for index in range(count):
        scheduled = start + index / rate
        pause = scheduled - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put(scheduled)
    for _ in senders:
        due.put(None)
    for thread in senders:
        thread.join()
    return latencies, codes


def run_open_loop(rates: tuple[int, ...] = (100, 200), seconds: float = 30.0) -> bool:
    """Acknowledgement latency at fixed arrival rates on the production shape (gunicorn with 3
    sync workers as scripts/serve web, DEBUG off, PostgreSQL, Redis); True when the goals hold."""
    env = bench_env()
    reset_database(env)
    flush_broker(env)
    fixture = ROOT / "tests" / "fixtures" / "github" / "pull_request.opened.json"
    body = json.dumps({**json.loads(fixture.read_text()), "action": "synchronize"}).encode()
    ok = True
    with gunicorn(env, workers=3, threads=0) as port:
        _open_loop(port, body, 50, 2)  # warm up every worker's connections
        print(
            f"webhook ack, open loop: signed {len(body) // 1024} KiB deliveries at a fixed rate "
            f"for {seconds:g} s, gunicorn 3 sync workers, PostgreSQL + Redis"
        )
        for rate in rates:
            latencies, codes = _open_loop(port, body, rate, seconds)
            p50, p99 = (percentile(latencies, q) * 1000 for q in (0.50, 0.99))
            goal = OPEN_LOOP_GOALS_MS.get(rate)
            verdict = (
                ""
                if goal is None
                else f" (goal p99 ≤ {goal:g} ms) "
                + ("ok" if p99 <= goal and set(codes) == {202} else "FAIL")
            )
            ok = ok and (goal is None or (p99 <= goal and set(codes) == {202}))
            print(
                f"  {rate} req/s: p50 {p50:.1f} ms  p99 {p99:.1f} ms  max "
                f"{max(latencies) * 1000:.1f} ms  status {dict(sorted(codes.items()))}{verdict}"
            )
    flush_broker(env)
    return ok
