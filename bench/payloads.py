"""Webhook bodies in GitHub's `pull_request` event shape, for the benchmarks."""

from __future__ import annotations

from typing import Any


def pull_request_payload(
    *,
    action: str,
    api_url: str,
    installation_id: int,
    repo_id: int,
    full_name: str,
    number: int,
    head_sha: str,
    base_sha: str,
    head_ref: str,
    base_ref: str = "main",
    title: str = "",
    body: str = "",
    author: str = "octocat",
    labels: tuple[str, ...] = (),
) -> dict[str, Any]:
    owner, name = full_name.split("/", 1)
    html = f"https://github.com/{full_name}"
    user = {
        "login": author,
        "id": 583231,
        "node_id": "MDQ6VXNlcjU4MzIzMQ==",
        "type": "User",
        "site_admin": False,
        "html_url": f"https://github.com/{author}",
        "url": f"{api_url}/users/{author}",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
    }
    owner_obj = {**user, "login": owner, "type": "Organization", "url": f"{api_url}/users/{owner}"}
    repo = {
        "id": repo_id,
        "node_id": "R_kgDOBench",
        "name": name,
        "full_name": full_name,
        "private": True,
        "owner": owner_obj,
        "html_url": html,
        "description": "bench repository",
        "fork": False,
        "url": f"{api_url}/repos/{full_name}",
        "default_branch": base_ref,
        "visibility": "private",
        "language": "Python",
        "archived": False,
        "disabled": False,
    }
    pr_url = f"{api_url}/repos/{full_name}/pulls/{number}"
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "url": pr_url,
            "id": 1_000_000 + number,
            "node_id": "PR_kwDOBench",
            "number": number,
            "html_url": f"{html}/pull/{number}",
            "diff_url": f"{html}/pull/{number}.diff",
            "patch_url": f"{html}/pull/{number}.patch",
            "state": "open",
            "locked": False,
            "title": title,
            "user": user,
            "body": body,
            "draft": False,
            "labels": [
                {"id": 1 + i, "name": label, "color": "ededed", "default": False}
                for i, label in enumerate(labels)
            ],
            "created_at": "2026-11-20T10:00:00Z",
            "updated_at": "2026-11-20T10:00:00Z",
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "head": {
                "label": f"{owner}:{head_ref}",
                "ref": head_ref,
                "sha": head_sha,
                "user": owner_obj,
                "repo": repo,
            },
            "base": {
                "label": f"{owner}:{base_ref}",
                "ref": base_ref,
                "sha": base_sha,
                "user": owner_obj,
                "repo": repo,
            },
            "commits_url": f"{pr_url}/commits",
            "statuses_url": f"{api_url}/repos/{full_name}/statuses/{head_sha}",
            "author_association": "MEMBER",
            "merged": False,
            "mergeable": None,
            "commits": 1,
            "additions": 10,
            "deletions": 1,
            "changed_files": 1,
        },
        "repository": repo,
        "organization": {"login": owner, "id": 9919, "url": f"{api_url}/orgs/{owner}"},
        "sender": user,
        "installation": {
            "id": installation_id,
            "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==",
        },
    }
