from django.urls import path

from reviewbench.evidence import views

app_name = "evidence"
urlpatterns = [
    path("evidence/", views.period_evidence, name="period_evidence"),
    path(
        "<str:owner>/<str:name>/pull/<int:number>/evidence",
        views.pull_request_evidence,
        name="pull_request_evidence",
    ),
]
