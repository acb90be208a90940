"""Usage-boundary exception actions on the pull request page: request, grant, refuse.

Thin views: the access room finds the pull request (404 for another tenant's), the services
decide; every answer is a POST-redirect-GET back to the page's review-tier box.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from reviewbench.access.selectors import pull_request_for_user, signed_in
from reviewbench.approvals import services
from reviewbench.approvals.forms import BoundaryExceptionDecisionForm, BoundaryExceptionRequestForm
from reviewbench.approvals.models import BoundaryException
from reviewbench.text import form_errors


def _tier_box_url(owner: str, name: str, number: int) -> str:
    url = reverse(
        "reviews:pull_request_detail", kwargs={"owner": owner, "name": name, "number": number}
    )
    return f"{url}#review-tier"


@require_POST
def boundary_exception_request(
    request: HttpRequest, owner: str, name: str, number: int
) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    back = _tier_box_url(owner, name, number)
    form = BoundaryExceptionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Exception not requested: {form_errors(form)}")
        return HttpResponseRedirect(back)
    try:
        exception = services.boundary_exception_request(
            pull_request=pull_request,
            path=form.cleaned_data["path"],
            group=form.cleaned_data["group"],
            user=signed_in(request),
            reason=form.cleaned_data["reason"],
        )
    except services.BoundaryExceptionDenied as denied:
        messages.error(request, f"Exception not requested: {denied.message}")
    else:
        if exception.state == BoundaryException.State.GRANTED:
            messages.info(request, "This exception is already granted.")
        else:
            messages.success(request, "Exception requested.")
    return HttpResponseRedirect(back)


@require_POST
def boundary_exception_decide(
    request: HttpRequest, owner: str, name: str, number: int, exception_id: int
) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    exception = BoundaryException.objects.filter(pk=exception_id, pull_request=pull_request).first()
    if exception is None:
        raise Http404("No such exception.")
    back = _tier_box_url(owner, name, number)
    form = BoundaryExceptionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Exception not decided: {form_errors(form)}")
        return HttpResponseRedirect(back)
    grant = form.cleaned_data["decision"] == "grant"
    try:
        services.boundary_exception_decide(
            exception=exception,
            user=signed_in(request),
            grant=grant,
            note=form.cleaned_data["note"],
        )
    except services.BoundaryExceptionDenied as denied:
        messages.error(request, f"Exception not decided: {denied.message}")
    else:
        messages.success(request, "Exception granted." if grant else "Exception refused.")
    return HttpResponseRedirect(back)
