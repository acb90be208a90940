"""Shared fixtures. Tests run against real PostgreSQL and Redis (see pyproject.toml's env)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from reviewbench.celery import app as celery_app

# The standard review (`review`, `listener_calls`) is shared by the rooms' tests.
pytest_plugins = ["tests.review_fixtures"]

# whitenoise warns at start-up when STATIC_ROOT is missing; tests never collect static files.
Path(os.environ["REVIEWBENCH_DATA_DIR"], "staticfiles").mkdir(parents=True, exist_ok=True)


def _redis_db() -> int:
    # One Redis database per xdist worker, so queue-length assertions never see another worker.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session", autouse=True)
def _celery_broker_per_worker() -> None:
    url = os.environ["CELERY_BROKER_URL"]
    if url.startswith("redis://"):
        base = url.rsplit("/", 1)[0]
        # Celery reads the CELERY_BROKER_URL environment variable before its own configuration.
        os.environ["CELERY_BROKER_URL"] = celery_app.conf.broker_url = f"{base}/{_redis_db()}"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    # PBKDF2 at full strength costs ~0.3 s a user on this machine; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> None:
    # What a worker process remembers between analyses (parsed patches, checklist work) starts
    # empty in each test, so a test that counts the work done does not see another test's.
    from findings.engine import diff
    from reviewbench.checklist import memo

    diff._remembered.cache_clear()
    memo._PROCESS.clear()


@pytest.fixture
def broker() -> redis.Redis:
    """The real Redis broker, emptied before the test; `llen("celery")` counts queued tasks."""
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def make_user(django_user_model):
    def make(username: str = "reviewer", password: str = "correct-horse-battery-staple", **extra):
        return django_user_model.objects.create_user(username=username, password=password, **extra)

    return make
