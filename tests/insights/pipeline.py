"""Pull requests for the insight tests, analysed through the real pipeline: two vulnerable Python
files and the snapshot that adds them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from findings.engine.snapshot import FileChange, PullRequestSnapshot

SQL_CODE = (
    "from flask import request\n\n\ndef find(db):\n"
    "    name = request.args['name']\n"
    "    return db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"
)
SHELL_CODE = (
    "import subprocess\nfrom flask import request\n\n\ndef run():\n"
    "    return subprocess.call(request.args['cmd'], shell=True)\n"
)


def added(path: str, code: str, blob: str) -> FileChange:
    """A new file holding `code`; `blob` is one hex digit, repeated into its blob id."""
    lines = code.splitlines()
    return FileChange(
        path=path,
        status="added",
        patch=f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines),
        blob_sha=blob * 40,
        additions=len(lines),
        content=code,
    )


def snapshot(
    number: int,
    files: Iterable[FileChange],
    *,
    labels: Iterable[str] = (),
    body: str = "",
    policy_text: str | None = None,
    head_sha: str = "",
) -> PullRequestSnapshot:
    """acme/shop's pull request `number` adding `files`, its head id made of the number."""
    return PullRequestSnapshot(
        repository_full_name="acme/shop",
        number=number,
        title="Change",
        body=body,
        author_login="dev",
        base_ref="main",
        base_sha="0" * 40,
        head_ref=f"feature/{number}",
        head_sha=head_sha or f"{number:040d}",
        files=tuple(files),
        labels=tuple(labels),
        policy_text=policy_text,
    )


def member_and_repository() -> tuple[Any, Any]:
    """rita, a member of the installation that holds acme/shop, and acme/shop."""
    from django.contrib.auth.models import User

    from findings.models import Repository
    from github_app.models import Installation

    rita = User.objects.create_user("rita", password="x")  # nosec B106
    repository = Repository.objects.create(full_name="acme/shop")
    installation = Installation.objects.create(account_login="acme")
    installation.repositories.add(repository)
    installation.members.add(rita)
    return rita, repository
