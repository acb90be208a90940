from django.urls import path

from reviewbench.insights import api

app_name = "insights_api"
urlpatterns = [
    path("insights/feedback/", api.FeedbackApi.as_view(), name="feedback"),
    path("insights/calibration/", api.CalibrationNumbersApi.as_view(), name="calibration"),
    path(
        "repositories/<str:owner>/<str:name>/instructions/",
        api.RepositoryInstructionsApi.as_view(),
        name="repository_instructions",
    ),
]
