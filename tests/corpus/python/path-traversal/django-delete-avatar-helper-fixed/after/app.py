import os

from django.conf import settings
from django.http import HttpResponse
from werkzeug.utils import secure_filename


def remove_file(folder, filename):
    target = os.path.join(folder, filename)
    os.remove(target)


def delete_avatar(request):
    filename = secure_filename(request.POST["filename"])
    remove_file(settings.MEDIA_ROOT, filename)
    return HttpResponse(status=204)
