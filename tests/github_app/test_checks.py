from __future__ import annotations

import pytest

from findings.models import PullRequest, Repository, Revision
from github_app.checks import SUMMARY_LIMIT, TRUNCATION_NOTE, Outcome, check_run_publish
from github_app.client import TransientGitHubError
from github_app.models import CheckRun, Installation
from reviewbench.reviews.report import Annotation, CheckReport

pytestmark = pytest.mark.django_db

HEAD = "2" * 40
CHECKS = "/repos/octo-org/payments/check-runs"


@pytest.fixture
def revision(github):
    github.add_repository("octo-org/payments", github_id=880001)
    repository = Repository.objects.create(full_name="octo-org/payments", github_id=880001)
    installation = Installation.objects.create(github_id=7001, account_login="octo-org")
    installation.repositories.add(repository)
    pull_request = PullRequest.objects.create(repository=repository, number=42, head_sha=HEAD)
    return Revision.objects.create(
        pull_request=pull_request, head_sha=HEAD, analyzer_version="t", status="ready"
    )


def _report(n_annotations: int = 0, **extra) -> CheckReport:
    fields = {
        "status": "completed",
        "conclusion": "action_required",
        "title": f"{n_annotations} findings to triage",
        "summary": "## ReviewBench\n\nTriage the findings.",
        "annotations": tuple(
            Annotation(
                path=f"app/file_{i}.py",
                start_line=i + 1,
                end_line=i + 1,
                annotation_level="warning",
                title=f"B608 on line {i + 1}",
                message="Possible SQL injection through string-based query construction.",
            )
            for i in range(n_annotations)
        ),
        "details_path": "/octo-org/payments/pull/42/",
    }
    fields.update(extra)
    return CheckReport(**fields)


def test_120_annotations_go_out_in_batches_of_50_50_20(github, revision):
    outcome = check_run_publish(revision=revision, report=_report(120))

    assert outcome == Outcome.PUBLISHED
    [create] = github.requests_to("POST", CHECKS)
    patches = github.requests_to("PATCH", CHECKS)
    assert len(create.json["output"]["annotations"]) == 50
    assert [len(p.json["output"]["annotations"]) for p in patches] == [50, 20]
    assert create.json["name"] == "ReviewBench"
    assert create.json["head_sha"] == HEAD
    assert create.json["status"] == "completed"
    assert create.json["conclusion"] == "action_required"
    assert create.json["details_url"] == "https://reviewbench.test/octo-org/payments/pull/42/"
    assert create.json["output"]["annotations"][0] == {
        "path": "app/file_0.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "warning",
        "title": "B608 on line 1",
        "message": "Possible SQL injection through string-based query construction.",
    }
    for patch in patches:
        assert patch.json["output"]["title"] == "120 findings to triage"
        assert patch.json["output"]["summary"] == create.json["output"]["summary"]
    [run] = github.check_runs.values()
    assert len(run["annotations"]) == 120
    assert run["conclusion"] == "action_required"
    check_run = CheckRun.objects.get(revision=revision)
    assert check_run.github_id == run["id"]
    assert check_run.annotations_sent == 120
    assert (check_run.status, check_run.conclusion) == ("completed", "action_required")
    assert check_run.published_at is not None


def test_republishing_an_unchanged_report_sends_nothing(github, revision):
    check_run_publish(revision=revision, report=_report(3))
    before = len(github.requests)

    outcome = check_run_publish(revision=revision, report=_report(3))

    assert outcome == Outcome.UNCHANGED
    assert len(github.requests) == before


def test_republishing_a_new_conclusion_patches_without_repeating_annotations(github, revision):
    check_run_publish(revision=revision, report=_report(3))
    github.requests.clear()

    check_run_publish(
        revision=revision, report=_report(3, conclusion="success", title="Approved by alice")
    )

    [patch] = github.requests_to("PATCH", CHECKS)
    assert patch.json["conclusion"] == "success"
    assert patch.json["output"]["annotations"] == []
    [run] = github.check_runs.values()
    assert len(run["annotations"]) == 3
    assert run["output"]["title"] == "Approved by alice"


def test_summary_is_capped_at_65535_characters_with_a_note(github, revision):
    check_run_publish(revision=revision, report=_report(summary="x" * 70_000))

    [create] = github.requests_to("POST", CHECKS)
    summary = create.json["output"]["summary"]
    assert len(summary) == SUMMARY_LIMIT
    assert summary.endswith(TRUNCATION_NOTE)
    assert summary.startswith("x" * 1000)


def test_superseded_head_sends_no_request_at_all(github, revision):
    PullRequest.objects.filter(pk=revision.pull_request_id).update(head_sha="9" * 40)
    revision.refresh_from_db()

    outcome = check_run_publish(revision=revision, report=_report(5))

    assert outcome == Outcome.SUPERSEDED
    assert github.requests == []
    assert not CheckRun.objects.exists()


def test_unpublishable_report_sends_no_request(github, revision):
    outcome = check_run_publish(revision=revision, report=_report(1, publishable=False))

    assert outcome == Outcome.SUPERSEDED
    assert github.requests == []


def test_local_repository_is_never_published(github, revision):
    Repository.objects.filter(pk=revision.pull_request.repository_id).update(source="local")
    revision = Revision.objects.select_related("pull_request__repository").get(pk=revision.pk)

    outcome = check_run_publish(revision=revision, report=_report(1))

    assert outcome == Outcome.NOT_GITHUB
    assert github.requests == []


def test_suspended_installation_is_never_published(github, revision):
    Installation.objects.update(suspended_at="2026-11-20T10:00:00Z")

    outcome = check_run_publish(revision=revision, report=_report(1))

    assert outcome == Outcome.NOT_GITHUB
    assert github.requests == []


def test_a_failed_batch_is_resumed_without_duplicating_annotations(github, revision):
    github.fail_next(f"{CHECKS}/*", method="PATCH", status=502)

    with pytest.raises(TransientGitHubError):
        check_run_publish(revision=revision, report=_report(120))
    after_failure = CheckRun.objects.get(revision=revision)
    check_run_publish(revision=revision, report=_report(120))

    [run] = github.check_runs.values()
    assert after_failure.annotations_sent == 50
    assert after_failure.error.startswith("GitHub answered 502")
    assert len(run["annotations"]) == 120
    assert [a["path"] for a in run["annotations"]] == [f"app/file_{i}.py" for i in range(120)]
    assert CheckRun.objects.get(revision=revision).annotations_sent == 120
    assert CheckRun.objects.get(revision=revision).error == ""
