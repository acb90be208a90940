import logging

from django.http import HttpResponseServerError, JsonResponse

from .billing import charge

logger = logging.getLogger(__name__)


def pay(request):
    try:
        receipt = charge(request.POST["card"], request.POST["amount"])
    except Exception:
        logger.exception("billing.charge_failed")
        return HttpResponseServerError("payment failed")
    return JsonResponse({"receipt": receipt})
