from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def pull_request_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/pull_request_list.html", {"pull_requests": []})
