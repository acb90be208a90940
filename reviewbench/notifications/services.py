"""Telling others: the edge about review-state changes, people by e-mail.

Review-state listeners are the dotted paths in `settings.REVIEWBENCH_STATE_LISTENERS`, called after
the transaction commits; that is how the workflow tells the GitHub edge to republish a check run
without importing it. E-mail goes only to members of the repository's own installations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from findings.models import Repository, Revision

logger = logging.getLogger(__name__)


def _run_listeners(revision_id: int) -> None:
    for dotted_path in getattr(settings, "REVIEWBENCH_STATE_LISTENERS", []):
        try:
            listener = import_string(dotted_path)
            listener(revision_id)
        except Exception:
            # A broken listener (or the GitHub edge being down) must never fail the reviewer's
            # request: the check run is republished on the next state change or sweep.
            logger.exception(
                "reviews.listener.failed",
                extra={"listener": dotted_path, "revision_id": revision_id},
            )


def notify_state_changed(*, revision: Revision) -> None:
    """Tell every configured listener, after commit, that this revision's review state changed."""
    revision_id = revision.pk
    transaction.on_commit(lambda: _run_listeners(revision_id))


def member_emails(*, repository: Repository, groups: Sequence[str] = ()) -> list[str]:
    """E-mail addresses of active members of the repository's installations, optionally only of
    those in `groups`, sorted and without duplicates."""
    # Only members of the repository's own installations: a group spanning tenants must never
    # learn another tenant's pull request titles.
    users = (
        get_user_model()
        .objects.filter(installations__in=repository.installations.all(), is_active=True)
        .exclude(email="")
    )
    if groups:
        users = users.filter(groups__name__in=list(groups))
    return sorted(set(users.values_list("email", flat=True)))


def mail_send(*, subject: str, message: str, recipients: Sequence[str]) -> int:
    """Send one plain-text e-mail to `recipients` (raises on a transport error); returns 0 when
    there is nobody to send it to."""
    if not recipients:
        return 0
    return send_mail(
        subject=subject,
        message=message,
        from_email=None,
        recipient_list=list(recipients),
        fail_silently=False,
    )
