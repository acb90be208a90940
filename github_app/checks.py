"""Check-run publishing: a revision's CheckReport becomes one `ReviewBench` check run on GitHub.

GitHub appends annotations on every update, so `CheckRun.annotations_sent` remembers how many
went out: a republish (or a retry after a partial failure) sends only the rest, never duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from findings.models import PullRequest, Revision
from github_app.client import GitHubClient, GitHubError, TransientGitHubError
from github_app.models import CheckRun, CheckRunStart, Installation
from github_app.services import active_installation_for
from reviewbench.reviews.report import Annotation, CheckReport, check_report_for_revision
from reviewbench.reviews.services import pull_request_process

logger = logging.getLogger(__name__)

SUMMARY_LIMIT = 65_535
ANNOTATIONS_PER_REQUEST = 50
TITLE_LIMIT = 255
ANNOTATION_TITLE_LIMIT = 255
ANNOTATION_MESSAGE_LIMIT = 64_000
TRUNCATION_NOTE = (
    "\n\n… (summary truncated at GitHub's limit; open ReviewBench for the full report)"
)


def _known(github_id: int | None) -> int:
    """A GitHub id the query already required to be set (live installations, sent check runs)."""
    if github_id is None:
        raise GitHubError("a GitHub id is missing where one was required")
    return github_id


class Outcome:
    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"
    NOT_GITHUB = "not_github"


def summary_capped(summary: str) -> str:
    """The summary within GitHub's 65,535 characters, with a note when it was cut."""
    if len(summary) <= SUMMARY_LIMIT:
        return summary
    return summary[: SUMMARY_LIMIT - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE


def annotation_batches(annotations: Sequence[Annotation]) -> list[list[dict[str, Any]]]:
    """Annotations as GitHub JSON, in batches of at most 50 (GitHub's per-request limit)."""
    items = [
        {
            "path": a.path,
            "start_line": max(1, a.start_line),
            "end_line": max(a.start_line, a.end_line, 1),
            "annotation_level": a.annotation_level,
            "title": a.title[:ANNOTATION_TITLE_LIMIT],
            "message": a.message[:ANNOTATION_MESSAGE_LIMIT] or a.title[:ANNOTATION_TITLE_LIMIT],
        }
        for a in annotations
    ]
    return [
        items[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(items), ANNOTATIONS_PER_REQUEST)
    ]


@dataclass(frozen=True)
class _Output:
    status: str
    conclusion: str | None
    title: str
    summary: str
    details_url: str


def _output_for(report: CheckReport) -> _Output:
    completed = report.status == "completed" and bool(report.conclusion)
    return _Output(
        status="completed" if completed else "in_progress",
        conclusion=report.conclusion if completed else None,
        title=report.title[:TITLE_LIMIT] or settings.CHECK_RUN_NAME,
        summary=summary_capped(report.summary) or settings.CHECK_RUN_NAME,
        details_url=settings.REVIEWBENCH_BASE_URL + report.details_path,
    )


def check_run_publish(
    *, revision: Revision, report: CheckReport, client: GitHubClient | None = None
) -> str:
    """Create or update the revision's check run from `report`; returns an Outcome value."""
    pull_request = revision.pull_request
    repository = pull_request.repository
    installation = active_installation_for(repository)
    if installation is None:
        return Outcome.NOT_GITHUB
    if not report.publishable or revision.head_sha != pull_request.head_sha:
        # A result for a head that is no longer the PR's head must never reach the merge gate.
        logger.info("github.publish.superseded", extra={"revision_id": revision.pk})
        return Outcome.SUPERSEDED
    out = _output_for(report)
    failure: GitHubError | None = None
    with transaction.atomic():
        # The row lock serialises publishers of one revision, so a check run is created once.
        check_run, _ = CheckRun.objects.select_for_update().get_or_create(revision=revision)
        pending = annotation_batches(report.annotations[check_run.annotations_sent :])
        unchanged = (
            check_run.github_id is not None
            and not pending
            and check_run.status == out.status
            and check_run.conclusion == (out.conclusion or "")
            and check_run.title == out.title
            and check_run.summary == out.summary
            and not check_run.error
        )
        if unchanged:
            return Outcome.UNCHANGED
        client = client or GitHubClient.for_installation(_known(installation.github_id))
        try:
            _send(client, check_run, repository.full_name, revision.head_sha, out, pending)
        except GitHubError as exc:
            failure = exc
            check_run.error = str(exc)[:2000]
        else:
            check_run.error = ""
            check_run.status = out.status
            check_run.conclusion = out.conclusion or ""
            check_run.title = out.title
            check_run.summary = out.summary
            check_run.published_at = timezone.now()
        check_run.save()
    if failure is not None:
        logger.warning(
            "github.publish.failed", extra={"revision_id": revision.pk, "error": str(failure)}
        )
        raise failure
    logger.info(
        "github.publish.done",
        extra={"revision_id": revision.pk, "check_run_id": check_run.github_id},
    )
    return Outcome.PUBLISHED


def _send(
    client: GitHubClient,
    check_run: CheckRun,
    full_name: str,
    head_sha: str,
    out: _Output,
    batches: list[list[dict[str, Any]]],
) -> None:
    """Send the report; progress is kept on `check_run` even when a later request fails."""
    first, rest = (batches[0], batches[1:]) if batches else ([], [])
    output = {"title": out.title, "summary": out.summary, "annotations": first}
    if check_run.github_id is None:
        data = client.create_check_run(
            full_name=full_name,
            head_sha=head_sha,
            name=settings.CHECK_RUN_NAME,
            status=out.status,
            conclusion=out.conclusion,
            details_url=out.details_url,
            output=output,
        )
        check_run.github_id = int(data["id"])
    else:
        client.update_check_run(
            full_name=full_name,
            check_run_id=check_run.github_id,
            status=out.status,
            conclusion=out.conclusion,
            details_url=out.details_url,
            output=output,
        )
    check_run.annotations_sent += len(first)
    for batch in rest:
        # GitHub appends each batch's annotations; title and summary must be repeated.
        client.update_check_run(
            full_name=full_name,
            check_run_id=check_run.github_id,
            output={"title": out.title, "summary": out.summary, "annotations": batch},
        )
        check_run.annotations_sent += len(batch)


def pull_request_analyze(
    *,
    pull_request: PullRequest,
    installation: Installation,
    rerequested: bool = False,
    client: GitHubClient | None = None,
) -> Revision | None:
    """Open an in-progress check run, analyse the PR's head, record the check run and publish."""
    repository = pull_request.repository
    head_sha = pull_request.head_sha
    client = client or GitHubClient.for_installation(_known(installation.github_id))
    check_run_github_id, reuse = _check_run_for_head(
        client=client, pull_request=pull_request, rerequested=rerequested
    )
    try:
        snapshot = client.fetch_snapshot(full_name=repository.full_name, number=pull_request.number)
    except TransientGitHubError:
        raise
    except GitHubError as exc:
        _fail_check_run(client, repository.full_name, check_run_github_id, str(exc))
        CheckRunStart.objects.filter(pull_request=pull_request, head_sha=head_sha).delete()
        raise
    if snapshot.head_sha != head_sha:
        # A push landed since the webhook; its own synchronize delivery analyses the new head.
        logger.info(
            "github.analyze.head_moved",
            extra={"repository": repository.full_name, "number": pull_request.number},
        )
        return None
    with transaction.atomic():
        # One transaction, so the workflow's after-commit listeners find this check run recorded.
        revision = pull_request_process(repository=repository, snapshot=snapshot)
        _check_run_attach(revision=revision, github_id=check_run_github_id, fresh=not reuse)
        CheckRunStart.objects.filter(pull_request=pull_request, head_sha=head_sha).delete()
    revision.refresh_from_db()
    pull_request.refresh_from_db()
    report = check_report_for_revision(revision=revision)
    check_run_publish(revision=revision, report=report, client=client)
    return revision


def _check_run_for_head(
    *, client: GitHubClient, pull_request: PullRequest, rerequested: bool
) -> tuple[int, bool]:
    """(GitHub id, whether a revision records it already) of the head's one check run: the
    one a revision records, else the one an earlier run of this analysis opened and did not
    finish (its worker died), else a new one; a re-run the user asked for gets a fresh one. The
    pull request's row is locked meanwhile, so two runs of one analysis (a redelivery, a sweep)
    never open two."""
    head_sha = pull_request.head_sha
    with transaction.atomic():
        PullRequest.objects.select_for_update().filter(pk=pull_request.pk).first()
        if not rerequested:
            recorded = CheckRun.objects.filter(
                revision__pull_request=pull_request,
                revision__head_sha=head_sha,
                github_id__isnull=False,
            ).first()
            if recorded is not None:
                return _known(recorded.github_id), True
            start = CheckRunStart.objects.filter(
                pull_request=pull_request, head_sha=head_sha
            ).first()
            if start is not None:
                return start.github_id, False
        created = client.create_check_run(
            full_name=pull_request.repository.full_name,
            head_sha=head_sha,
            name=settings.CHECK_RUN_NAME,
            status="in_progress",
            details_url=_details_url(pull_request),
        )
        # Recorded with the creation, before the long part: a worker that dies from here on
        # leaves a check run the next run takes up, not one left in progress for ever.
        CheckRunStart.objects.update_or_create(
            pull_request=pull_request,
            head_sha=head_sha,
            defaults={"github_id": int(created["id"]), "opened_at": timezone.now()},
        )
        return int(created["id"]), False


def _details_url(pull_request: PullRequest) -> str:
    owner, _, name = pull_request.repository.full_name.partition("/")
    path = reverse(
        "reviews:pull_request_detail",
        kwargs={"owner": owner, "name": name, "number": pull_request.number},
    )
    return settings.REVIEWBENCH_BASE_URL + path


def _check_run_attach(*, revision: Revision, github_id: int, fresh: bool) -> CheckRun:
    """Point the revision's CheckRun row at the GitHub check run this analysis opened."""
    check_run, created = CheckRun.objects.select_for_update().get_or_create(
        revision=revision,
        defaults={"github_id": github_id, "status": "in_progress"},
    )
    if not created and (fresh or check_run.github_id != github_id):
        check_run.github_id = github_id
        check_run.status = "in_progress"
        check_run.conclusion = ""
        check_run.annotations_sent = 0
        check_run.error = ""
        check_run.save()
    return check_run


def check_run_abandon(*, start: CheckRunStart, conclusion: str, title: str, summary: str) -> None:
    """Complete a check run an interrupted analysis left open, saying why, and forget it."""
    pull_request = start.pull_request
    installation = active_installation_for(pull_request.repository)
    if installation is not None:
        client = GitHubClient.for_installation(_known(installation.github_id))
        client.update_check_run(
            full_name=pull_request.repository.full_name,
            check_run_id=start.github_id,
            status="completed",
            conclusion=conclusion,
            output={"title": title, "summary": summary_capped(summary)},
        )
    start.delete()
    logger.info(
        "github.check_run.abandoned",
        extra={"check_run_id": start.github_id, "conclusion": conclusion},
    )


def analysis_failed(*, repository_id: int, number: int, head_sha: str, error: str) -> None:
    """The analysis of a head gave up (GitHub never recovered, or a bug): complete the check
    run it had opened as failed, saying why, so that it is never left in progress. When GitHub
    is still unreachable the check-run sweep tries again later."""
    start = (
        CheckRunStart.objects.select_related("pull_request__repository")
        .filter(
            pull_request__repository_id=repository_id,
            pull_request__number=number,
            head_sha=head_sha,
        )
        .first()
    )
    if start is None:
        return
    try:
        check_run_abandon(
            start=start,
            conclusion="failure",
            title="ReviewBench could not finish the analysis",
            summary=(
                f"The analysis of {head_sha[:12]} stopped: {error}\n\nNothing was reviewed, so "
                "this check does not pass. Re-run it from GitHub once GitHub answers again."
            ),
        )
    except GitHubError:
        logger.warning("github.analyze.fail_report_failed", extra={"check_run_id": start.github_id})


def _fail_check_run(client: GitHubClient, full_name: str, check_run_id: int, error: str) -> None:
    try:
        client.update_check_run(
            full_name=full_name,
            check_run_id=check_run_id,
            status="completed",
            conclusion="failure",
            output={
                "title": "ReviewBench could not read this pull request",
                "summary": summary_capped(f"GitHub refused a request: {error}"),
            },
        )
    except GitHubError:
        logger.warning("github.analyze.fail_report_failed", extra={"check_run_id": check_run_id})
