from django.urls import path

from reviewbench.evidence import api

app_name = "evidence_api"
urlpatterns = [
    path(
        "pull-requests/<str:owner>/<str:name>/<int:number>/evidence/",
        api.PullRequestEvidenceApi.as_view(),
        name="pull_request_evidence",
    ),
    path("evidence/", api.PeriodEvidenceApi.as_view(), name="period_evidence"),
]
