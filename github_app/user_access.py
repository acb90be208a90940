"""What GitHub says about a user signed in with GitHub, asked with their user-to-server token.

- `user_repository_permissions`: the repositories the user can reach through each installation
  of the App, with their permission (`GET /user/installations`, then
  `GET /user/installations/{id}/repositories`, whose `permissions` hash GitHub fills for the
  token's user). This is GitHub's own answer to "can this person read this repository, through
  this App", so ReviewBench never guesses from org membership.
- `user_teams`: the user's teams as "org/slug" (`GET /user/teams`; needs the App's organisation
  permission Members: read).
- `user_token_refresh`: a new user token from the refresh token (GitHub App user tokens expire
  after eight hours).

Plain `requests` with Link pagination and the project's timeout: PyGithub has no call for
`/user/installations/{id}/repositories`, and these are three GETs and a POST.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from github_app.client import GitHubError, TransientGitHubError

MAX_PAGES = 50  # 5,000 repositories or teams at 100 a page
_ORDER = ("read", "triage", "write", "maintain", "admin")
_FLAGS = {"pull": "read", "triage": "triage", "push": "write", "maintain": "maintain"}
_FLAGS["admin"] = "admin"


def _headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "ReviewBench",
    }


def _get(url: str, token: str, what: str) -> requests.Response:
    try:
        response = requests.get(url, headers=_headers(token), timeout=settings.GITHUB_HTTP_TIMEOUT)
    except requests.RequestException as error:
        reason = type(error).__name__
        raise TransientGitHubError(f"GitHub did not answer ({what}): {reason}") from None
    if response.status_code == 401:
        raise GitHubError("GitHub no longer accepts your sign-in; sign in with GitHub again.")
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientGitHubError(f"GitHub answered {response.status_code} ({what})")
    return response


class NotPermitted(GitHubError):
    """GitHub answered 403 or 404: the App may not ask this for the user."""


def _pages(path: str, token: str, what: str, key: str | None) -> list[Any]:
    url: str | None = f"{settings.GITHUB_API_URL}{path}?per_page=100"
    items: list[Any] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return items
        response = _get(url, token, what)
        if response.status_code in (403, 404):
            raise NotPermitted(f"GitHub answered {response.status_code} ({what})")
        if response.status_code != 200:
            raise GitHubError(f"GitHub answered {response.status_code} ({what})")
        try:
            body = response.json()
            page = body[key] if key else body
        except (ValueError, KeyError, TypeError):
            raise GitHubError(f"GitHub's answer was not the expected JSON ({what})") from None
        if not isinstance(page, list):
            raise GitHubError(f"GitHub's answer was not a list ({what})")
        items.extend(page)
        url = response.links.get("next", {}).get("url")
    raise GitHubError(f"more than {MAX_PAGES} pages ({what})")


def _permission(repository: dict[str, Any]) -> str | None:
    flags = repository.get("permissions") or {}
    granted = [_FLAGS[flag] for flag, on in flags.items() if on and flag in _FLAGS]
    return max(granted, key=_ORDER.index) if granted else None


def user_repository_permissions(
    token: str, *, installations: set[int]
) -> dict[int, dict[str, str]]:
    """installation id → {full name → read | triage | write | maintain | admin}, for the
    installations given (the ones ReviewBench knows) that the user can reach."""
    reachable = _pages("/user/installations", token, "your installations", "installations")
    result: dict[int, dict[str, str]] = {}
    for installation in reachable:
        installation_id = installation.get("id") if isinstance(installation, dict) else None
        if not isinstance(installation_id, int) or installation_id not in installations:
            continue
        repositories = _pages(
            f"/user/installations/{installation_id}/repositories",
            token,
            "the repositories of an installation",
            "repositories",
        )
        result[installation_id] = {
            repo["full_name"]: permission
            for repo in repositories
            if isinstance(repo, dict)
            and isinstance(repo.get("full_name"), str)
            and (permission := _permission(repo)) is not None
        }
    return result


def user_teams(token: str) -> set[str] | None:
    """The user's teams as "org/slug", or None when GitHub will not say (the App lacks the
    Members permission in that organisation)."""
    try:
        teams = _pages("/user/teams", token, "your teams", None)
    except NotPermitted:
        return None
    return {
        f"{team['organization']['login']}/{team['slug']}".casefold()
        for team in teams
        if isinstance(team, dict)
        and isinstance(team.get("slug"), str)
        and isinstance((team.get("organization") or {}).get("login"), str)
    }


def user_token_refresh(refresh_token: str) -> dict[str, Any]:
    """Trade a refresh token for a new user token: the JSON GitHub answers
    (`access_token`, `expires_in`, `refresh_token`, …); GitHubError when it refuses."""
    try:
        response = requests.post(
            f"{settings.GITHUB_URL}/login/oauth/access_token",
            data={
                "client_id": settings.GITHUB_CLIENT_ID,
                "client_secret": settings.GITHUB_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            headers={"Accept": "application/json", "User-Agent": "ReviewBench"},
            timeout=settings.GITHUB_HTTP_TIMEOUT,
        )
        body = response.json()
    except requests.RequestException as error:
        reason = type(error).__name__
        raise TransientGitHubError(f"GitHub did not answer the token refresh: {reason}") from None
    except ValueError:
        raise GitHubError("GitHub's answer to the token refresh was not JSON") from None
    if response.status_code != 200 or "access_token" not in body:
        # GitHub answers 200 with {"error": "bad_refresh_token", ...} for a spent token.
        raise GitHubError(
            "GitHub refused to renew your sign-in "
            f"({str(body.get('error', response.status_code))[:60]}); sign in with GitHub again."
        )
    return body
