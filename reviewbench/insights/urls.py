from django.urls import path

from reviewbench.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/feedback/", views.feedback_page, name="feedback"),
    path("insights/calibration/", views.calibration_page, name="calibration"),
    path("repos/<str:owner>/<str:name>/", views.repository_page, name="repository"),
]
