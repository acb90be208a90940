from django.urls import path

from reviewbench.calibration import api

app_name = "calibration_api"
attempt = "calibration/attempts/<int:attempt_id>/"
urlpatterns = [
    path("calibration/classes/", api.FlawClassListApi.as_view(), name="classes"),
    path("calibration/exercises/", api.ExerciseListApi.as_view(), name="exercises"),
    path("calibration/attempts/", api.AttemptListApi.as_view(), name="attempts"),
    path(attempt, api.AttemptDetailApi.as_view(), name="attempt"),
    path(attempt + "notes/", api.AttemptNotesApi.as_view(), name="notes"),
    path(attempt + "notes/<int:note_id>/", api.AttemptNoteApi.as_view(), name="note"),
    path(attempt + "submit/", api.AttemptSubmitApi.as_view(), name="submit"),
]
