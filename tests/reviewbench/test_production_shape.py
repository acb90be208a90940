"""What docker-compose runs is what is tested (issue 13.5): the same `scripts/serve` roles, started
here against PostgreSQL and Redis, migrate once, serve, work and schedule, and the health check
answers only when the database and the broker do."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRET = "production-shape-webhook-secret"
ROLES = ("web", "worker", "beat")


def test_compose_and_the_image_run_the_tested_entry_point():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]

    assert services["migrate"]["command"] == ["scripts/serve", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for role in ROLES:
        assert services[role]["command"] == ["scripts/serve", role], role
        # migrations run once, before any of them
        assert services[role]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["scripts/serve", "web"]' in dockerfile


def test_the_serve_script_refuses_an_unknown_role():
    result = subprocess.run(
        ["scripts/serve", "everything"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage: scripts/serve migrate|web|worker|beat" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_dsn() -> str:
    url = os.environ["DATABASE_URL"]
    return url.rsplit("/", 1)[0] + "/postgres"


@pytest.fixture
def stack_env(tmp_path) -> Iterator[dict[str, str]]:
    """A database and a Redis database of their own, and production settings (debug off)."""
    name = f"rb_shape_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}",
        "CELERY_BROKER_URL": f"{broker}/{12 - int(worker)}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "production-shape-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_MANIFEST": "0",
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "REVIEWBENCH_DATA_DIR": str(tmp_path / "data"),
        "REVIEWBENCH_SWEEP_SECONDS": "1",
        "REVIEWBENCH_SWEEP_AFTER_SECONDS": "1",
        "PORT": str(_free_port()),
        "BIND": "127.0.0.1",
        "WEB_WORKERS": "1",
        "WORKER_CONCURRENCY": "1",
    }
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    yield env
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        # Not listening yet, or listening but its worker still booting (the read timed out).
        return 0, b""


def _wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _deliver(port: str, delivery_id: str) -> int:
    # A routed event the worker handles without GitHub: the App was uninstalled.
    body = json.dumps(
        {"action": "deleted", "installation": {"id": 4242, "account": {"login": "acme"}}}
    ).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/github/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "installation",
            "X-GitHub-Delivery": delivery_id,
            "X-Hub-Signature-256": signature,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_migrate_once_then_web_worker_and_beat_serve_a_delivery_and_stop(stack_env):
    # given migrations applied by the one-shot role
    migrate = subprocess.run(
        ["scripts/serve", "migrate"],
        cwd=ROOT,
        env=stack_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]

    # when the three long-running roles start as compose starts them
    processes = {
        role: subprocess.Popen(
            ["scripts/serve", role],
            cwd=ROOT,
            env=stack_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for role in ROLES
    }
    port = stack_env["PORT"]
    try:
        # then the health check says ready: the database and the broker answer
        _status, body = _wait(
            lambda: (r := _get(f"http://127.0.0.1:{port}/healthz"))[0] == 200 and r,
            60,
            "the web role's health check",
        )
        assert json.loads(body) == {"database": "ok", "broker": "ok"}
        assert _get(f"http://127.0.0.1:{port}/livez") == (200, b"ok")

        # and a signed delivery is stored, queued and processed by the worker
        assert _deliver(port, "shape-1") == 202
        dsn = stack_env["DATABASE_URL"]

        def status_of(delivery_id: str) -> str | None:
            with psycopg.connect(dsn) as conn:
                row = conn.execute(
                    "SELECT status FROM github_app_webhookdelivery WHERE delivery_id = %s",
                    (delivery_id,),
                ).fetchone()
            return row[0] if row else None

        assert _wait(lambda: status_of("shape-1") == "processed", 60, "the worker")

        # and a delivery stored without ever reaching the broker is swept by beat
        with psycopg.connect(dsn) as conn:
            conn.execute(
                "INSERT INTO github_app_webhookdelivery (delivery_id, event, action, "
                "installation_github_id, repository_full_name, payload, status, attempts, error, "
                "received_at) VALUES ('shape-2', 'installation', 'new_permissions_accepted', "
                "NULL, '', '{}', 'received', 0, '', now() - interval '1 minute')"
            )
        assert _wait(lambda: status_of("shape-2") in ("processed", "ignored"), 60, "the sweep")
    finally:
        # and every role stops on SIGTERM within a few seconds
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for role, process in processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"{role} did not stop within 15 s of SIGTERM")


def test_health_is_503_naming_the_broker_when_the_broker_is_down(db, client, monkeypatch):
    from reviewbench.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    previous = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    app.conf.broker_url = dead
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}
