import os

from django.http import JsonResponse


def make_archive(name):
    command = "tar czf /tmp/export.tgz " + name
    return os.system(command)


def export(request, project):
    status = make_archive(project)
    return JsonResponse({"status": status})
