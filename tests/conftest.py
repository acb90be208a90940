"""Shared fixtures. Tests run against real PostgreSQL and Redis (see pyproject.toml's env)."""

from __future__ import annotations

import os

import pytest
import redis

from reviewbench.celery import app as celery_app


def _redis_db() -> int:
    # One Redis database per xdist worker, so queue-length assertions never see another worker.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session", autouse=True)
def _celery_broker_per_worker() -> None:
    url = os.environ["CELERY_BROKER_URL"]
    if url.startswith("redis://"):
        base = url.rsplit("/", 1)[0]
        celery_app.conf.broker_url = f"{base}/{_redis_db()}"


@pytest.fixture
def broker() -> redis.Redis:
    """The real Redis broker, emptied before the test; `broker.llen("celery")` counts queued tasks."""
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def make_user(django_user_model):
    def make(username: str = "reviewer", password: str = "correct-horse-battery-staple", **extra):
        return django_user_model.objects.create_user(username=username, password=password, **extra)

    return make
