from django.urls import path

from reviewbench.insights import views

app_name = "insights"
urlpatterns = [
    path("repos/<str:owner>/<str:name>/", views.repository_page, name="repository"),
]
