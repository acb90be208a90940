from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from reviewbench.health import health_checks


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Ready when the database and the broker answer (the compose health check); 503 otherwise."""
    checks = health_checks()
    status = 200 if all(value == "ok" for value in checks.values()) else 503
    return JsonResponse(checks, status=status)


@login_not_required
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers; says nothing of its dependencies."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # allauth's pages after ours (ours answer first); it includes GitHub sign-in's routes from
    # github_app.oauth.urls: /accounts/github/login/ and its callback.
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("github/", include("github_app.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("reviewbench.reviews.api_urls")),
    path("api/", include("reviewbench.approvals.api_urls")),
    path("api/", include("reviewbench.queue.api_urls")),
    path("api/", include("reviewbench.policy.api_urls")),
    path("api/", include("reviewbench.evidence.api_urls")),
    path("api/", include("reviewbench.insights.api_urls")),
    path("api/", include("reviewbench.calibration.api_urls")),
    path("api/", include("github_app.api_urls")),
    path("queue/", include("reviewbench.queue.urls")),
    path("", include("reviewbench.evidence.urls")),
    path("", include("reviewbench.insights.urls")),
    path("", include("reviewbench.calibration.urls")),
    path("", include("reviewbench.approvals.urls")),
    path("", include("reviewbench.reviews.urls")),
]
