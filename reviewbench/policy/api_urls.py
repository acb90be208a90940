from django.urls import path

from reviewbench.policy import api

app_name = "policy_api"
urlpatterns = [path("policy/validate/", api.PolicyValidateApi.as_view(), name="validate")]
