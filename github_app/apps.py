from django.apps import AppConfig


class GithubAppConfig(AppConfig):
    name = "github_app"
    verbose_name = "GitHub App"

    def ready(self) -> None:
        # Connects the sign-in receiver (access is checked on every GitHub sign-in).
        from github_app import signin  # noqa: F401
