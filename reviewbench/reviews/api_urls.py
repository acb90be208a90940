from django.urls import path

from reviewbench.reviews import api

app_name = "reviews_api"
pull_request = "pull-requests/<str:owner>/<str:name>/<int:number>/"
urlpatterns = [
    path("pull-requests/", api.PullRequestListApi.as_view(), name="pull_request_list"),
    path(
        "calibration/exercises/<slug:slug>/attempts/",
        api.CalibrationAttemptStartApi.as_view(),
        name="calibration_attempt_start",
    ),
    path(pull_request, api.PullRequestDetailApi.as_view(), name="pull_request_detail"),
    path(pull_request + "revisions/", api.RevisionListApi.as_view(), name="revision_list"),
    path("revisions/<int:revision_id>/", api.RevisionDetailApi.as_view(), name="revision_detail"),
    path(
        "revisions/<int:revision_id>/hunks/",
        api.RevisionHunkListApi.as_view(),
        name="revision_hunk_list",
    ),
    path("findings/<int:finding_id>/", api.FindingDetailApi.as_view(), name="finding_detail"),
    path(pull_request + "sarif/", api.SarifImportApi.as_view(), name="sarif_import"),
    path(pull_request + "approve/", api.RevisionApproveApi.as_view(), name="revision_approve"),
    path(
        "checklist-items/<int:item_id>/answer/",
        api.ChecklistItemAnswerApi.as_view(),
        name="checklist_item_answer",
    ),
    path(
        "findings/<int:finding_id>/triage/",
        api.FindingTriageApi.as_view(),
        name="finding_triage",
    ),
]
