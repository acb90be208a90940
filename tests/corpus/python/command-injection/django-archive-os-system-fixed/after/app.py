import os
import shlex

from django.http import JsonResponse


def make_archive(name):
    command = "tar czf /tmp/export.tgz " + shlex.quote(name)
    return os.system(command)


def export(request, project):
    status = make_archive(project)
    return JsonResponse({"status": status})
