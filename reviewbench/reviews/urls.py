from django.urls import path

from reviewbench.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.pull_request_list, name="pull_request_list"),
]
