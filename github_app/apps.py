from django.apps import AppConfig


class GithubAppConfig(AppConfig):
    name = "github_app"
    verbose_name = "GitHub App"
