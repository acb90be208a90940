from django.contrib.auth import logout
from django.http import HttpResponseRedirect


def sign_out(request):
    logout(request)
    target = request.GET.get("return_to", "/")
    return HttpResponseRedirect(target)
