"""Services of the analysis layer, on real PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision, ScanCache
from findings.services import (
    ANALYZER_VERSION,
    TriageError,
    finding_triage,
    pull_request_record_head,
    repository_upsert,
    revision_analyze,
    revision_mark_superseded,
)
from tests.findings.conftest import HEAD_1, HEAD_2, file_change, snapshot

pytestmark = pytest.mark.django_db

OLD = "import subprocess\n\n\ndef run(cmd):\n    return cmd\n"
NEW = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n    return cmd\n"


@pytest.fixture
def repository():
    return repository_upsert(
        full_name="octo/app", github_id=42, html_url="https://github.com/octo/app"
    )


def _vulnerable(**extra):
    return snapshot(file_change("app/run.py", OLD, NEW, blob_sha="a" * 40), **extra)


def test_repository_upsert_updates_by_github_id_on_rename():
    # given
    first = repository_upsert(full_name="octo/old", github_id=7, default_branch="main")

    # when the repository is renamed on GitHub
    renamed = repository_upsert(full_name="octo/new", github_id=7, html_url="javascript:alert(1)")

    # then
    assert renamed.pk == first.pk
    assert list(Repository.objects.values_list("full_name", "default_branch", "html_url")) == [
        ("octo/new", "main", "")
    ]


def test_pull_request_record_head_upserts_and_bounds_the_title(repository):
    # when
    pull_request_record_head(repository=repository, number=3, head_sha=HEAD_1, title="t" * 5000)
    pr = pull_request_record_head(
        repository=repository, number=3, head_sha=HEAD_2, title="Second", labels=["ai", "x" * 300]
    )

    # then
    assert PullRequest.objects.count() == 1
    pr.refresh_from_db()
    assert (pr.head_sha, pr.title, pr.labels) == (HEAD_2, "Second", ["ai", "x" * 100])


def test_pull_request_title_is_cut_to_the_column(repository):
    pr = pull_request_record_head(
        repository=repository, number=4, head_sha=HEAD_1, title="é" * 2000
    )

    pr.refresh_from_db()
    assert pr.title == "é" * 1000


def test_revision_analyze_writes_files_hunks_findings_and_ends_ready(repository):
    # when
    revision = revision_analyze(repository=repository, snapshot=_vulnerable())

    # then
    revision.refresh_from_db()
    assert revision.status == Revision.Status.READY
    assert revision.analyzer_version == ANALYZER_VERSION
    assert revision.status_reason == ""
    assert revision.started_at is not None and revision.finished_at is not None
    assert (revision.additions, revision.deletions) == (1, 0)
    assert revision.policy_text == "tier: 2\n"
    assert revision.commits == [
        {
            "sha": HEAD_1,
            "message": "Add the runner\n\nCo-authored-by: bot",
            "author_name": "Octo Cat",
            "author_email": "octo@example.com",
            "author_login": "octocat",
        }
    ]
    (changed,) = ChangedFile.objects.filter(revision=revision)
    assert (changed.path, changed.language, changed.analysis, changed.blob_sha) == (
        "app/run.py",
        "python",
        "analysed",
        "a" * 40,
    )
    (hunk,) = Hunk.objects.filter(changed_file=changed)
    assert (hunk.added, hunk.removed, hunk.target_start) == (1, 0, 2)
    (finding,) = Finding.objects.filter(revision=revision)
    # The taint engine reports the flow (and supersedes bandit's B602 on files it analysed).
    assert (finding.rule_id, finding.line, finding.confidence, finding.cwe) == (
        "python-taint.command-injection",
        5,
        "low",
        78,
    )
    assert finding.message.startswith("`cmd` from parameter `cmd` of `run()`")
    assert finding.changed_file_id == changed.pk
    assert finding.triage == Finding.Triage.OPEN
    assert revision.pull_request.head_sha == HEAD_1


def test_revision_analyze_twice_writes_nothing_twice(repository, counting_bandit):
    # given
    first = revision_analyze(repository=repository, snapshot=_vulnerable())
    finished_at = Revision.objects.get(pk=first.pk).finished_at

    # when
    second = revision_analyze(repository=repository, snapshot=_vulnerable())

    # then
    assert second.pk == first.pk
    assert Revision.objects.count() == 1
    assert ChangedFile.objects.count() == 1
    assert Hunk.objects.count() == 1
    assert Finding.objects.count() == 1
    assert Revision.objects.get(pk=first.pk).finished_at == finished_at
    assert counting_bandit == ["app/run.py"]


def test_scan_cache_hit_avoids_rerunning_bandit_on_the_next_push(repository, counting_bandit):
    # given a first push analysed
    revision_analyze(repository=repository, snapshot=_vulnerable())
    # bandit ran without the tests python-taint supersedes on this file: cached under that key
    assert ScanCache.objects.filter(scanner_id__startswith="bandit:without-").count() == 1

    # when a second push (new head) brings the same blob
    second = revision_analyze(repository=repository, snapshot=_vulnerable(head_sha=HEAD_2))

    # then bandit ran once in all, and the finding is there again from the cache
    assert counting_bandit == ["app/run.py"]
    assert ScanCache.objects.filter(scanner_id__startswith="bandit").count() == 1
    assert list(second.findings.values_list("rule_id", "line")) == [
        ("python-taint.command-injection", 5)
    ]


def test_malformed_patch_leaves_that_file_not_analysed_and_revision_ready(repository):
    # given
    snap = snapshot(
        file_change("app/run.py", OLD, NEW),
        file_change("app/bad.py", "", "", patch="@@ -1,3 +1,3 @@\n only one line"),
    )

    # when
    revision = revision_analyze(repository=repository, snapshot=snap)

    # then
    assert revision.status == Revision.Status.READY
    assert list(
        ChangedFile.objects.filter(revision=revision)
        .order_by("position")
        .values_list("path", "analysis", "analysis_note")
    ) == [
        ("app/run.py", "analysed", ""),
        (
            "app/bad.py",
            "not_analysed",
            "The diff of this file could not be read: a hunk ends before the number of lines "
            "its @@ header announces",
        ),
    ]
    assert Hunk.objects.filter(changed_file__path="app/bad.py").count() == 0


def test_unexpected_crash_marks_failed_with_a_reason_and_writes_no_rows(
    repository, monkeypatch, caplog
):
    # given the finding write blows up after files and hunks were written
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire at /srv/secret/path")

    monkeypatch.setattr(Finding.objects, "bulk_create", boom)

    # when
    revision = revision_analyze(repository=repository, snapshot=_vulnerable())

    # then
    revision.refresh_from_db()
    assert revision.status == Revision.Status.FAILED
    assert revision.status_reason == (
        "The analysis stopped on an internal error (RuntimeError); nothing was recorded for "
        "this revision. The details are in the server log."
    )
    assert "Traceback" not in revision.status_reason
    assert revision.finished_at is not None
    assert ChangedFile.objects.count() == 0
    assert Hunk.objects.count() == 0
    assert Finding.objects.count() == 0
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "findings.revision.failed"
    ]


def test_failed_revision_is_returned_untouched_on_the_next_run(repository, monkeypatch):
    # given a failed revision
    monkeypatch.setattr(Finding.objects, "bulk_create", lambda *a, **k: 1 / 0)
    failed = revision_analyze(repository=repository, snapshot=_vulnerable())
    monkeypatch.undo()

    # when
    again = revision_analyze(repository=repository, snapshot=_vulnerable())

    # then
    assert again.pk == failed.pk
    assert again.status == Revision.Status.FAILED
    assert ChangedFile.objects.count() == 0


def test_a_new_head_supersedes_the_older_revision(repository):
    # given
    older = revision_analyze(repository=repository, snapshot=_vulnerable())

    # when
    newer = revision_analyze(repository=repository, snapshot=_vulnerable(head_sha=HEAD_2))

    # then
    older.refresh_from_db()
    assert older.status == Revision.Status.SUPERSEDED
    assert older.status_reason == "superseded by 2222222"
    assert newer.status == Revision.Status.READY


def test_revision_mark_superseded(repository):
    revision = revision_analyze(repository=repository, snapshot=_vulnerable())

    result = revision_mark_superseded(revision=revision, reason="PR closed")

    assert Revision.objects.get(pk=revision.pk).status == Revision.Status.SUPERSEDED
    assert result.status_reason == "PR closed"


def test_triage_decisions_carry_over_to_the_next_push(repository, make_user):
    # given a false positive on the first push
    user = make_user()
    first = revision_analyze(repository=repository, snapshot=_vulnerable())
    finding = first.findings.get()
    finding_triage(
        finding=finding,
        user=user,
        decision=Finding.Triage.FALSE_POSITIVE,
        reason="cmd is a constant from settings",
    )

    # when the code moves in the next push
    moved = (
        "import subprocess\n\n\ndef run(cmd):\n    x = 1\n    subprocess.call(cmd, shell=True)\n"
    )
    second = revision_analyze(
        repository=repository,
        snapshot=snapshot(file_change("app/run.py", OLD, moved), head_sha=HEAD_2),
    )

    # then
    carried = second.findings.get()
    assert carried.line == 6
    assert (carried.triage, carried.triage_reason, carried.triaged_by_id) == (
        Finding.Triage.FALSE_POSITIVE,
        "cmd is a constant from settings",
        user.pk,
    )
    assert carried.triaged_at == Finding.objects.get(pk=finding.pk).triaged_at


def test_expired_accepted_risk_does_not_carry_over(repository, make_user):
    # given an accepted risk whose expiry has passed by the next push
    user = make_user()
    first = revision_analyze(repository=repository, snapshot=_vulnerable())
    finding = first.findings.get()
    finding_triage(
        finding=finding,
        user=user,
        decision=Finding.Triage.ACCEPTED_RISK,
        reason="fixed in the next sprint",
        expires_at=timezone.localdate() + datetime.timedelta(days=3),
    )
    Finding.objects.filter(pk=finding.pk).update(
        triage_expires_at=timezone.localdate() - datetime.timedelta(days=1)
    )

    # when
    second = revision_analyze(repository=repository, snapshot=_vulnerable(head_sha=HEAD_2))

    # then
    carried = second.findings.get()
    assert (carried.triage, carried.triage_reason, carried.triaged_by_id) == ("open", "", None)


def test_triage_records_a_valid_accepted_risk(repository, make_user):
    user = make_user()
    finding = revision_analyze(repository=repository, snapshot=_vulnerable()).findings.get()
    expiry = timezone.localdate() + datetime.timedelta(days=30)

    result = finding_triage(
        finding=finding,
        user=user,
        decision=Finding.Triage.ACCEPTED_RISK,
        reason="  internal tool only, tracked in SEC-12  ",
        expires_at=expiry,
    )

    stored = Finding.objects.get(pk=finding.pk)
    assert result.triage == stored.triage == Finding.Triage.ACCEPTED_RISK
    assert stored.triage_reason == "internal tool only, tracked in SEC-12"
    assert stored.triage_expires_at == expiry
    assert stored.triaged_by_id == user.pk
    assert stored.triaged_at is not None


def test_confirmed_needs_no_reason(repository, make_user):
    finding = revision_analyze(repository=repository, snapshot=_vulnerable()).findings.get()

    finding_triage(finding=finding, user=make_user(), decision=Finding.Triage.CONFIRMED)

    stored = Finding.objects.get(pk=finding.pk)
    assert (stored.triage, stored.triage_expires_at) == (Finding.Triage.CONFIRMED, None)


@pytest.mark.parametrize(
    ("decision", "reason", "expires_in_days", "message"),
    [
        ("open", "", None, "Choose confirmed, false positive or accepted risk."),
        ("ignore", "", None, "Choose confirmed, false positive or accepted risk."),
        (
            "false_positive",
            "  no   t  e  ",
            None,
            "Explain the decision: a reason of at least 10 characters is needed.",
        ),
        (
            "accepted_risk",
            "",
            30,
            "Explain the decision: a reason of at least 10 characters is needed.",
        ),
        ("accepted_risk", "we accept this for now", None, "An accepted risk needs an expiry date."),
        (
            "accepted_risk",
            "we accept this for now",
            0,
            "The expiry date of an accepted risk must be in the future.",
        ),
    ],
)
def test_triage_validation_errors_change_nothing(
    repository, make_user, decision, reason, expires_in_days, message
):
    # given
    finding = revision_analyze(repository=repository, snapshot=_vulnerable()).findings.get()
    expires_at = (
        None
        if expires_in_days is None
        else timezone.localdate() + datetime.timedelta(days=expires_in_days)
    )

    # when
    with pytest.raises(TriageError) as excinfo:
        finding_triage(
            finding=finding,
            user=make_user(),
            decision=decision,
            reason=reason,
            expires_at=expires_at,
        )

    # then
    assert str(excinfo.value) == message
    stored = Finding.objects.get(pk=finding.pk)
    assert (stored.triage, stored.triage_reason, stored.triaged_by_id, stored.triaged_at) == (
        "open",
        "",
        None,
        None,
    )
