from django.urls import path

from reviewbench.approvals import views

app_name = "approvals"
pull_request = "<str:owner>/<str:name>/pull/<int:number>/"
urlpatterns = [
    path(
        pull_request + "exceptions/request",
        views.boundary_exception_request,
        name="boundary_exception_request",
    ),
    path(
        pull_request + "exceptions/<int:exception_id>/decide",
        views.boundary_exception_decide,
        name="boundary_exception_decide",
    ),
]
