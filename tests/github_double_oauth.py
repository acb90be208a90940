"""The GitHub double's OAuth side: the App's OAuth client, people who sign in, their user tokens.

GitHub's web flow, as ReviewBench meets it:
- the browser goes to `/login/oauth/authorize?client_id&redirect_uri&state&code_challenge…`; a
  person approves; GitHub sends the browser to `redirect_uri?code=…&state=…`. A test plays the
  browser and the person with `approve(authorize_url, login)`;
- the server trades the code at `POST /login/oauth/access_token` (form-encoded, the answer
  form-encoded unless `Accept: application/json`; errors are 200 with `error`, as GitHub does),
  checking the client secret, the redirect URI, the code's single use and the PKCE verifier;
  GitHub App user tokens expire (`expires_in` 28800) and come with a refresh token;
- with the token: `GET /user`, `/user/emails`, `/user/installations`,
  `/user/installations/{id}/repositories` (with `permissions`), `/user/teams`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

DOCS = "https://docs.github.com/rest"
_FLAGS = {
    "read": {"pull"},
    "triage": {"pull", "triage"},
    "write": {"pull", "triage", "push"},
    "maintain": {"pull", "triage", "push", "maintain"},
    "admin": {"pull", "triage", "push", "maintain", "admin"},
}


@dataclass
class OAuthUser:
    login: str
    id: int
    email: str
    # installation id → {full name → permission}
    installations: dict[int, dict[str, str]] = field(default_factory=dict)
    teams: list[tuple[str, str]] = field(default_factory=list)  # (org, slug)
    teams_forbidden: bool = False


class GitHubOAuthMixin:
    """Mixed into GitHubDouble, which provides what is declared here."""

    if TYPE_CHECKING:
        app_id: int
        issued_tokens: list[str]
        _lock: threading.RLock
        _ids: Iterator[int]
        _repos: dict[str, Any]

        @property
        def base_url(self) -> str: ...

        def _user_json(self, login: str, user_id: int | None = None) -> dict[str, Any]: ...
        def _repo_json(self, repo: Any) -> dict[str, Any]: ...
        def _paginate(self, path: str, query: Any, items: list[Any]) -> Any: ...

    def _oauth_init(self) -> None:
        self.oauth_client_id = "Iv23liReviewBenchTest"
        self.oauth_client_secret = secrets.token_hex(20)
        self.oauth_users: dict[str, OAuthUser] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self.user_tokens: dict[str, str] = {}  # token → login
        self._refresh_tokens: dict[str, str] = {}  # refresh token → login
        self.token_lifetime = 28800

    # --- loading ---------------------------------------------------------------------------

    def add_oauth_user(
        self,
        login: str,
        *,
        installations: dict[int, dict[str, str]] | None = None,
        teams: list[tuple[str, str]] | None = None,
        email: str = "",
    ) -> OAuthUser:
        with self._lock:
            user = OAuthUser(
                login=login,
                id=next(self._ids),
                email=email or f"{login}@users.noreply.example.com",
                installations=dict(installations or {}),
                teams=list(teams or []),
            )
            self.oauth_users[login] = user
            return user

    def approve(self, authorize_url: str, login: str) -> str:
        """The person `login` approves the App at GitHub's authorize page: the URL GitHub sends
        the browser back to (the callback with code and state)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert urlsplit(authorize_url).path == "/login/oauth/authorize", authorize_url
        assert query["client_id"] == self.oauth_client_id, "unknown client_id"
        assert login in self.oauth_users, f"no such GitHub user {login}"
        code = secrets.token_hex(10)
        with self._lock:
            self._codes[code] = {
                "login": login,
                "redirect_uri": query.get("redirect_uri", ""),
                "challenge": query.get("code_challenge"),
                "method": query.get("code_challenge_method"),
                "used": False,
            }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        return f"{query['redirect_uri']}?{urlencode(params)}"

    def revoke_user_tokens(self, login: str) -> None:
        with self._lock:
            for token in [t for t, who in self.user_tokens.items() if who == login]:
                del self.user_tokens[token]

    # --- serving ---------------------------------------------------------------------------

    def _token_answer(self, headers: dict[str, str], payload: dict[str, Any]):
        if "application/json" in headers.get("accept", ""):
            return 200, {}, payload
        body = urlencode({k: str(v) for k, v in payload.items()}).encode()
        return 200, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body

    def _oauth_error(self, headers, error: str, description: str):
        return self._token_answer(
            headers,
            {
                "error": error,
                "error_description": description,
                "error_uri": "https://docs.github.com/apps/troubleshooting-oauth-errors",
            },
        )

    def _issue(self, login: str) -> dict[str, Any]:
        token = f"ghu_{secrets.token_hex(18)}"
        refresh = f"ghr_{secrets.token_hex(30)}"
        self.user_tokens[token] = login
        self._refresh_tokens[refresh] = login
        return {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "refresh_token": refresh,
            "refresh_token_expires_in": 15897600,
            "scope": "",
            "token_type": "bearer",
        }

    def _access_token_exchange(self, headers: dict[str, str], form: dict[str, str]):
        if (
            form.get("client_id") != self.oauth_client_id
            or form.get("client_secret") != self.oauth_client_secret
        ):
            return self._oauth_error(
                headers,
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            )
        with self._lock:
            if form.get("grant_type") == "refresh_token":
                login = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
                if login is None:
                    return self._oauth_error(
                        headers,
                        "bad_refresh_token",
                        "The refresh token passed is incorrect or expired.",
                    )
                return self._token_answer(headers, self._issue(login))
            grant = self._codes.get(form.get("code", ""))
            if grant is None or grant["used"]:
                return self._oauth_error(
                    headers, "bad_verification_code", "The code passed is incorrect or expired."
                )
            grant["used"] = True
            if form.get("redirect_uri", grant["redirect_uri"]) != grant["redirect_uri"]:
                return self._oauth_error(
                    headers,
                    "redirect_uri_mismatch",
                    "The redirect_uri MUST match the registered callback URL for this application.",
                )
            if grant["challenge"]:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                if grant["method"] != "S256" or digest.rstrip(b"=").decode() != grant["challenge"]:
                    return self._oauth_error(
                        headers,
                        "invalid_grant",
                        "The code_verifier does not match the code_challenge.",
                    )
            return self._token_answer(headers, self._issue(grant["login"]))

    def _route_user(self, method: str, path: str, query, headers: dict[str, str], body: Any):
        """Answers the OAuth and /user routes, or None for every other path."""
        if method == "POST" and path == "/login/oauth/access_token":
            return self._access_token_exchange(headers, body if isinstance(body, dict) else {})
        if not (path == "/user" or path.startswith("/user/")):
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        login = self.user_tokens.get(token) if scheme.lower() in ("token", "bearer") else None
        if login is None:
            if token in self.issued_tokens:
                return (
                    403,
                    {},
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": DOCS,
                    },
                )
            return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS}
        user = self.oauth_users[login]
        parts = path.strip("/").split("/")
        if method != "GET":
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        if parts == ["user"]:
            return (
                200,
                {},
                {
                    **self._user_json(login, user.id),
                    "name": login.title(),
                    "email": user.email,
                    "company": None,
                    "created_at": "2020-01-01T00:00:00Z",
                },
            )
        if parts == ["user", "emails"]:
            return (
                200,
                {},
                [{"email": user.email, "primary": True, "verified": True, "visibility": "private"}],
            )
        if parts == ["user", "installations"]:
            items = [
                {
                    "id": installation_id,
                    "account": {
                        "login": next(iter(repos), "org/x").split("/")[0],
                        "type": "Organization",
                    },
                    "app_id": self.app_id,
                    "target_type": "Organization",
                    "repository_selection": "selected",
                    "permissions": {
                        "checks": "write",
                        "contents": "read",
                        "metadata": "read",
                        "pull_requests": "read",
                        "members": "read",
                    },
                }
                for installation_id, repos in sorted(user.installations.items())
            ]
            return self._paginate_wrapped(path, query, items, "installations")
        if (
            len(parts) == 4
            and parts[:2] == ["user", "installations"]
            and parts[3] == "repositories"
        ):
            repos = user.installations.get(int(parts[2])) if parts[2].isdigit() else None
            if repos is None:
                return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
            items = []
            for full_name, permission in sorted(repos.items()):
                known = self._repos.get(full_name)
                base = (
                    self._repo_json(known)
                    if known
                    else {
                        "id": next(self._ids),
                        "full_name": full_name,
                        "name": full_name.split("/")[1],
                        "private": True,
                    }
                )
                flags = _FLAGS[permission]
                base["permissions"] = {
                    flag: flag in flags for flag in ("admin", "maintain", "push", "triage", "pull")
                }
                items.append(base)
            return self._paginate_wrapped(path, query, items, "repositories")
        if parts == ["user", "teams"]:
            if user.teams_forbidden:
                return (
                    403,
                    {},
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": DOCS,
                    },
                )
            items = [
                {
                    "id": next(self._ids),
                    "slug": slug,
                    "name": slug.replace("-", " ").title(),
                    "privacy": "closed",
                    "permission": "pull",
                    "organization": {"login": org, "id": next(self._ids), "type": "Organization"},
                }
                for org, slug in user.teams
            ]
            return self._paginate(path, query, items)
        return 404, {}, {"message": "Not Found", "documentation_url": DOCS}

    def _paginate_wrapped(self, path, query, items, key):
        status, headers, chunk = self._paginate(path, query, items)
        return status, headers, {"total_count": len(items), key: chunk}
