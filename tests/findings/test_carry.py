"""Incremental analysis (findings.carry): a push that takes its unchanged files' rows from the
revision before it ends with the rows a from-scratch analysis of the same head has: files,
hunks and their provenance, findings and their triage, the revision's counts, the checklist."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from findings.engine.local_git import snapshot_from_local_git
from findings.models import ChangedFile, Finding, Hunk, Revision
from findings.services import finding_triage, repository_upsert
from reviewbench.checklist.models import ChecklistItem
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.services import pull_request_process

pytestmark = pytest.mark.django_db

COPILOT = "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"
CLAUDE = "Co-authored-by: Claude <noreply@anthropic.com>"
VIEW = """import subprocess

from django.http import HttpResponse


def listing(request):
    folder = request.GET["folder"]
    output = subprocess.check_output("ls " + folder, shell=True)
    return HttpResponse(output)
"""
HELPER = '''def total(values):
    """The sum of the values."""
    return sum(values)


def largest(values):
    return max(values) if values else None
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30
    ).stdout.decode()


@pytest.fixture
def repo(tmp_path, git_identity) -> Path:
    """main: a README; feature: one AI commit adding a view with a command injection and helpers."""
    path = tmp_path / "project"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# project\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Initial import")
    _git(path, "checkout", "-q", "-b", "feature")
    (path / "app").mkdir()
    (path / "app" / "views.py").write_text(VIEW)
    for n in range(4):
        (path / "app" / f"helpers_{n}.py").write_text(HELPER.replace("total", f"total_{n}"))
    (path / "docs.md").write_text("How to list a folder.\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", f"Add the listing view\n\n{COPILOT}")
    return path


def _process(repo: Path, *, number: int, labels: tuple[str, ...] = ()) -> Revision:
    snapshot = snapshot_from_local_git(
        repo_path=repo, base="main", head="feature", number=number, labels=labels
    )
    repository = repository_upsert(full_name="acme/project", source="local")
    return pull_request_process(repository=repository, snapshot=snapshot)


def _rows(revision: Revision) -> dict:
    """Everything the analysis wrote for a revision, without ids and timestamps."""
    files = list(
        ChangedFile.objects.filter(revision=revision)
        .order_by("position")
        .values_list(
            "path",
            "previous_path",
            "status",
            "language",
            "blob_sha",
            "additions",
            "deletions",
            "is_binary",
            "analysis",
            "analysis_note",
            "position",
        )
    )
    hunks = list(
        Hunk.objects.filter(changed_file__revision=revision)
        .order_by("changed_file__position", "index")
        .values_list(
            "changed_file__path",
            "index",
            "source_start",
            "source_length",
            "target_start",
            "target_length",
            "section_header",
            "content",
            "content_hash",
            "added",
            "removed",
            "authorship",
            "ai_tool",
            "ai_evidence",
            "ai_lines",
        )
    )
    findings = sorted(
        Finding.objects.filter(revision=revision).values_list(
            "changed_file__path",
            "scanner_id",
            "rule_id",
            "cwe",
            "severity",
            "path",
            "line",
            "end_line",
            "code",
            "message",
            "flow",
            "fingerprint",
            "origin",
            "triage",
            "triage_reason",
        )
    )
    checklist = sorted(
        ChecklistItem.objects.filter(revision=revision).values_list(
            "key", "kind", "position", "prompt", "content_hash", "path", "line", "hunk__index"
        )
    )
    revision.refresh_from_db()
    totals = (
        revision.status,
        revision.additions,
        revision.deletions,
        revision.ai_added_lines,
        revision.ai_tools,
        revision.ai_signals,
    )
    return {
        "files": files,
        "hunks": hunks,
        "findings": findings,
        "checklist": checklist,
        "totals": totals,
    }


def _edit_helper(repo: Path) -> None:
    (repo / "app" / "helpers_2.py").write_text(HELPER.replace("total", "total_2") + "\n# v2\n")
    _git(repo, "commit", "-q", "-am", "Touch one helper")


def _add_file_first_in_order(repo: Path) -> None:
    (repo / "aaa_first.py").write_text("def first():\n    return 1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", f"Add a module\n\n{CLAUDE}")


def _remove_file(repo: Path) -> None:
    _git(repo, "rm", "-q", "app/helpers_0.py")
    _git(repo, "commit", "-q", "-m", "Drop a helper")


def _rename_file(repo: Path) -> None:
    _git(repo, "mv", "app/helpers_1.py", "app/renamed.py")
    _git(repo, "commit", "-q", "-m", "Rename a helper")


def _edit_the_flawed_view(repo: Path) -> None:
    (repo / "app" / "views.py").write_text(VIEW.replace("ls ", "ls -l "))
    _git(repo, "commit", "-q", "-am", "Long listing")


PUSHES: dict[str, Callable[[Path], None]] = {
    "one file edited": _edit_helper,
    "a file added before the others": _add_file_first_in_order,
    "a file removed": _remove_file,
    "a file renamed": _rename_file,
    "the flawed file edited": _edit_the_flawed_view,
}


@pytest.mark.parametrize("push", PUSHES.values(), ids=PUSHES.keys())
def test_a_push_carries_unchanged_files_and_ends_as_a_fresh_analysis(repo, push):
    # given: the PR analysed at its first head
    first = _process(repo, number=1)
    assert first.status == Revision.Status.READY
    assert first.carried_files == 0 and first.carry_key
    push(repo)

    # when: the push, and the same head as a new PR analysed from scratch
    pushed = _process(repo, number=1)
    fresh = _process(repo, number=2)

    # then
    pushed.refresh_from_db()
    fresh.refresh_from_db()
    assert pushed.carried_from == first.head_sha
    assert pushed.carried_files >= 4
    assert fresh.carried_files == 0
    assert _rows(pushed) == _rows(fresh)


def test_a_false_positive_on_a_carried_file_stays_one(repo, make_user):
    # given: the injection marked a false positive on the first head
    first = _process(repo, number=1)
    finding = Finding.objects.filter(revision=first, path="app/views.py", cwe=78).first()
    assert finding is not None
    finding_triage(
        finding=finding,
        user=make_user("lead"),
        decision=Finding.Triage.FALSE_POSITIVE,
        reason="folder comes from a fixed select list in the form",
    )
    _edit_helper(repo)

    # when
    pushed = _process(repo, number=1)

    # then: carried, with the decision, as a re-found finding would be
    assert pushed.carried_files >= 4
    carried = Finding.objects.get(revision=pushed, fingerprint=finding.fingerprint)
    assert carried.triage == Finding.Triage.FALSE_POSITIVE
    assert carried.changed_file.path == "app/views.py"
    assert carried.changed_file.revision_id == pushed.pk


def test_only_the_analysis_findings_are_carried(repo):
    # given: a reviewer's finding and an import's finding on the first head's view
    first = _process(repo, number=1)
    analysed = set(Finding.objects.filter(revision=first).values_list("fingerprint", flat=True))
    template = Finding.objects.filter(revision=first).first()
    for origin, fingerprint in (
        (Finding.Origin.REVIEW, "r" * 64),
        (Finding.Origin.IMPORT, "i" * 64),
    ):
        Finding.objects.create(
            revision=first,
            changed_file=template.changed_file,
            scanner_id="elsewhere",
            scanner_version="1",
            rule_id="other",
            severity="high",
            confidence="high",
            title="t",
            message="m",
            path=template.path,
            line=template.line,
            end_line=template.line,
            fingerprint=fingerprint,
            origin=origin,
        )
    _edit_helper(repo)

    # when
    pushed = _process(repo, number=1)

    # then
    assert pushed.carried_files >= 4
    assert set(Finding.objects.filter(revision=pushed).values_list("fingerprint", flat=True)) == (
        analysed
    )


def test_a_label_change_analyses_everything_again(repo):
    # given
    _process(repo, number=1)
    _edit_helper(repo)

    # when: the PR is now labelled as AI-written (a PR-level signal for every hunk)
    pushed = _process(repo, number=1, labels=("ai-generated",))
    fresh = _process(repo, number=2, labels=("ai-generated",))

    # then
    assert pushed.carried_files == 0
    assert _rows(pushed) == _rows(fresh)


def test_a_rewritten_history_analyses_everything_again(repo):
    # given
    _process(repo, number=1)
    _git(repo, "commit", "-q", "--amend", "-m", f"Add the listing view, reworded\n\n{COPILOT}")

    # when
    pushed = _process(repo, number=1)

    # then: the earlier commits are not a prefix of the new ones
    assert pushed.status == Revision.Status.READY
    assert pushed.carried_files == 0


def test_the_first_ai_marked_commit_analyses_everything_again(tmp_path, git_identity):
    # given: a human-only PR
    path = tmp_path / "human"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# project\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Initial import")
    _git(path, "checkout", "-q", "-b", "feature")
    for n in range(3):
        (path / f"mod_{n}.py").write_text(HELPER.replace("total", f"total_{n}"))
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Add modules by hand")
    _process(path, number=1)
    (path / "mod_0.py").write_text(HELPER + "\n# AI edit\n")
    _git(path, "commit", "-q", "-am", f"Let the assistant edit\n\n{COPILOT}")

    # when: from now on, lines of unmarked commits are human-written, not unknown
    pushed = _process(path, number=1)
    fresh = _process(path, number=2)

    # then
    assert pushed.carried_files == 0
    assert _rows(pushed) == _rows(fresh)
    assert Hunk.objects.filter(
        changed_file__revision=pushed, authorship=Hunk.Authorship.HUMAN
    ).exists()


def test_a_big_first_commit_keeps_the_attribution_it_had(repo, monkeypatch):
    # given: the first commit changed more files than a commit listing holds (GitHub lists 300;
    # here 2), so a fresh analysis of a later head falls back to matching line texts
    monkeypatch.setattr("findings.engine.local_git.MAX_COMMIT_FILES", 2)
    first = _process(repo, number=1)
    before = dict(
        Hunk.objects.filter(changed_file__revision=first).values_list(
            "changed_file__path", "ai_evidence"
        )
    )
    _edit_helper(repo)

    # when
    pushed = _process(repo, number=1)

    # then: every added line of an untouched file came from the first commit, as it did before
    assert pushed.carried_files >= 4
    after = dict(
        Hunk.objects.filter(changed_file__revision=pushed).values_list(
            "changed_file__path", "ai_evidence"
        )
    )
    for path in ("app/views.py", "app/helpers_0.py", "docs.md"):
        assert after[path] == before[path]
        assert all(entry.get("note") is None for entry in after[path])
    # while a fresh analysis of the same head can only match the lines' texts
    fresh = _process(repo, number=2)
    fresh_evidence = Hunk.objects.get(
        changed_file__revision=fresh, changed_file__path="app/helpers_0.py"
    ).ai_evidence
    assert [entry.get("note") for entry in fresh_evidence] == ["attributed by content match"]


def test_the_page_and_the_check_say_what_was_carried(repo, admin_client):
    # given
    _process(repo, number=1)
    _edit_helper(repo)
    pushed = _process(repo, number=1)
    pushed.refresh_from_db()

    # when
    page = admin_client.get("/acme/project/pull/1/")
    report = check_report_for_revision(revision=pushed)

    # then
    said = f"{pushed.carried_files} unchanged files taken from the analysis of"
    assert said in page.content.decode()
    assert f"{said} {pushed.carried_from[:7]}" in report.summary
