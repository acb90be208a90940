"""ReviewBench settings: one module, driven by the environment.

Defaults are the embedded, zero-setup mode (SQLite, a filesystem broker). Production sets
DJANGO_DEBUG unset, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL and
the GitHub App variables. With DEBUG off a missing secret is an error, never a silent default.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
DATA_DIR = Path(env("REVIEWBENCH_DATA_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

SECRET_KEY = env("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG-on"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    # GitHub sign-in (github_app.signin): allauth's GitHub provider with the App's OAuth client.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "github_app.oauth",  # allauth's GitHub provider, hosts from GITHUB_URL / GITHUB_API_URL
    "findings",
    # The review workflow's rooms, lowest first (docs/ARCHITECTURE.md): each imports only rooms
    # above it in this list, never one below.
    "reviewbench.policy",
    "reviewbench.access",
    "reviewbench.audit",
    "reviewbench.notifications",
    "reviewbench.checklist",
    "reviewbench.calibration",
    "reviewbench.approvals",
    "reviewbench.reviews",
    "reviewbench.queue",
    "reviewbench.evidence",
    "reviewbench.insights",
    "github_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Re-checks a GitHub-signed-in user's repository access once it is older than its TTL.
    "github_app.signin.GitHubAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "reviewbench.urls"
WSGI_APPLICATION = "reviewbench.wsgi.application"
ASGI_APPLICATION = "reviewbench.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "github_app.signin.sign_in_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'reviewbench.sqlite3'}") or "",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60") or 60),
        # A persistent connection to a database that restarted is replaced before use, instead
        # of failing the first request of every process with a 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default writes under the data directory: a new one is created, not refused
    # with "unable to open database file".
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Web and worker share one SQLite file in the embedded mode: wait for the lock, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Every route but the webhook (which has its own 25 MB limit, see github_app.views) keeps
# Django's 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security headers; production-safe unless DEBUG is on ------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The webhook is authenticated by its HMAC signature; plain-HTTP redirect would break GitHub's POST.
SECURE_REDIRECT_EXEMPT = [r"^github/webhook$", r"^healthz$"]

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's token authentication, re-checking a GitHub user's access when it is due.
        "github_app.signin.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ReviewBench API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Celery ------------------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, which needs no server, made at-least-once by
# reviewbench/broker.py (a dead worker's messages come back). Production: Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT = "reviewbench.broker:Transport"
    _queue_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": 0.5,
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# A task whose pool process died (SIGKILL, out of memory) goes back to the queue instead of being
# acknowledged as failed; the tasks are idempotent by delivery and head SHA.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "github-sweep-deliveries": {
        "task": "github_app.sweep_deliveries",
        "schedule": float(env("REVIEWBENCH_SWEEP_SECONDS", "60") or 60),
    },
    "github-sweep-check-runs": {
        "task": "github_app.sweep_check_runs",
        "schedule": float(env("REVIEWBENCH_SWEEP_SECONDS", "60") or 60),
    },
    "reviews-notify-sla-breaches": {
        "task": "reviews.notify_sla_breaches",
        "schedule": float(env("REVIEWBENCH_SLA_SECONDS", "300") or 300),
    },
}

# --- GitHub App --------------------------------------------------------------------------------
GITHUB_APP_ID = env("GITHUB_APP_ID")
GITHUB_PRIVATE_KEY = env("GITHUB_PRIVATE_KEY")
GITHUB_PRIVATE_KEY_PATH = env("GITHUB_PRIVATE_KEY_PATH")
GITHUB_API_URL = (env("GITHUB_API_URL", "https://api.github.com") or "").rstrip("/")
GITHUB_WEBHOOK_SECRETS = env_list("GITHUB_WEBHOOK_SECRET")
GITHUB_HTTP_TIMEOUT = float(env("GITHUB_HTTP_TIMEOUT", "15") or 15)
GITHUB_WEBHOOK_MAX_BYTES = int(env("GITHUB_WEBHOOK_MAX_BYTES", str(25 * 1024 * 1024)) or 0)
CHECK_RUN_NAME = "ReviewBench"

# --- GitHub sign-in ----------------------------------------------------------------------------
# The GitHub App's own OAuth client (App settings → Client ID / Generate a client secret). Without
# both, the sign-in button is not shown and /accounts/github/login/ answers 404.
GITHUB_CLIENT_ID = env("GITHUB_CLIENT_ID") or ""
GITHUB_CLIENT_SECRET = env("GITHUB_CLIENT_SECRET") or ""
# The web host for the OAuth pages: github.com, or GitHub Enterprise Server's host, derived from
# GITHUB_API_URL (https://HOST/api/v3 → https://HOST) unless given.
GITHUB_URL = (
    env("GITHUB_URL")
    or (
        "https://github.com"
        if GITHUB_API_URL == "https://api.github.com"
        else GITHUB_API_URL.removesuffix("/api/v3")
    )
).rstrip("/")
# Read a PR's content with git over HTTPS (a few requests whatever its size); off: the REST API,
# one request per file. It falls back to REST by itself when git cannot read the repository.
REVIEWBENCH_GIT_FETCH = env_bool("REVIEWBENCH_GIT_FETCH", True)
# Seconds GitHub's word on a user's repositories and teams counts before it is checked again.
REVIEWBENCH_GITHUB_ACCESS_TTL = int(env("REVIEWBENCH_GITHUB_ACCESS_TTL", "600") or 600)
# After a failed check, seconds before the next attempt.
REVIEWBENCH_GITHUB_ACCESS_RETRY = int(env("REVIEWBENCH_GITHUB_ACCESS_RETRY", "60") or 60)

# --- Content Security Policy (django-csp) ------------------------------------------------------
# Scripts and styles from this site only, none inline: a pull request's title, paths, code or
# findings that slipped past escaping still could not run. Forms post here, and sign-in goes on
# to GitHub. The pages have no inline script or style; htmx is told not to inject its own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", GITHUB_URL],
    },
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# The OAuth client comes from GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET (github_app.signin's
# adapter builds it); a GitHub App's user token carries the App's permissions, not OAuth scopes.
SOCIALACCOUNT_PROVIDERS = {"github": {"SCOPE": [], "OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_ADAPTER = "github_app.signin.SocialAccountAdapter"
ACCOUNT_ADAPTER = "github_app.signin.AccountAdapter"
# POST only: a GET cannot start a sign-in (login CSRF).
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# Kept to re-check access after the TTL without a new sign-in (refresh token included).
SOCIALACCOUNT_STORE_TOKENS = True
# Never attach a GitHub identity to a local account by a matching e-mail address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_EMAIL_REQUIRED = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*"]

# Public base URL of this ReviewBench, used for check-run details links.
REVIEWBENCH_BASE_URL = (env("REVIEWBENCH_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# Deliveries stored but not processed after this many seconds are re-enqueued by the sweep.
REVIEWBENCH_SWEEP_AFTER_SECONDS = int(env("REVIEWBENCH_SWEEP_AFTER_SECONDS", "120") or 120)
# A check run still open this many seconds after its analysis started (its worker died, the task
# was lost) is taken up by the check-run sweep: analysed again, or finished with the reason.
REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = int(
    env("REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS", "600") or 600
)

# Callables (dotted paths) told that a revision's review state changed, after the transaction
# commits. The workflow layer calls them without importing the GitHub edge (see ARCHITECTURE.md).
REVIEWBENCH_STATE_LISTENERS = ["github_app.services.review_state_changed"]

# AI provenance: PR labels and bot authors that mark a pull request as AI-written (lower-case).
REVIEWBENCH_AI_LABELS = env_list(
    "REVIEWBENCH_AI_LABELS",
    "ai-generated,ai-assisted,ai,copilot,claude,cursor,codex,devin,generated-by-ai",
)
REVIEWBENCH_AI_BOT_AUTHORS = env_list(
    "REVIEWBENCH_AI_BOT_AUTHORS",
    "copilot-swe-agent[bot],copilot[bot],devin-ai-integration[bot],google-labs-jules[bot],"
    "codex[bot],chatgpt-codex-connector[bot],cursor[bot],claude[bot],sweep-ai[bot],"
    "openhands-agent[bot],amazon-q-developer[bot]",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # bandit asks stevedore for every report formatter, and the optional SARIF one is not
    # installed: its "could not load" line is noise, not an error of ours.
    "loggers": {"stevedore.extension": {"level": "CRITICAL"}},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "reviewbench@localhost")
