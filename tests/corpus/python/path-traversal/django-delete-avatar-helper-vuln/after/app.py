import os

from django.conf import settings
from django.http import HttpResponse


def remove_file(folder, filename):
    target = os.path.join(folder, filename)
    os.remove(target)


def delete_avatar(request):
    filename = request.POST["filename"]
    remove_file(settings.MEDIA_ROOT, filename)
    return HttpResponse(status=204)
