"""GitHub sign-in with the GitHub App's own OAuth client, through django-allauth's GitHub provider.

Why allauth: it is the well-kept Django library for OAuth sign-in (state, PKCE, the account
linking and token storage are its job, not ours); its GitHub provider is used as is, subclassed
(`github_app.oauth`) only so the OAuth and API hosts come from `GITHUB_URL` / `GITHUB_API_URL`
at request time (GitHub Enterprise Server, and the test double) instead of at import.

- `POST /accounts/github/login/` starts the flow (a GET only shows allauth's confirmation
  page: no sign-in by a cross-site link), `/accounts/github/login/callback/` ends it. Both answer
  404 while `GITHUB_CLIENT_ID` / `GITHUB_CLIENT_SECRET` are not set.
- On every GitHub sign-in, and again whenever the last check is older than
  `REVIEWBENCH_GITHUB_ACCESS_TTL` (the middleware, with the stored token, refreshed when it has
  expired), ReviewBench asks GitHub which repositories of the App's installations the user can
  reach and with which permission, and which teams they are in; the access rows and the approval
  groups mapped to teams follow. A failed check keeps nothing past its TTL: access fails closed,
  and the user is told why.
- A GitHub identity is never attached to an existing local account by e-mail; a new GitHub user
  gets a new account named after their login. Local sign-up stays closed: local accounts are made
  by an admin, as before.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.signals import user_logged_in
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from github_app.client import GitHubError
from github_app.models import Installation
from github_app.oauth.provider import GitHubSignInAdapter
from github_app.user_access import user_repository_permissions, user_teams, user_token_refresh
from reviewbench.access.models import ReviewerProfile
from reviewbench.access.services import github_access_replace
from reviewbench.approvals.services import groups_sync_from_teams

logger = logging.getLogger(__name__)
SESSION_KEY = "reviewbench.github_access_seen"


def sign_in_configured() -> bool:
    return bool(settings.GITHUB_CLIENT_ID and settings.GITHUB_CLIENT_SECRET)


_login_view = OAuth2LoginView.adapter_view(GitHubSignInAdapter)
_callback_view = OAuth2CallbackView.adapter_view(GitHubSignInAdapter)


@login_not_required
def github_login(request: HttpRequest) -> HttpResponse:
    if not sign_in_configured():
        raise Http404("GitHub sign-in is not configured.")
    return _login_view(request)


@login_not_required
def github_callback(request: HttpRequest) -> HttpResponse:
    if not sign_in_configured():
        raise Http404("GitHub sign-in is not configured.")
    return _callback_view(request)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # local accounts are made by an admin


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        """The one OAuth client: the GitHub App's, from the settings (none while unset)."""
        if not sign_in_configured() or provider not in (None, "github"):
            return []
        if client_id is not None and client_id != settings.GITHUB_CLIENT_ID:
            return []
        app = SocialApp(
            provider="github",
            name="GitHub",
            client_id=settings.GITHUB_CLIENT_ID,
            secret=settings.GITHUB_CLIENT_SECRET,
        )
        app.settings = {"oauth_pkce_enabled": True}
        return [app]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return sign_in_configured() and sociallogin.account.provider == "github"

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: Any) -> User:
        user = super().populate_user(request, sociallogin, data)
        login = str(sociallogin.account.extra_data.get("login") or "")
        if login and not user.username:
            user.username = login[:150]
        return user


