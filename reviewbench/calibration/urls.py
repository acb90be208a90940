from django.urls import path

from reviewbench.calibration import views

app_name = "calibration"
attempt = "calibration/attempts/<int:attempt_id>/"
urlpatterns = [
    path(attempt + "notes", views.flaw_note_add, name="note_add"),
    path(attempt + "notes/<int:note_id>/remove", views.flaw_note_remove, name="note_remove"),
    path(attempt + "submit", views.attempt_submit, name="submit"),
    path(
        "<str:owner>/<str:name>/pull/<int:number>/findings/<int:finding_id>/exercise",
        views.exercise_from_finding,
        name="exercise_from_finding",
    ),
]
