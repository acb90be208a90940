from defusedxml import minidom

from django.http import JsonResponse


def import_feed(request):
    document = minidom.parseString(request.body)
    titles = [node.firstChild.data for node in document.getElementsByTagName("title")]
    return JsonResponse({"titles": titles})
