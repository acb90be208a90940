"""Periodic tasks of the queue: thin wrappers over its services, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from reviewbench.queue.services import sla_breaches_notify


@shared_task(name="reviews.notify_sla_breaches", acks_late=True)
def notify_sla_breaches() -> int:
    """E-mail the missing groups of each newly breached review SLA, once per breach."""
    return sla_breaches_notify(now=timezone.now())
