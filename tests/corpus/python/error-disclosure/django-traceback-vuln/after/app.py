import traceback

from django.http import HttpResponseServerError, JsonResponse

from .billing import charge


def pay(request):
    try:
        receipt = charge(request.POST["card"], request.POST["amount"])
    except Exception:
        details = traceback.format_exc()
        return HttpResponseServerError(details)
    return JsonResponse({"receipt": receipt})
