import os

from django.http import HttpResponseForbidden, JsonResponse

API_TOKEN = os.environ["INTERNAL_API_TOKEN"]


def metrics(request):
    provided = request.headers.get("X-Api-Token")
    if provided == API_TOKEN:
        return JsonResponse({"queue": 3})
    return HttpResponseForbidden()
