from django.urls import path

from github_app import views

app_name = "github_app"
urlpatterns = [
    path("webhook", views.webhook, name="webhook"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
]