def sign_in_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: whether to show "Sign in with GitHub"."""
    return {"github_sign_in": sign_in_configured()}


# --- access follows GitHub -------------------------------------------------------------------


def github_access_refresh(*, user: User, token: str, login: str) -> bool:
    """Ask GitHub what the user can reach through ReviewBench's installations and which teams
    they are in; record it (access rows, mapped approval groups). False when GitHub failed."""
    known = {
        github_id
        for github_id in Installation.objects.filter(deleted_at__isnull=True).values_list(
            "github_id", flat=True
        )
        if github_id is not None
    }
    try:
        per_installation = user_repository_permissions(token, installations=known)
        teams = user_teams(token)
    except GitHubError as error:
        logger.warning("github_app.signin.access_check_failed", extra={"user_id": user.pk})
        github_access_replace(user=user, login=login, grants=None, problem=str(error))
        return False
    grants: dict[str, tuple[int, str]] = {}
    order = ("read", "triage", "write", "maintain", "admin")
    for installation_id, repositories in sorted(per_installation.items()):
        for full_name, permission in repositories.items():
            earlier = grants.get(full_name)
            if earlier is None or order.index(permission) > order.index(earlier[1]):
                grants[full_name] = (installation_id, permission)
    problem = ""
    if teams is None:
        problem = (
            "GitHub would not list your teams; approval groups mapped to teams kept as they were."
        )
    github_access_replace(user=user, login=login, grants=grants, problem=problem)
    if teams is not None:
        groups_sync_from_teams(user=user, teams=teams)
    return True


@receiver(user_logged_in)
def _check_access_on_sign_in(
    sender: object,
    request: HttpRequest,
    user: User,
    sociallogin: SocialLogin | None = None,
    **kwargs: Any,
) -> None:
    if sociallogin is None or sociallogin.account.provider != "github" or sociallogin.token is None:
        return
    login = str(sociallogin.account.extra_data.get("login") or "")
    if not github_access_refresh(user=user, token=sociallogin.token.token, login=login):
        messages.warning(request, _problem_text(user))
    request.session[SESSION_KEY] = timezone.now().timestamp()


def _problem_text(user: User) -> str:
    profile = ReviewerProfile.objects.filter(user=user).first()
    reason = profile.github_access_problem if profile is not None else ""
    return f"GitHub could not confirm which repositories you can see: {reason}"


def _usable_token(account: SocialAccount) -> str | None:
    """The stored user token, renewed with its refresh token when it has expired."""
    token = SocialToken.objects.filter(account=account).order_by("-pk").first()
    if token is None:
        return None
    if token.expires_at is None or token.expires_at > timezone.now() + datetime.timedelta(
        seconds=30
    ):
        return token.token
    if not token.token_secret:
        return None
    body = user_token_refresh(token.token_secret)
    token.token = body["access_token"]
    token.token_secret = body.get("refresh_token", token.token_secret)
    expires_in = body.get("expires_in")
    token.expires_at = (
        timezone.now() + datetime.timedelta(seconds=int(expires_in)) if expires_in else None
    )
    token.save(update_fields=["token", "token_secret", "expires_at"])
    return token.token


def access_check_due(profile: ReviewerProfile | None) -> bool:
    """Whether a GitHub user's access is due a re-check. A user GitHub sign-in never checked
    (a local account) is never due: nothing here applies to them."""
    if profile is None or profile.github_access_checked_at is None:
        return False
    wait = (
        settings.REVIEWBENCH_GITHUB_ACCESS_RETRY
        if profile.github_access_problem
        else settings.REVIEWBENCH_GITHUB_ACCESS_TTL
    )
    return profile.github_access_checked_at <= timezone.now() - datetime.timedelta(seconds=wait)


def _profile(user: User) -> ReviewerProfile | None:
    try:
        return user.reviewer_profile  # joined by TokenAuthentication; a query otherwise
    except ReviewerProfile.DoesNotExist:
        return None


def access_recheck(user: User) -> bool | None:
    """Re-check a GitHub user's access if it is due: True/False for the outcome, None when
    nothing was due or the user never signed in with GitHub."""
    if not access_check_due(_profile(user)):
        return None
    account = SocialAccount.objects.filter(user=user, provider="github").first()
    if account is None:
        return None
    login = str(account.extra_data.get("login") or "")
    try:
        token = _usable_token(account)
    except GitHubError as error:
        github_access_replace(user=user, login=login, grants=None, problem=str(error))
        return False
    if token is None:
        github_access_replace(
            user=user,
            login=login,
            grants=None,
            problem="your GitHub sign-in has expired; sign in with GitHub again.",
        )
        return False
    return github_access_refresh(user=user, token=token, login=login)


class GitHubAccessMiddleware:
    """Once the last check of a GitHub user's access is older than its TTL, check again before
    the request is served, so a user GitHub no longer lets in loses access within the TTL."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session: Any = getattr(request, "session", None)
        # Only sessions that signed in with GitHub carry the stamp: local users cost nothing.
        seen = session.get(SESSION_KEY) if session is not None else None
        if seen is not None:
            user = request.user
            now = timezone.now().timestamp()
            if (
                isinstance(user, User)
                and user.is_authenticated
                and now - float(seen)
                >= min(
                    settings.REVIEWBENCH_GITHUB_ACCESS_RETRY, settings.REVIEWBENCH_GITHUB_ACCESS_TTL
                )
            ):
                if access_recheck(user) is False:
                    messages.warning(request, _problem_text(user))
                session[SESSION_KEY] = now
        return self.get_response(request)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; a GitHub user's access is re-checked when it is due, as the
    middleware does for the pages (it cannot see token users: DRF authenticates in the view)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            # The profile comes in the same query: a user within the TTL costs nothing more.
            token = Token.objects.select_related("user", "user__reviewer_profile").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        access_recheck(token.user)
        return token.user, token
