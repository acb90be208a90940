from django.apps import AppConfig


class GitHubOAuthConfig(AppConfig):
    """Registers ReviewBench's GitHub sign-in provider with allauth (id "github")."""

    name = "github_app.oauth"
    label = "github_oauth"
    verbose_name = "GitHub sign-in"
