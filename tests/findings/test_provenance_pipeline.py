"""AI provenance end to end: per-commit patches from local git and from GitHub (the double),
stored per hunk by revision_analyze in PostgreSQL, and shown on the PR pages."""

from __future__ import annotations

import subprocess

import pytest

from findings.engine.local_git import snapshot_from_local_git
from findings.engine.snapshot import CommitFile
from findings.models import Hunk, Repository, Revision
from findings.services import repository_upsert, revision_analyze
from github_app.client import fetch_snapshot
from github_app.models import Installation
from tests.github_double import GitHubDouble

COPILOT = "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"
PAD = "".join(f"# filler line {n}\n" for n in range(20))
BASE = "def first():\n    return 1\n" + PAD + "def last():\n    return 2\n"
AI_BLOCK = "def ai_helper(value):\n    cleaned = value.strip()\n    return cleaned.lower()\n"
HUMAN_BLOCK = "def human_helper():\n    return 'by hand'\n"


def _git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30
    ).stdout.decode()


@pytest.fixture
def repo(tmp_path, git_identity):
    """main: app.py; feature: an AI commit, a human commit renaming app.py, a human fix."""
    path = tmp_path / "project"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "app.py").write_text(BASE)
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Initial import")
    _git(path, "checkout", "-q", "-b", "feature")
    with_ai = BASE.replace("    return 1\n", "    return 1\n" + AI_BLOCK)
    (path / "app.py").write_text(with_ai)
    _git(path, "commit", "-q", "-am", f"Add the helper\n\n{COPILOT}")
    _git(path, "mv", "app.py", "service.py")
    (path / "service.py").write_text(with_ai + HUMAN_BLOCK)
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Rename and add the other helper")
    fixed = (with_ai + HUMAN_BLOCK).replace("cleaned.lower()", "cleaned.casefold()")
    (path / "service.py").write_text(fixed)
    _git(path, "commit", "-q", "-am", "Use casefold")
    return path


def _shas(repo) -> list[str]:
    return _git(repo, "rev-list", "--reverse", "main..feature").split()


def test_local_git_gives_each_commit_its_own_patches(repo):
    # when
    snap = snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    # then
    first, second, third = snap.commits
    assert [c.sha for c in snap.commits] == _shas(repo)
    assert all(c.files_complete for c in snap.commits)
    assert first.files == (
        CommitFile(
            path="app.py",
            status="modified",
            patch="@@ -1,5 +1,8 @@\n def first():\n     return 1\n"
            "+def ai_helper(value):\n+    cleaned = value.strip()\n+    return cleaned.lower()\n"
            " # filler line 0\n # filler line 1\n # filler line 2",
        ),
    )
    [renamed] = second.files
    assert (renamed.path, renamed.previous_path, renamed.status) == (
        "service.py",
        "app.py",
        "renamed",
    )
    assert renamed.patch.endswith("+def human_helper():\n+    return 'by hand'")
    [fix] = third.files
    assert "-    return cleaned.lower()\n+    return cleaned.casefold()" in fix.patch


@pytest.mark.django_db
def test_revision_analyze_stores_authorship_evidence_and_the_ai_share(repo):
    # given
    snap = snapshot_from_local_git(repo_path=repo, base="main", head="feature", body="Refactor")
    repository = repository_upsert(full_name=snap.repository_full_name, source="local")
    ai_sha = _shas(repo)[0]
    human_sha = _shas(repo)[1]

    # when
    revision = revision_analyze(repository=repository, snapshot=snap)

    # then
    assert revision.status == Revision.Status.READY
    ai_hunk, human_hunk = Hunk.objects.filter(changed_file__revision=revision).order_by("index")
    assert (ai_hunk.authorship, ai_hunk.ai_tool) == (Hunk.Authorship.AI, "GitHub Copilot")
    assert ai_hunk.ai_evidence == [
        {
            "kind": "trailer",
            "lines": "3-4",
            "commit": ai_sha[:7],
            "detail": COPILOT,
            "tool": "GitHub Copilot",
        }
    ]
    assert (human_hunk.authorship, human_hunk.ai_tool) == (Hunk.Authorship.HUMAN, "")
    assert human_hunk.ai_evidence == [
        {
            "kind": "human",
            "lines": "28-29",
            "commit": human_sha[:7],
            "detail": "commit carries no AI signal",
            "tool": "",
        }
    ]
    revision.refresh_from_db()
    assert (revision.additions, revision.ai_added_lines) == (5, 2)
    assert revision.ai_tools == ["GitHub Copilot"]
    assert revision.ai_signals == []


