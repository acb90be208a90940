"""Insight pages: a repository's page, with the instruction files its confirmed findings write."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewbench.access.selectors import repository_for_user
from reviewbench.insights.instructions import FORMATS, instruction_file
from reviewbench.insights.selectors import recurring_classes, usage_boundaries


@login_required
@require_GET
def repository_page(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """The repository's recurring confirmed classes, and its instruction files: shown as a
    preview, or downloaded with ?download=<format>."""
    repository = repository_for_user(user=request.user, owner=owner, name=name)
    classes = recurring_classes(repository)
    boundaries = usage_boundaries(repository)
    wanted = request.GET.get("download", "")
    if wanted:
        if wanted not in FORMATS:
            return HttpResponse(
                f"Unknown format; choose one of {', '.join(FORMATS)}.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        text = instruction_file(
            repository=repository.full_name,
            classes=classes,
            boundaries=boundaries,
            file_format=wanted,
        )
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        filename = FORMATS[wanted].rsplit("/", 1)[-1]
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    preview_format = request.GET.get("format", "agents")
    if preview_format not in FORMATS:
        preview_format = "agents"
    preview = instruction_file(
        repository=repository.full_name,
        classes=classes,
        boundaries=boundaries,
        file_format=preview_format,
    )
    return render(
        request,
        "insights/repository.html",
        {
            "repository": repository,
            "owner": owner,
            "name": name,
            "classes": classes,
            "boundaries": boundaries,
            "formats": FORMATS,
            "preview_format": preview_format,
            "preview": preview,
        },
    )
