"""Whether this instance can serve: the database and the broker each answer within a second."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection

from reviewbench.celery import app as celery_app

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health.database.down", extra={"error": str(exc)[:200]})
        return "unavailable"
    return "ok"


def _broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("health.broker.down", extra={"error": str(exc)[:200]})
        return "unavailable"
    return "ok"


def health_checks() -> dict[str, str]:
    """{"database": "ok" | "unavailable", "broker": "ok" | "unavailable"}."""
    return {"database": _database(), "broker": _broker()}
