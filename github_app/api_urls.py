from django.urls import path

from github_app import api

app_name = "github_api"
urlpatterns = [path("deliveries/", api.DeliveryListApi.as_view(), name="delivery_list")]
