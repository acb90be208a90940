"""Review-workflow test data built straight with the ORM, so these tests need no analysis run."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision
from github_app.models import Installation

HEAD_SHA = "a" * 40
NEXT_SHA = "b" * 40


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_repository(full_name: str = "acme/shop", *, members: Sequence = ()) -> Repository:
    repository = Repository.objects.create(full_name=full_name)
    installation = Installation.objects.create(account_login=full_name.split("/")[0])
    installation.repositories.add(repository)
    installation.members.add(*members)
    return repository


def make_pull_request(
    repository: Repository,
    *,
    number: int = 7,
    title: str = "Add order export",
    author_login: str = "mallory-dev",
    head_sha: str = HEAD_SHA,
) -> PullRequest:
    return PullRequest.objects.create(
        repository=repository,
        number=number,
        title=title,
        author_login=author_login,
        head_sha=head_sha,
        head_ref="feature/export",
        base_ref="main",
    )


def make_revision(
    pull_request: PullRequest,
    *,
    head_sha: str | None = None,
    status: str = Revision.Status.READY,
    status_reason: str = "",
) -> Revision:
    return Revision.objects.create(
        pull_request=pull_request,
        head_sha=head_sha or pull_request.head_sha,
        analyzer_version="test-1",
        status=status,
        status_reason=status_reason,
    )


def make_file(
    revision: Revision,
    path: str,
    *,
    hunks: Sequence[str] = ("+print('hello')\n",),
    position: int = 0,
    authorship: str = Hunk.Authorship.UNKNOWN,
    analysis: str = ChangedFile.Analysis.ANALYSED,
    analysis_note: str = "",
) -> ChangedFile:
    changed = ChangedFile.objects.create(
        revision=revision,
        path=path,
        position=position,
        additions=sum(h.count("\n+") + h.startswith("+") for h in hunks),
        analysis=analysis,
        analysis_note=analysis_note,
    )
    for index, content in enumerate(hunks):
        lines = content.splitlines()
        Hunk.objects.create(
            changed_file=changed,
            index=index,
            source_start=10,
            source_length=sum(1 for line in lines if not line.startswith("+")),
            target_start=10,
            target_length=sum(1 for line in lines if not line.startswith("-")),
            content=content,
            content_hash=sha(content),
            added=sum(1 for line in lines if line.startswith("+")),
            removed=sum(1 for line in lines if line.startswith("-")),
            authorship=authorship,
            ai_tool="copilot" if authorship == Hunk.Authorship.AI else "",
            ai_evidence=["Co-authored-by: GitHub Copilot"]
            if authorship == Hunk.Authorship.AI
            else [],
        )
    return changed


def make_finding(
    revision: Revision,
    changed_file: ChangedFile | None,
    *,
    rule_id: str = "py.sql-injection",
    severity: str = Finding.Severity.HIGH,
    line: int = 10,
    cwe: int | None = 89,
    fingerprint: str | None = None,
    pre_existing: bool = False,
    triage: str = Finding.Triage.OPEN,
    title: str = "SQL built from user input",
    path: str | None = None,
) -> Finding:
    path = path if path is not None else (changed_file.path if changed_file else "setup.cfg")
    return Finding.objects.create(
        revision=revision,
        changed_file=changed_file,
        scanner_id="test",
        scanner_version="1",
        rule_id=rule_id,
        cwe=cwe,
        severity=severity,
        confidence=Finding.Confidence.HIGH,
        title=title,
        message="The query string is built with an f-string from request data.",
        guidance="Use a parameterised query.",
        path=path,
        line=line,
        end_line=line,
        fingerprint=fingerprint or sha(f"{rule_id}:{path}:{line}"),
        pre_existing=pre_existing,
        triage=triage,
    )


def api_client_for(user):  # type: ignore[no-untyped-def]
    """An API client authenticated with the user's token, as an integration would call."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
