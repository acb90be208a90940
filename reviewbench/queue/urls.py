from django.urls import path

from reviewbench.queue import views

app_name = "queue"
urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("charts/", views.queue_charts, name="queue_charts"),
]
