"""Evidence pages: one pull request's, or a period's, as a printable page or as the JSON file."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from reviewbench.evidence.selectors import (
    EvidenceError,
    evidence_document,
    evidence_pull_request,
    pull_requests_in_period,
)


def _respond(
    request: HttpRequest, document: dict[str, Any], *, title: str, back: str, filename: str
) -> HttpResponse:
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    return render(
        request, "evidence/evidence.html", {"doc": document, "title": title, "back_url": back}
    )


def _filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)[:120]


@login_required
@require_GET
def pull_request_evidence(request: HttpRequest, owner: str, name: str, number: int) -> HttpResponse:
    pull_request = evidence_pull_request(user=request.user, owner=owner, name=name, number=number)
    scope = {"kind": "pull_request", "repository": f"{owner}/{name}", "number": number}
    document = evidence_document([pull_request], scope=scope, user=request.user)
    return _respond(
        request,
        document,
        title=f"{owner}/{name}#{number}",
        back=reverse(
            "reviews:pull_request_detail", kwargs={"owner": owner, "name": name, "number": number}
        ),
        filename=_filename(f"evidence-{owner}-{name}-{number}"),
    )


def parse_period(since: str, until: str) -> tuple[datetime.date, datetime.date]:
    """YYYY-MM-DD dates (raises EvidenceError)."""
    try:
        start = datetime.date.fromisoformat(since)
        end = datetime.date.fromisoformat(until)
    except ValueError:
        raise EvidenceError("give since and until as YYYY-MM-DD dates") from None
    return start, end


@login_required
@require_GET
def period_evidence(request: HttpRequest) -> HttpResponse:
    repository = request.GET.get("repository", "")[:300]
    try:
        since, until = parse_period(request.GET.get("since", ""), request.GET.get("until", ""))
        rows = pull_requests_in_period(
            user=request.user, since=since, until=until, repository=repository
        )
    except EvidenceError as error:
        return HttpResponseBadRequest(f"{error}\n", content_type="text/plain; charset=utf-8")
    scope = {
        "kind": "period",
        "since": since.isoformat(),
        "until": until.isoformat(),
        "repository": repository,
    }
    document = evidence_document(rows, scope=scope, user=request.user)
    return _respond(
        request,
        document,
        title=f"{since.isoformat()} to {until.isoformat()}"
        + (f", {repository}" if repository else ""),
        back=reverse("queue:queue"),
        filename=_filename(f"evidence-{since.isoformat()}-{until.isoformat()}"),
    )
