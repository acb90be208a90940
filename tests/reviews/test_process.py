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


MANY = (
    "".join(f"def helper_{n}(value):\n    return value + {n}\n\n\n" for n in range(5))
    + "def run(cmd):\n    import subprocess\n    return subprocess.call(cmd, shell=True)\n"
)


def ai_snapshot(policy_text: str | None) -> PullRequestSnapshot:
    from dataclasses import replace

    patch = "@@ -0,0 +1,{} @@\n".format(MANY.count("\n")) + "".join(
        f"+{line}\n" for line in MANY.splitlines()
    )
    base = snapshot()
    return replace(
        base,
        labels=("ai-generated",),
        policy_text=policy_text,
        files=(replace(base.files[0], patch=patch, content=MANY, additions=MANY.count("\n")),),
    )


def test_the_base_branchs_comprehension_limit_caps_the_questions_riskiest_first(db, listener_calls):
    repository = Repository.objects.create(full_name="acme/shop")

    # given six AI-written functions and a policy that asks about two
    revision = pull_request_process(
        repository=repository,
        snapshot=ai_snapshot("version: 1\nchecklist:\n  comprehension_limit: 2\n"),
    )

    # then the function that reaches a shell is kept (with its riskiest line) and, of the equal
    # rest, the first; the questions stay in file order
    keys = list(
        ChecklistItem.objects.filter(revision=revision, kind="comprehension")
        .order_by("position")
        .values_list("key", flat=True)
    )
    assert keys == [
        "comprehension:tools/run.py:helper_0",
        "comprehension:tools/run.py:run",
        "comprehension:tools/run.py:run:edge",
    ]


def test_without_a_limit_in_the_policy_the_default_applies(db, listener_calls):
    repository = Repository.objects.create(full_name="acme/shop")

    revision = pull_request_process(repository=repository, snapshot=ai_snapshot(None))

    keys = set(
        ChecklistItem.objects.filter(revision=revision, kind="comprehension").values_list(
            "key", flat=True
        )
    )
    assert {key.removesuffix(":edge") for key in keys} == {
        *(f"comprehension:tools/run.py:helper_{n}" for n in range(5)),
        "comprehension:tools/run.py:run",
    }
