import logging

from django.http import JsonResponse

log = logging.getLogger(__name__)


def search(request):
    term = request.GET.get("q", "")
    cleaned = term.replace("\r", "").replace("\n", "")
    log.info("search: " + cleaned)
    return JsonResponse({"results": []})