@pytest.mark.django_db
def test_a_pr_without_any_signal_stores_unknown_and_no_share(repo):
    # given: the same code, with the AI trailer rewritten away
    _git(repo, "checkout", "-q", "main")
    _git(repo, "checkout", "-q", "-b", "plain")
    (repo / "app.py").write_text(BASE + HUMAN_BLOCK)
    _git(repo, "commit", "-q", "-am", "Add a helper")
    snap = snapshot_from_local_git(repo_path=repo, base="main", head="plain")
    repository = repository_upsert(full_name=snap.repository_full_name, source="local")

    # when
    revision = revision_analyze(repository=repository, snapshot=snap)

    # then
    assert list(
        Hunk.objects.filter(changed_file__revision=revision).values_list(
            "authorship", "ai_tool", "ai_evidence"
        )
    ) == [("unknown", "", [])]
    revision.refresh_from_db()
    assert (revision.ai_added_lines, revision.ai_tools, revision.ai_signals) == (0, [], [])


@pytest.mark.django_db
def test_pr_level_signals_are_stored_on_the_revision(repo, settings):
    # given
    settings.REVIEWBENCH_AI_LABELS = ["needs-ai-review"]
    snap = snapshot_from_local_git(
        repo_path=repo,
        base="main",
        head="feature",
        labels=["Needs-AI-Review"],
        body="🤖 Generated with [Claude Code](https://claude.com/claude-code)",
    )
    repository = repository_upsert(full_name=snap.repository_full_name, source="local")

    # when
    revision = revision_analyze(repository=repository, snapshot=snap)

    # then
    revision.refresh_from_db()
    assert revision.ai_signals == [
        {"kind": "label", "detail": "label Needs-AI-Review", "tool": ""},
        {"kind": "body", "detail": "Generated with Claude Code", "tool": "Claude"},
    ]
    assert (revision.additions, revision.ai_added_lines) == (5, 5)
    assert revision.ai_tools == ["GitHub Copilot", "Claude"]
    assert set(
        Hunk.objects.filter(changed_file__revision=revision).values_list("authorship", flat=True)
    ) == {"ai"}


@pytest.fixture
def github(settings):
    with GitHubDouble() as double:
        settings.GITHUB_API_URL = double.base_url
        settings.GITHUB_APP_ID = str(double.app_id)
        settings.GITHUB_PRIVATE_KEY = double.private_key_pem
        settings.GITHUB_PRIVATE_KEY_PATH = None
        yield double


def test_the_client_reads_each_commits_files_from_the_commit_endpoint(repo, github):
    # given
    github.load_from_git(repo, "octo/app", 5, "main", "feature")
    local = snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    # when
    snap = fetch_snapshot(installation_id=1, full_name="octo/app", number=5)

    # then
    shas = _shas(repo)
    assert [r.path for r in github.requests_to("GET", "/repos/octo/app/commits/")] == [
        f"/repos/octo/app/commits/{sha}" for sha in shas
    ]
    assert [c.files for c in snap.commits] == [c.files for c in local.commits]
    assert [c.files_complete for c in snap.commits] == [True, True, True]


@pytest.mark.django_db
def test_a_snapshot_from_github_gets_the_same_provenance_as_local_git(repo, github):
    # given
    github.load_from_git(repo, "octo/app", 5, "main", "feature")
    snap = fetch_snapshot(installation_id=1, full_name="octo/app", number=5)
    repository = repository_upsert(full_name="octo/app")

    # when
    revision = revision_analyze(repository=repository, snapshot=snap)

    # then
    assert list(
        Hunk.objects.filter(changed_file__revision=revision)
        .order_by("index")
        .values_list("authorship", "ai_tool")
    ) == [("ai", "GitHub Copilot"), ("human", "")]
    revision.refresh_from_db()
    assert (revision.additions, revision.ai_added_lines) == (5, 2)


