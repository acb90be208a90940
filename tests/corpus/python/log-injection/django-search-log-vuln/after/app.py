import logging

from django.http import JsonResponse

log = logging.getLogger(__name__)


def search(request):
    term = request.GET.get("q", "")
    log.info("search: " + term)
    return JsonResponse({"results": []})
