"""A real HTTP double of GitHub's REST API, for tests and `make bench`.

It answers in GitHub's own JSON shapes (field names, Link pagination, 404 bodies), checks the App's
RS256 JWT when minting installation tokens, and records every request it receives so a test can
assert on exactly what was sent (or that nothing was).

    with GitHubDouble() as gh:
        gh.add_repository("octo/app")
        gh.add_pull_request("octo/app", 1, base_sha=..., head_sha=..., files=[...])
        settings.GITHUB_API_URL = gh.base_url
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.github_double_oauth import GitHubOAuthMixin

_GIT_PATH = re.compile(r"^/([^/]+/[^/]+?)\.git/(.+)$")

DOCS = "https://docs.github.com/rest"
EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def generate_app_key() -> tuple[str, str]:
    """A fresh RSA key for a test GitHub App: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def sign_body(body: bytes, secret: str) -> str:
    """The `X-Hub-Signature-256` header GitHub would send for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def git_blob_sha(data: bytes) -> str:
    """The git object id of a blob with this content (what GitHub reports as a file's `sha`)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)  # when the double received it


@dataclass
class _Repo:
    full_name: str
    id: int
    default_branch: str
    owner_id: int
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    files_at: dict[tuple[str, str], bytes] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    omit_patch: set[tuple[int, str]] = field(default_factory=set)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    git_dir: Path | None = None  # a real repository served over git's smart HTTP, when loaded


class GitHubDouble(GitHubOAuthMixin):
    """GitHub's REST API on 127.0.0.1 (a random port), serving the data loaded into it; and its
    OAuth side for GitHub sign-in (tests/github_double_oauth.py)."""

    def __init__(self, *, app_id: int = 4242, per_page_cap: int = 100) -> None:
        self.app_id = app_id
        self.private_key_pem, self.public_key_pem = generate_app_key()
        self.per_page_cap = per_page_cap
        self.requests: list[RecordedRequest] = []
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.issued_tokens: list[str] = []
        self._repos: dict[str, _Repo] = {}
        self._failures: list[list[Any]] = []  # [method, path, remaining, status, msg, hdrs, delay]
        self._ids = itertools.count(1000)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._oauth_init()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubDouble:
        double = self

        class Handler(_Handler):
            pass

        Handler.double = double
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the double first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- loading data ------------------------------------------------------------------------

    def add_repository(
        self, full_name: str, *, github_id: int | None = None, default_branch: str = "main"
    ) -> dict[str, Any]:
        with self._lock:
            repo = _Repo(
                full_name=full_name,
                id=github_id or next(self._ids),
                default_branch=default_branch,
                owner_id=next(self._ids),
            )
            self._repos[full_name] = repo
            return self._repo_json(repo)

    def repository_json(self, full_name: str) -> dict[str, Any]:
        """The repository object as GitHub embeds it in webhook payloads and API answers."""
        return self._repo_json(self._repos[full_name])

    def add_pull_request(
        self,
        full_name: str,
        number: int,
        *,
        base_sha: str,
        head_sha: str,
        title: str = "A pull request",
        body: str = "",
        user: str = "octocat",
        labels: Iterable[str] = (),
        files: Iterable[dict[str, Any]] = (),
        commits: Iterable[dict[str, Any]] = (),
        base_ref: str = "main",
        head_ref: str = "feature",
        draft: bool = False,
        state: str = "open",
        merged: bool = False,
    ) -> dict[str, Any]:
        """Load a PR. Each file: filename, status, patch, content (text at head), previous_filename,
        base_content (text at base). Each commit: sha, message, author_name, author_email, login,
        files (what the commit changed: filename, status, patch, previous_filename; a patch of
        None is left out, as GitHub does for large diffs)."""
        with self._lock:
            repo = self._repos[full_name]
            pr_files = []
            for item in files:
                data = item.get("content")
                sha = item.get("sha") or ""
                if data is not None:
                    raw = data.encode() if isinstance(data, str) else data
                    sha = git_blob_sha(raw)
                    repo.blobs[sha] = raw
                    repo.files_at[(head_sha, item["filename"])] = raw
                if item.get("base_content") is not None:
                    raw = item["base_content"]
                    raw = raw.encode() if isinstance(raw, str) else raw
                    base_path = item.get("previous_filename") or item["filename"]
                    repo.files_at[(base_sha, base_path)] = raw
                    repo.blobs[git_blob_sha(raw)] = raw
                pr_files.append(
                    {
                        "filename": item["filename"],
                        "status": item.get("status", "modified"),
                        "patch": item.get("patch"),
                        "previous_filename": item.get("previous_filename"),
                        "sha": sha or "0" * 40,
                        "additions": item.get("additions", 0),
                        "deletions": item.get("deletions", 0),
                    }
                )
            pr_commits = [
                {
                    "sha": c["sha"],
                    "message": c.get("message", ""),
                    "author_name": c.get("author_name", "Octo Cat"),
                    "author_email": c.get("author_email", "octocat@example.com"),
                    "login": c.get("login", user),
                    "files": [self._commit_file(f) for f in c.get("files", ())],
                }
                for c in commits
            ]
            for commit in pr_commits:
                repo.commits[commit["sha"]] = commit
            repo.pulls[number] = {
                "number": number,
                "id": next(self._ids),
                "base_sha": base_sha,
                "head_sha": head_sha,
                "title": title,
                "body": body,
                "user": user,
                "labels": list(labels),
                "files": pr_files,
                "commits": pr_commits,
                "base_ref": base_ref,
                "head_ref": head_ref,
                "draft": draft,
                "state": state,
                "merged": merged,
            }
            return self._pull_json(repo, repo.pulls[number])

    def clone_pull_request(
        self, full_name: str, number: int, new_number: int, *, head_sha: str
    ) -> dict[str, Any]:
        """Serve PR `new_number` as a copy of PR `number` on another head SHA: many pull requests
        with distinct heads, loaded without a git run each."""
        with self._lock:
            repo = self._repos[full_name]
            original = repo.pulls[number]
            pull = copy.deepcopy(original)
            pull.update(number=new_number, id=next(self._ids), head_sha=head_sha)
            for (sha, path), raw in list(repo.files_at.items()):
                if sha == original["head_sha"]:
                    repo.files_at[(head_sha, path)] = raw
            repo.pulls[new_number] = pull
            return self._pull_json(repo, pull)

    @staticmethod
    def _commit_file(item: dict[str, Any]) -> dict[str, Any]:
        patch = item.get("patch")
        lines = patch.split("\n") if patch else []
        additions = item.get("additions", sum(1 for ln in lines if ln.startswith("+")))
        deletions = item.get("deletions", sum(1 for ln in lines if ln.startswith("-")))
        return {
            "filename": item["filename"],
            "status": item.get("status", "modified"),
            "patch": patch,
            "previous_filename": item.get("previous_filename"),
            "additions": additions,
            "deletions": deletions,
        }

    def pull_request_json(self, full_name: str, number: int) -> dict[str, Any]:
        """The PR object as GitHub embeds it in a `pull_request` webhook payload."""
        repo = self._repos[full_name]
        return self._pull_json(repo, repo.pulls[number])

    def set_file_at(self, ref: str, path: str, text: str, *, full_name: str | None = None) -> None:
        """Make `path` exist with `text` at `ref` (for the contents API)."""
        with self._lock:
            repo = self._repo(full_name)
            raw = text.encode()
            repo.files_at[(ref, path)] = raw
            repo.blobs[git_blob_sha(raw)] = raw

    def omit_patch(self, number: int, path: str, *, full_name: str | None = None) -> None:
        """Leave out `patch` for this file, as GitHub does for large diffs."""
        with self._lock:
            self._repo(full_name).omit_patch.add((number, path))

    def forget_commit(self, sha: str, *, full_name: str | None = None) -> None:
        """GitHub no longer knows this commit (garbage-collected after a force-push): its
        commit endpoint answers 422, while the PR's commit list still names it."""
        with self._lock:
            self._repo(full_name).commits.pop(sha, None)

    def fail_next(
        self,
        path: str,
        *,
        times: int = 1,
        status: int | None = 502,
        method: str | None = None,
        message: str = "Server Error",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests to `path` (no query; a trailing `*` matches a prefix)
        with `status` and `message`, after `delay` seconds (to exercise client timeouts);
        `status=None` gives the real answer after the delay (a slow GitHub)."""
        with self._lock:
            self._failures.append([method, path, times, status, message, headers or {}, delay])

    def load_from_git(
        self,
        repo_path: str | Path,
        full_name: str,
        number: int,
        base: str,
        head: str,
        *,
        title: str = "A pull request",
        body: str = "",
        user: str = "octocat",
        labels: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Fill the double from a real local git repository: the PR is `base...head`."""

        def git(*args: str) -> bytes:
            return subprocess.run(
                ["git", "-C", str(repo_path), *args],
                check=True,
                capture_output=True,
            ).stdout

        base_sha = git("rev-parse", f"{base}^{{commit}}").decode().strip()
        head_sha = git("rev-parse", f"{head}^{{commit}}").decode().strip()
        if full_name not in self._repos:
            self.add_repository(full_name)
        repo = self._repos[full_name]
        repo.git_dir = Path(git("rev-parse", "--absolute-git-dir").decode().strip())
        files = []
        status_names = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
        raw = git("diff", "--name-status", "-z", "-M", base_sha, head_sha).decode()
        parts = raw.split("\0")
        i = 0
        while i < len(parts) and parts[i]:
            code = parts[i][0]
            if code == "R":
                old, new = parts[i + 1], parts[i + 2]
                i += 3
            else:
                old = new = parts[i + 1]
                i += 2
            patch_text = git("diff", "-M", base_sha, head_sha, "--", old, new).decode(
                errors="replace"
            )
            hunks = patch_text[patch_text.find("\n@@") + 1 :] if "\n@@" in patch_text else None
            entry: dict[str, Any] = {
                "filename": new,
                "status": status_names.get(code, "modified"),
                "patch": hunks.rstrip("\n") if hunks else None,
            }
            if code == "R":
                entry["previous_filename"] = old
            if code != "D":
                entry["content"] = git("show", f"{head_sha}:{new}")
            if code != "A":
                entry["base_content"] = git("show", f"{base_sha}:{old}")
            if entry["patch"]:
                lines = entry["patch"].splitlines()
                entry["additions"] = sum(1 for ln in lines if ln.startswith("+"))
                entry["deletions"] = sum(1 for ln in lines if ln.startswith("-"))
            files.append(entry)
        log = git(
            "log",
            "--reverse",
            "--format=%H%x00%P%x00%an%x00%ae%x00%B%x1e",
            f"{base_sha}..{head_sha}",
        )
        commits = []
        for record in log.decode().split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, parents, name, email, message = record.split("\0", 4)
            parent = parents.split()[0] if parents.split() else EMPTY_TREE_SHA
            commits.append(
                {
                    "sha": sha,
                    "message": message.strip(),
                    "author_name": name,
                    "author_email": email,
                    "login": user,
                    "files": self._files_changed(git, parent, sha),
                }
            )
        # Every file of the base tree is readable at the base sha (policy, base blobs).
        for path in git("ls-tree", "-r", "-z", "--name-only", base_sha).decode().split("\0"):
            if path:
                content = git("show", f"{base_sha}:{path}")
                repo.files_at[(base_sha, path)] = content
                repo.blobs[git_blob_sha(content)] = content
        return self.add_pull_request(
            full_name,
            number,
            base_sha=base_sha,
            head_sha=head_sha,
            title=title,
            body=body,
            user=user,
            labels=labels,
            files=files,
            commits=commits,
        )

    @staticmethod
    def _files_changed(git: Any, old_sha: str, new_sha: str) -> list[dict[str, Any]]:
        """What GitHub's commit endpoint lists for new_sha against old_sha: per file its patch."""
        status_names = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
        raw = git("diff", "--name-status", "-z", "-M", old_sha, new_sha).decode()
        parts = raw.split("\0")
        files = []
        i = 0
        while i < len(parts) and parts[i]:
            code = parts[i][0]
            if code == "R":
                old, new = parts[i + 1], parts[i + 2]
                i += 3
            else:
                old = new = parts[i + 1]
                i += 2
            text = git("diff", "-M", old_sha, new_sha, "--", old, new).decode(errors="replace")
            binary = "\nBinary files " in text or text.startswith("Binary files ")
            hunks = text[text.find("\n@@") + 1 :].rstrip("\n") if "\n@@" in text else ""
            files.append(
                {
                    "filename": new,
                    "status": status_names.get(code, "modified"),
                    "patch": None if binary else hunks,
                    "previous_filename": old if code == "R" else None,
                }
            )
        return files

    # --- assertions helpers ------------------------------------------------------------------

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [
                r for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            ]

    def api_requests(self) -> list[RecordedRequest]:
        """REST requests other than minting tokens (git's smart HTTP is not the REST API)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if not r.path.startswith("/app/") and not _GIT_PATH.match(r.path)
            ]

    def git_requests(self) -> list[RecordedRequest]:
        """Requests to git's smart HTTP endpoints (`/{owner}/{repo}.git/...`)."""
        with self._lock:
            return [r for r in self.requests if _GIT_PATH.match(r.path)]

    # --- git's smart HTTP --------------------------------------------------------------------

    def git_http(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """git's smart HTTP protocol (upload-pack only, as GitHub serves it to an installation
        token: basic auth `x-access-token:<token>`), through git's own `git http-backend`."""
        match = _GIT_PATH.match(path)
        assert match is not None
        full_name, service_path = match.group(1), match.group(2)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, parse_qs(query), headers, None))
            repo = self._repos.get(full_name)
            issued = set(self.issued_tokens)
            failure = self._take_failure(method, path)
        if failure is not None and failure[0] is not None:
            return failure[0], {"Content-Type": "text/plain"}, failure[2].encode()
        if repo is None or repo.git_dir is None:
            return 404, {"Content-Type": "text/plain"}, b"Repository not found."
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        user, _, token = (
            base64.b64decode(credentials).decode(errors="replace").partition(":")
            if scheme.lower() == "basic"
            else ("", "", "")
        )
        if user != "x-access-token" or token not in issued:
            return (
                401,
                {"Content-Type": "text/plain", "WWW-Authenticate": 'Basic realm="GitHub"'},
                b"Invalid username or token.",
            )
        if service_path not in ("info/refs", "git-upload-pack") or (
            service_path == "info/refs" and "service=git-receive-pack" in query
        ):
            return 403, {"Content-Type": "text/plain"}, b"Read-only."
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(repo.git_dir.parent),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{repo.git_dir.name}/{service_path}",
            "QUERY_STRING": query,
            "REQUEST_METHOD": method,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": headers.get("content-encoding", ""),
            "GIT_PROTOCOL": headers.get("git-protocol", ""),
            "REMOTE_ADDR": "127.0.0.1",
            # What GitHub allows: partial clone filters and wants of any object (lazy fetches).
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": "uploadpack.allowFilter",
            "GIT_CONFIG_VALUE_0": "true",
            "GIT_CONFIG_KEY_1": "uploadpack.allowAnySHA1InWant",
            "GIT_CONFIG_VALUE_1": "true",
        }
        completed = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=120
        )
        head, _, payload = completed.stdout.partition(b"\r\n\r\n")
        status, reply_headers = 200, {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                reply_headers[key.strip()] = value.strip()
        return status, reply_headers, payload

    # --- JSON shapes -------------------------------------------------------------------------

    def _repo(self, full_name: str | None) -> _Repo:
        if full_name is None:
            return list(self._repos.values())[-1]
        return self._repos[full_name]

    def _user_json(self, login: str, user_id: int | None = None) -> dict[str, Any]:
        uid = user_id or int(
            hashlib.sha1(login.encode(), usedforsecurity=False).hexdigest()[:6], 16
        )
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_{uid}",
            "avatar_url": f"{self.base_url}/avatars/{login}",
            "url": f"{self.base_url}/users/{login}",
            "html_url": f"{self.base_url}/{login}",
            "type": "User",
            "site_admin": False,
        }

    def _repo_json(self, repo: _Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/", 1)
        return {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": name,
            "full_name": repo.full_name,
            "private": False,
            "owner": self._user_json(owner, repo.owner_id) | {"type": "Organization"},
            "html_url": f"{self.base_url}/{repo.full_name}",
            "description": None,
            "fork": False,
            "url": f"{self.base_url}/repos/{repo.full_name}",
            "clone_url": f"{self.base_url}/{repo.full_name}.git",
            "default_branch": repo.default_branch,
        }

    def _pull_json(self, repo: _Repo, pr: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        number = pr["number"]
        repo_json = self._repo_json(repo)
        now = _iso(datetime.now(UTC))
        return {
            "url": f"{api}/pulls/{number}",
            "id": pr["id"],
            "node_id": f"PR_{pr['id']}",
            "html_url": f"{self.base_url}/{repo.full_name}/pull/{number}",
            "diff_url": f"{self.base_url}/{repo.full_name}/pull/{number}.diff",
            "patch_url": f"{self.base_url}/{repo.full_name}/pull/{number}.patch",
            "issue_url": f"{api}/issues/{number}",
            "commits_url": f"{api}/pulls/{number}/commits",
            "number": number,
            "state": pr["state"],
            "locked": False,
            "title": pr["title"],
            "user": self._user_json(pr["user"]),
            "body": pr["body"],
            "labels": [
                {
                    "id": 100 + i,
                    "node_id": f"L_{100 + i}",
                    "url": f"{api}/labels/{name}",
                    "name": name,
                    "color": "ededed",
                    "default": False,
                    "description": None,
                }
                for i, name in enumerate(pr["labels"])
            ],
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "merged_at": now if pr["merged"] else None,
            "merge_commit_sha": None,
            "assignees": [],
            "requested_reviewers": [],
            "draft": pr["draft"],
            "head": {
                "label": f"{repo.full_name.split('/')[0]}:{pr['head_ref']}",
                "ref": pr["head_ref"],
                "sha": pr["head_sha"],
                "user": repo_json["owner"],
                "repo": repo_json,
            },
            "base": {
                "label": f"{repo.full_name.split('/')[0]}:{pr['base_ref']}",
                "ref": pr["base_ref"],
                "sha": pr["base_sha"],
                "user": repo_json["owner"],
                "repo": repo_json,
            },
            "author_association": "CONTRIBUTOR",
            "merged": pr["merged"],
            "mergeable": None,
            "comments": 0,
            "review_comments": 0,
            "commits": len(pr["commits"]),
            "additions": sum(f["additions"] for f in pr["files"]),
            "deletions": sum(f["deletions"] for f in pr["files"]),
            "changed_files": len(pr["files"]),
        }

    def _file_json(self, repo: _Repo, number: int, item: dict[str, Any]) -> dict[str, Any]:
        head = repo.pulls[number]["head_sha"]
        data: dict[str, Any] = {
            "sha": item["sha"],
            "filename": item["filename"],
            "status": item["status"],
            "additions": item["additions"],
            "deletions": item["deletions"],
            "changes": item["additions"] + item["deletions"],
            "blob_url": f"{self.base_url}/{repo.full_name}/blob/{head}/{item['filename']}",
            "raw_url": f"{self.base_url}/{repo.full_name}/raw/{head}/{item['filename']}",
            "contents_url": f"{self.base_url}/repos/{repo.full_name}/contents/"
            f"{item['filename']}?ref={head}",
        }
        if item["patch"] is not None and (number, item["filename"]) not in repo.omit_patch:
            data["patch"] = item["patch"]
        if item["previous_filename"]:
            data["previous_filename"] = item["previous_filename"]
        return data

    def _commit_json(self, repo: _Repo, commit: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        person = {
            "name": commit["author_name"],
            "email": commit["author_email"],
            "date": _iso(datetime.now(UTC)),
        }
        user = self._user_json(commit["login"]) if commit["login"] else None
        return {
            "sha": commit["sha"],
            "node_id": f"C_{commit['sha'][:10]}",
            "url": f"{api}/commits/{commit['sha']}",
            "html_url": f"{self.base_url}/{repo.full_name}/commit/{commit['sha']}",
            "commit": {
                "author": person,
                "committer": person,
                "message": commit["message"],
                "tree": {"sha": EMPTY_TREE_SHA, "url": f"{api}/git/trees/{EMPTY_TREE_SHA}"},
                "url": f"{api}/git/commits/{commit['sha']}",
                "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned"},
            },
            "author": user,
            "committer": user,
            "parents": [],
        }

    def _commit_detail_json(self, repo: _Repo, commit: dict[str, Any]) -> dict[str, Any]:
        """GET /repos/{o}/{r}/commits/{sha}: the commit with `stats` and `files[].patch`."""
        data = self._commit_json(repo, commit)
        sha = commit["sha"]
        files = []
        for item in commit["files"]:
            blob = git_blob_sha(item["filename"].encode() + sha.encode())
            entry: dict[str, Any] = {
                "sha": blob,
                "filename": item["filename"],
                "status": item["status"],
                "additions": item["additions"],
                "deletions": item["deletions"],
                "changes": item["additions"] + item["deletions"],
                "blob_url": f"{self.base_url}/{repo.full_name}/blob/{sha}/{item['filename']}",
                "raw_url": f"{self.base_url}/{repo.full_name}/raw/{sha}/{item['filename']}",
                "contents_url": f"{self.base_url}/repos/{repo.full_name}/contents/"
                f"{item['filename']}?ref={sha}",
            }
            if item["patch"]:  # GitHub leaves `patch` out of pure renames and large diffs
                entry["patch"] = item["patch"]
            if item["previous_filename"]:
                entry["previous_filename"] = item["previous_filename"]
            files.append(entry)
        additions = sum(f["additions"] for f in files)
        deletions = sum(f["deletions"] for f in files)
        data["stats"] = {
            "total": additions + deletions,
            "additions": additions,
            "deletions": deletions,
        }
        data["files"] = files
        return data

    @staticmethod
    def _b64(raw: bytes) -> str:
        # GitHub wraps base64 content at 60 columns.
        encoded = base64.b64encode(raw).decode()
        return "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"

    # --- request handling --------------------------------------------------------------------

    def _handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, headers, body))
            failure_reply = self._take_failure(method, path)
            if failure_reply is None:
                return self._route(method, path, query, headers, body)
        status, extra, message, delay = failure_reply
        if delay:
            time.sleep(delay)  # outside the lock: other requests are still served
        if status is None:  # slow, not failing: the real answer after the delay
            with self._lock:
                return self._route(method, path, query, headers, body)
        return status, extra, {"message": message, "documentation_url": DOCS}

    def _take_failure(
        self, method: str, path: str
    ) -> tuple[Any, dict[str, str], str, float] | None:
        """The failure fail_next() planned for this request, if any (call under the lock)."""
        for failure in self._failures:
            fmethod, fpath, remaining, status, message, extra, delay = failure
            matches = path.startswith(fpath[:-1]) if fpath.endswith("*") else fpath == path
            if remaining > 0 and matches and fmethod in (None, method):
                failure[2] -= 1
                return status, extra, message, delay
        return None

    def _not_found(self) -> tuple[int, dict[str, str], Any]:
        return 404, {}, {"message": "Not Found", "documentation_url": DOCS}

    def _route(self, method, path, query, headers, body):
        answered = self._route_user(method, path, query, headers, body)
        if answered is not None:
            return answered
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if (
            method == "POST"
            and parts[:2] == ["app", "installations"]
            and parts[3:] == ["access_tokens"]
        ):
            return self._access_token(headers, parts[2])
        if not self._token_ok(headers):
            return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS}
        if len(parts) < 3 or parts[0] != "repos":
            return self._not_found()
        full_name = f"{parts[1]}/{parts[2]}"
        repo = self._repos.get(full_name)
        if repo is None:
            return self._not_found()
        rest = parts[3:]
        if method == "GET" and len(rest) == 2 and rest[0] == "pulls":
            pr = repo.pulls.get(int(rest[1]))
            return (200, {}, self._pull_json(repo, pr)) if pr else self._not_found()
        if method == "GET" and len(rest) == 3 and rest[0] == "pulls" and rest[2] == "files":
            pr = repo.pulls.get(int(rest[1]))
            if pr is None:
                return self._not_found()
            items = [self._file_json(repo, pr["number"], f) for f in pr["files"]]
            return self._paginate(path, query, items)
        if method == "GET" and len(rest) == 3 and rest[0] == "pulls" and rest[2] == "commits":
            pr = repo.pulls.get(int(rest[1]))
            if pr is None:
                return self._not_found()
            items = [self._commit_json(repo, c) for c in pr["commits"]]
            return self._paginate(path, query, items)
        if method == "GET" and len(rest) == 2 and rest[0] == "commits":
            commit = repo.commits.get(rest[1])
            if commit is None:
                return (
                    422,
                    {},
                    {"message": f"No commit found for SHA: {rest[1]}", "documentation_url": DOCS},
                )
            return 200, {}, self._commit_detail_json(repo, commit)
        if method == "GET" and len(rest) == 3 and rest[:2] == ["git", "blobs"]:
            raw = repo.blobs.get(rest[2])
            if raw is None:
                return self._not_found()
            return (
                200,
                {},
                {
                    "sha": rest[2],
                    "node_id": f"B_{rest[2][:10]}",
                    "size": len(raw),
                    "url": f"{self.base_url}{path}",
                    "content": self._b64(raw),
                    "encoding": "base64",
                },
            )
        if method == "GET" and rest[:1] == ["contents"] and len(rest) > 1:
            file_path = "/".join(rest[1:])
            ref = (query.get("ref") or [repo.default_branch])[0]
            raw = repo.files_at.get((ref, file_path))
            if raw is None:
                return self._not_found()
            sha = git_blob_sha(raw)
            api = f"{self.base_url}/repos/{full_name}"
            return (
                200,
                {},
                {
                    "type": "file",
                    "encoding": "base64",
                    "size": len(raw),
                    "name": file_path.rsplit("/", 1)[-1],
                    "path": file_path,
                    "content": self._b64(raw),
                    "sha": sha,
                    "url": f"{api}/contents/{file_path}?ref={ref}",
                    "git_url": f"{api}/git/blobs/{sha}",
                    "html_url": f"{self.base_url}/{full_name}/blob/{ref}/{file_path}",
                    "download_url": f"{self.base_url}/{full_name}/raw/{ref}/{file_path}",
                    "_links": {
                        "self": f"{api}/contents/{file_path}?ref={ref}",
                        "git": f"{api}/git/blobs/{sha}",
                        "html": f"{self.base_url}/{full_name}/blob/{ref}/{file_path}",
                    },
                },
            )
        if method == "POST" and rest == ["check-runs"]:
            return self._check_run_create(full_name, body or {})
        if method == "PATCH" and len(rest) == 2 and rest[0] == "check-runs":
            return self._check_run_update(full_name, int(rest[1]), body or {})
        return self._not_found()

    def _paginate(self, path: str, query: dict[str, list[str]], items: list[Any]):
        per_page = min(int((query.get("per_page") or ["30"])[0]), self.per_page_cap)
        page = max(int((query.get("page") or ["1"])[0]), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(n: int, rel: str) -> str:
            query = urlencode({"per_page": per_page, "page": n})
            return f'<{self.base_url}{path}?{query}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, chunk

    def _token_ok(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        return scheme.lower() in ("token", "bearer") and token in self.issued_tokens

    def _access_token(self, headers: dict[str, str], installation_id: str):
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return (
                401,
                {},
                {"message": "A JSON web token could not be decoded", "documentation_url": DOCS},
            )
        try:
            claims = jwt.decode(
                auth.removeprefix("Bearer "),
                self.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=90,
            )
        except jwt.PyJWTError as exc:
            return (
                401,
                {},
                {
                    "message": f"A JSON web token could not be decoded: {exc}",
                    "documentation_url": DOCS,
                },
            )
        if str(claims["iss"]) != str(self.app_id):
            return (
                401,
                {},
                {"message": "'Issuer' claim ('iss') is invalid", "documentation_url": DOCS},
            )
        token = (
            f"ghs_{hashlib.sha256(f'{installation_id}{time.time_ns()}'.encode()).hexdigest()[:36]}"
        )
        self.issued_tokens.append(token)
        expires = _iso(datetime.now(UTC) + timedelta(hours=1))
        return (
            201,
            {},
            {
                "token": token,
                "expires_at": expires,
                "permissions": {"checks": "write", "contents": "read", "pull_requests": "read"},
                "repository_selection": "selected",
            },
        )

    def _check_run_json(self, full_name: str, run: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{full_name}"
        output = run["output"]
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "node_id": f"CR_{run['id']}",
            "external_id": run.get("external_id", ""),
            "url": f"{api}/check-runs/{run['id']}",
            "html_url": f"{self.base_url}/{full_name}/runs/{run['id']}",
            "details_url": run.get("details_url"),
            "status": run["status"],
            "conclusion": run.get("conclusion"),
            "started_at": run["started_at"],
            "completed_at": run.get("completed_at"),
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": len(run["annotations"]),
                "annotations_url": f"{api}/check-runs/{run['id']}/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": 5},
            "app": {"id": self.app_id, "slug": "reviewbench", "name": "ReviewBench"},
            "pull_requests": [],
        }

    def _apply_check_fields(self, run: dict[str, Any], body: dict[str, Any]) -> str | None:
        for key in ("status", "conclusion", "details_url", "external_id", "name"):
            if key in body:
                run[key] = body[key]
        if "output" in body:
            output = body["output"]
            if not output.get("title") or not output.get("summary"):
                return "output.title and output.summary are required"
            if len(output["summary"]) > 65535:
                return "output.summary is too long (maximum is 65535 characters)"
            annotations = output.get("annotations") or []
            if len(annotations) > 50:
                return "Only 50 annotations are allowed per request"
            run["output"] = {k: v for k, v in output.items() if k != "annotations"}
            run["annotations"].extend(annotations)
        if run.get("conclusion"):
            run["status"] = "completed"
            run["completed_at"] = _iso(datetime.now(UTC))
        return None

    def _check_run_create(self, full_name: str, body: dict[str, Any]):
        if not body.get("name") or not body.get("head_sha"):
            return 422, {}, {"message": "Invalid request.", "documentation_url": DOCS}
        run: dict[str, Any] = {
            "id": next(self._ids),
            "full_name": full_name,
            "name": body["name"],
            "head_sha": body["head_sha"],
            "status": "queued",
            "started_at": _iso(datetime.now(UTC)),
            "output": {},
            "annotations": [],
            "history": [],
        }
        error = self._apply_check_fields(run, body)
        if error:
            return 422, {}, {"message": error, "documentation_url": DOCS}
        run["history"].append(json.loads(json.dumps(body)))
        self.check_runs[run["id"]] = run
        return 201, {}, self._check_run_json(full_name, run)

    def _check_run_update(self, full_name: str, run_id: int, body: dict[str, Any]):
        run = self.check_runs.get(run_id)
        if run is None or run["full_name"] != full_name:
            return self._not_found()
        error = self._apply_check_fields(run, body)
        if error:
            return 422, {}, {"message": error, "documentation_url": DOCS}
        run["history"].append(json.loads(json.dumps(body)))
        return 200, {}, self._check_run_json(full_name, run)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-answer (a worker killed on purpose) is no error of GitHub's.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    double: GitHubDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without NODELAY, delayed ACKs add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        raw = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if _GIT_PATH.match(split.path):
            status, extra, data = self.double.git_http(
                self.command, split.path, split.query, headers, raw
            )
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body: Any = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
        status, extra, payload = self.double._handle(
            self.command, split.path, parse_qs(split.query), headers, body
        )
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        if "Content-Type" not in extra:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = _serve
    do_POST = _serve
    do_PATCH = _serve
    do_PUT = _serve
    do_DELETE = _serve