def test_omitted_patches_pure_renames_and_unknown_commits_from_github(github):
    # given: one commit GitHub cannot find any more, one with a huge diff and a pure rename
    github.add_repository("octo/app")
    big, gone = "a" * 40, "c" * 40
    github.add_pull_request(
        "octo/app",
        10,
        base_sha="1" * 40,
        head_sha=gone,
        commits=[
            {
                "sha": big,
                "message": "Vendor a big file",
                "files": [
                    {"filename": "big.js", "status": "added", "patch": None, "additions": 9000},
                    {"filename": "new.py", "status": "renamed", "previous_filename": "old.py"},
                ],
            },
            {"sha": gone, "message": "Gone"},
        ],
    )
    github.forget_commit(gone)

    # when
    snap = fetch_snapshot(installation_id=1, full_name="octo/app", number=10)

    # then
    first, second = snap.commits
    assert first.files == (
        CommitFile(path="big.js", status="added", patch=None),
        CommitFile(path="new.py", status="renamed", patch="", previous_path="old.py"),
    )
    assert first.files_complete is True
    assert (second.sha, second.files, second.files_complete) == (gone, (), False)


def test_a_single_commit_pr_makes_no_commit_requests(github):
    # given
    github.add_repository("octo/app")
    github.add_pull_request(
        "octo/app", 11, base_sha="1" * 40, head_sha="d" * 40, commits=[{"sha": "d" * 40}]
    )

    # when
    snap = fetch_snapshot(installation_id=1, full_name="octo/app", number=11)

    # then
    assert github.requests_to("GET", "/repos/octo/app/commits/") == []
    assert [(c.sha, c.files) for c in snap.commits] == [("d" * 40, ())]


@pytest.mark.django_db
def test_the_pr_pages_show_the_ai_share_tools_signals_and_hunk_evidence(repo, client, make_user):
    # given
    snap = snapshot_from_local_git(
        repo_path=repo, base="main", head="feature", labels=["ai-assisted"]
    )
    repository = repository_upsert(full_name=snap.repository_full_name, source="local")
    revision_analyze(repository=repository, snapshot=snap)
    user = make_user("rita")
    installation = Installation.objects.create(account_login="local")
    installation.repositories.add(repository)
    installation.members.add(user)
    client.force_login(user)
    owner, name = repository.full_name.split("/")

    # when
    detail = client.get(f"/{owner}/{name}/pull/1/").content.decode()
    listing = client.get("/").content.decode()

    # then
    assert (
        '<p class="ai-share">AI share: <strong>100%</strong> of added lines (5/5) · tools: '
        '<span class="ai-tool">GitHub Copilot</span></p>'
    ) in detail
    assert '<ul class="ai-signals"><li>label ai-assisted</li></ul>' in detail
    ai_sha = _shas(repo)[0][:7]
    assert (
        f"<li>lines 3-4 from commit {ai_sha}: trailer "
        "Co-authored-by: Copilot &lt;175728472+Copilot@users.noreply.github.com&gt; "
        "(GitHub Copilot)</li>"
    ) in detail
    assert '<td class="ai-share">100%</td>' in listing


@pytest.mark.django_db
def test_the_pr_page_says_unknown_when_no_signal_was_found(client, make_user):
    # given
    repository = Repository.objects.create(full_name="octo/plain")
    user = make_user("rita")
    installation = Installation.objects.create(account_login="octo")
    installation.repositories.add(repository)
    installation.members.add(user)
    pull_request = repository.pull_requests.create(number=2, title="Plain", head_sha="e" * 40)
    Revision.objects.create(
        pull_request=pull_request,
        head_sha="e" * 40,
        analyzer_version="test",
        status=Revision.Status.READY,
        additions=4,
    )
    client.force_login(user)

    # when
    detail = client.get("/octo/plain/pull/2/").content.decode()
    listing = client.get("/").content.decode()

    # then
    assert "AI share: unknown (no AI signal found" in detail
    assert 'class="ai-signals"' not in detail
    assert '<td class="ai-share">\u2013</td>' in listing
