import re

from django.http import JsonResponse

EMAIL = re.compile(r"^[a-zA-Z0-9.]+@example\.com$")


def check_email(request):
    email = request.GET.get("email", "")
    ok = EMAIL.match(email) is not None
    return JsonResponse({"valid": ok})
