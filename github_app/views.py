"""The webhook intake (verify, record, enqueue on commit, 202) and the staff delivery log."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from github_app import services
from github_app.models import WebhookDelivery
from github_app.signature import signature_valid

logger = logging.getLogger(__name__)

MAX_DELIVERY_ID_CHARS = 100
MAX_HEADER_CHARS = 64
DELIVERIES_PER_PAGE = 50


def _reply(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": message}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secrets = settings.GITHUB_WEBHOOK_SECRETS
    if not secrets:
        logger.error("github.webhook.no_secret")
        return _reply(503, "webhook secret not configured")
    delivery_id = (request.headers.get("X-GitHub-Delivery") or "")[: MAX_DELIVERY_ID_CHARS + 1]
    raw_length = request.META.get("CONTENT_LENGTH")
    if not raw_length:
        return _reply(411, "length required")
    try:
        length = int(raw_length)
    except ValueError:
        return _reply(400, "invalid content length")
    if length < 0:
        return _reply(400, "invalid content length")
    limit = settings.GITHUB_WEBHOOK_MAX_BYTES
    if length > limit:
        logger.warning("github.webhook.too_large", extra={"delivery_id": delivery_id})
        return _reply(413, "payload too large")
    # Read the raw stream, not request.body: DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) would cap it,
    # and this route alone accepts GitHub's 25 MB payloads.
    body = request.read(limit + 1)
    if len(body) > limit:
        logger.warning("github.webhook.too_large", extra={"delivery_id": delivery_id})
        return _reply(413, "payload too large")
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256"), secrets):
        logger.warning("github.webhook.bad_signature", extra={"delivery_id": delivery_id})
        return _reply(401, "bad signature")
    event = request.headers.get("X-GitHub-Event") or ""
    if not event or not delivery_id:
        return _reply(400, "X-GitHub-Event and X-GitHub-Delivery are required")
    if len(event) > MAX_HEADER_CHARS or len(delivery_id) > MAX_DELIVERY_ID_CHARS:
        return _reply(400, "header too long")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        logger.warning("github.webhook.bad_json", extra={"delivery_id": delivery_id})
        return _reply(400, "body is not JSON")
    if not isinstance(payload, dict):
        return _reply(400, "body is not a JSON object")
    action = payload.get("action")
    action = action if isinstance(action, str) else ""
    try:
        delivery, created = services.delivery_record(
            delivery_id=delivery_id, event=event, action=action, payload=payload
        )
    except DatabaseError:
        # Nothing was stored: a fast 503 tells GitHub (and whoever presses "redeliver") to send
        # it again; the same delivery id is then recorded once.
        logger.exception("github.webhook.database_unavailable", extra={"delivery_id": delivery_id})
        return _reply(503, "database unavailable; redeliver this delivery")
    if not created:
        logger.info("github.webhook.duplicate", extra={"delivery_id": delivery_id})
        return _reply(202, "duplicate")
    logger.info(
        "github.webhook.received",
        extra={"delivery_id": delivery_id, "event": event, "action": action},
    )
    return _reply(202, delivery.status)


@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    """Staff-only log of webhook deliveries, newest first."""
    if not request.user.is_staff:
        raise PermissionDenied
    deliveries = WebhookDelivery.objects.only(
        "delivery_id",
        "event",
        "action",
        "repository_full_name",
        "status",
        "attempts",
        "error",
        "received_at",
        "enqueued_at",
        "processed_at",
    ).order_by("-received_at", "-pk")
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "github_app/delivery_list.html", {"page": page})
