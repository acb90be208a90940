from django.urls import path

from reviewbench.queue import api

app_name = "queue_api"
urlpatterns = [path("queue/", api.QueueApi.as_view(), name="queue")]
