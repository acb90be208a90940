"""The queue's one write: an SLA breach notice, mailed once per breach to the missing groups."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse

from findings.models import Revision
from reviewbench.notifications.services import mail_send, member_emails
from reviewbench.queue.models import SlaBreachNotice
from reviewbench.queue.selectors import awaiting_review
from reviewbench.text import one_line

logger = logging.getLogger(__name__)


MAIL_TITLE_LIMIT = 150


def sla_breach_notify(*, revision_id: int, now: datetime) -> SlaBreachNotice | None:
    """E-mail who is missing on one breached revision and record the notice, once per breach."""
    with transaction.atomic():
        # The row lock serialises two workers on the same revision; the second sees the notice.
        Revision.objects.select_for_update().filter(pk=revision_id).first()
        if SlaBreachNotice.objects.filter(revision_id=revision_id).exists():
            return None
        row = awaiting_review(now=now).filter(pk=revision_id, breached=True).first()
        if row is None:
            return None
        recipients = member_emails(
            repository=row.pull_request.repository, groups=row.missing_groups
        )
        pull_request = row.pull_request
        repository = pull_request.repository
        owner, _, name = repository.full_name.partition("/")
        link = settings.REVIEWBENCH_BASE_URL + reverse(
            "reviews:pull_request_detail",
            kwargs={"owner": owner, "name": name, "number": pull_request.number},
        )
        title = one_line(pull_request.title, MAIL_TITLE_LIMIT)
        where = f"{one_line(repository.full_name, 200)}#{pull_request.number}"
        missing = ", ".join(one_line(g, 100) for g in row.missing_groups) or "any reviewer"
        if recipients:
            mail_send(
                subject=f"[ReviewBench] SLA breached: {where} {title}",
                message=(
                    f"The review of {where} ({title}) breached its SLA of "
                    f"{row.policy.sla_hours} hours at {row.sla_deadline:%Y-%m-%d %H:%M} UTC.\n"
                    f"Approvals: {row.approvals_given} of {row.required_count}; "
                    f"still needed from: {missing}.\n\n{link}\n"
                ),
                recipients=recipients,
            )
        else:
            logger.warning(
                "reviews.sla.no_recipients",
                extra={"revision_id": revision_id, "groups": row.missing_groups},
            )
        notice = SlaBreachNotice.objects.create(
            revision_id=revision_id, breached_at=row.sla_deadline, recipients=recipients
        )
    logger.info(
        "reviews.sla.notified",
        extra={"revision_id": revision_id, "recipients": len(recipients)},
    )
    return notice


def sla_breaches_notify(*, now: datetime) -> int:
    """Notify every breached revision awaiting review that has no notice yet; returns how many."""
    pending = (
        awaiting_review(now=now)
        .filter(breached=True)
        .filter(~Exists(SlaBreachNotice.objects.filter(revision_id=OuterRef("pk"))))
        .order_by("sla_deadline", "pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in list(pending) if sla_breach_notify(revision_id=pk, now=now) is not None)
