"""pull_request_process runs the real analysis, then prepares the checklist and notifies."""

from __future__ import annotations

from findings.engine.snapshot import FileChange, PullRequestSnapshot
from findings.models import Finding, Repository, Revision
from reviewbench.checklist.models import ChecklistItem
from reviewbench.reviews.services import pull_request_process

CODE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
PATCH = "@@ -0,0 +1,5 @@\n" + "".join(f"+{line}\n" for line in CODE.splitlines())


def snapshot(head_sha: str = "1" * 40) -> PullRequestSnapshot:
    return PullRequestSnapshot(
        repository_full_name="acme/shop",
        number=3,
        title="Run shell commands",
        body="",
        author_login="mallory-dev",
        base_ref="main",
        base_sha="0" * 40,
        head_ref="feature/run",
        head_sha=head_sha,
        files=(
            FileChange(
                path="tools/run.py",
                status="added",
                patch=PATCH,
                blob_sha="2" * 40,
                additions=5,
                content=CODE,
            ),
        ),
    )


def test_process_analyses_prepares_checklist_and_notifies_after_commit(
    db, listener_calls, django_capture_on_commit_callbacks
):
    repository = Repository.objects.create(full_name="acme/shop")

    with django_capture_on_commit_callbacks(execute=True):
        revision = pull_request_process(repository=repository, snapshot=snapshot())
        assert listener_calls == []

    assert listener_calls == [revision.pk]
    assert revision.status == Revision.Status.READY
    new_findings = Finding.objects.filter(revision=revision, pre_existing=False)
    items = list(ChecklistItem.objects.filter(revision=revision).order_by("position"))
    assert [item.key for item in items] == [
        *(
            f"triage:{f.fingerprint}"
            for f in sorted(
                new_findings,
                key=lambda f: (
                    -Finding.SEVERITY_RANK[f.severity],
                    f.path,
                    f.line,
                    f.rule_id,
                    f.fingerprint,
                ),
            )
        ),
        "explain:tools/run.py",
        "signoff",
    ]
    assert [(f.rule_id, f.line) for f in new_findings.order_by("line")] == [
        ("python-taint.command-injection", 5),
    ]
    assert items[0].finding.rule_id == "python-taint.command-injection"
    assert items[0].prompt.startswith("Triage critical finding python-taint.command-injection")


def test_process_is_idempotent_for_the_same_head(db, listener_calls):
    repository = Repository.objects.create(full_name="acme/shop")
    first = pull_request_process(repository=repository, snapshot=snapshot())

    second = pull_request_process(repository=repository, snapshot=snapshot())

    assert second.pk == first.pk
    assert Revision.objects.count() == 1
    assert ChecklistItem.objects.filter(revision=first).count() == (
        Finding.objects.filter(revision=first, pre_existing=False).count() + 2
    )
