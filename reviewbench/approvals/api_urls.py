from django.urls import path

from reviewbench.approvals import api

app_name = "approvals_api"
pull_request = "pull-requests/<str:owner>/<str:name>/<int:number>/"
urlpatterns = [
    path(pull_request + "approvals/", api.ApprovalStateApi.as_view(), name="approval_state"),
    path(pull_request + "exceptions/", api.BoundaryExceptionListApi.as_view(), name="exceptions"),
    path(
        pull_request + "exceptions/<int:exception_id>/decide/",
        api.BoundaryExceptionDecideApi.as_view(),
        name="exception_decide",
    ),
    path("groups/", api.GroupListApi.as_view(), name="group_list"),
    path("groups/<str:group>/members/", api.GroupMemberApi.as_view(), name="group_members"),
]
