"""allauth's GitHub provider, unchanged but for where it finds GitHub: `GITHUB_URL` (the OAuth
pages) and `GITHUB_API_URL` (the API), read on each request instead of once at import, as
allauth's own adapter does. allauth finds this module by its app and registers the provider."""

from __future__ import annotations

from allauth.socialaccount.providers.github.provider import GitHubProvider
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from django.conf import settings


class GitHubSignInAdapter(GitHubOAuth2Adapter):
    @property
    def web_url(self) -> str:
        return settings.GITHUB_URL

    @property
    def api_url(self) -> str:
        return settings.GITHUB_API_URL

    @property
    def access_token_url(self) -> str:
        return f"{self.web_url}/login/oauth/access_token"

    @property
    def authorize_url(self) -> str:
        return f"{self.web_url}/login/oauth/authorize"

    @property
    def profile_url(self) -> str:
        return f"{self.api_url}/user"

    @property
    def emails_url(self) -> str:
        return f"{self.api_url}/user/emails"


class ReviewBenchGitHubProvider(GitHubProvider):
    oauth2_adapter_class = GitHubSignInAdapter


provider_classes = [ReviewBenchGitHubProvider]
