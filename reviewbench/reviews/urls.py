from django.urls import path

from reviewbench.reviews import views

app_name = "reviews"
pull_request = "<str:owner>/<str:name>/pull/<int:number>/"
urlpatterns = [
    path("", views.pull_request_list, name="pull_request_list"),
    path("calibration/exercises/<slug:slug>/start", views.exercise_start, name="exercise_start"),
    path(pull_request, views.pull_request_detail, name="pull_request_detail"),
    path(pull_request + "status", views.revision_status, name="revision_status"),
    path(pull_request + "files/<int:file_id>/diff", views.file_diff, name="file_diff"),
    path(
        pull_request + "checklist/<int:item_id>/answer",
        views.checklist_item_answer,
        name="checklist_item_answer",
    ),
    path(
        pull_request + "findings/<int:finding_id>/triage",
        views.finding_triage,
        name="finding_triage",
    ),
    path(
        pull_request + "revisions/<int:revision_id>/approve",
        views.revision_approve,
        name="revision_approve",
    ),
]
