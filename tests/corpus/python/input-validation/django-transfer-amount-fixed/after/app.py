from decimal import Decimal

from django.db import transaction
from django.http import JsonResponse

from .models import Account


def transfer(request):
    amount = Decimal(request.POST["amount"])
    if amount <= 0 or amount > Decimal("10000"):
        return JsonResponse({"error": "invalid amount"}, status=400)
    with transaction.atomic():
        source = Account.objects.select_for_update().get(owner=request.user)
        target = Account.objects.select_for_update().get(number=request.POST["to"])
        source.balance -= amount
        target.balance += amount
        source.save()
        target.save()
    return JsonResponse({"ok": True})
