"""Calibration actions on the pull request page of an attempt: name a flaw, take a note back,
submit for scoring; and a lead's "make an exercise of this confirmed finding". Each is a
POST-redirect-GET back to the page; the services decide.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from findings.models import Finding
from reviewbench.access.selectors import pull_request_for_user, revisions_for, signed_in
from reviewbench.calibration import services
from reviewbench.calibration.forms import ExerciseFromFindingForm, FlawNoteForm
from reviewbench.calibration.models import Attempt, FlawNote
from reviewbench.text import form_errors


def _attempt_page(attempt: Attempt) -> str:
    pull_request = attempt.revision.pull_request
    owner, name = pull_request.repository.full_name.split("/", 1)
    url = reverse(
        "reviews:pull_request_detail",
        kwargs={"owner": owner, "name": name, "number": pull_request.number},
    )
    return f"{url}#calibration"


def _own_attempt(request: HttpRequest, attempt_id: int) -> tuple[User, Attempt]:
    user = signed_in(request)
    attempt = (
        Attempt.objects.select_related("exercise", "revision__pull_request__repository")
        .filter(pk=attempt_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return user, attempt


@require_POST
def flaw_note_add(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user, attempt = _own_attempt(request, attempt_id)
    form = FlawNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return HttpResponseRedirect(_attempt_page(attempt))
    try:
        services.flaw_note_add(attempt=attempt, user=user, **form.cleaned_data)
    except services.CalibrationError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(_attempt_page(attempt))


@require_POST
def flaw_note_remove(request: HttpRequest, attempt_id: int, note_id: int) -> HttpResponse:
    user, attempt = _own_attempt(request, attempt_id)
    note = FlawNote.objects.filter(pk=note_id, attempt=attempt).first()
    if note is None:
        raise Http404("No such note.")
    try:
        services.flaw_note_remove(note=note, user=user)
    except services.CalibrationError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(_attempt_page(attempt))


@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user, attempt = _own_attempt(request, attempt_id)
    try:
        scored = services.attempt_submit(attempt=attempt, user=user)
    except services.CalibrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"You caught {scored.caught} of {scored.total} planted flaws.")
    return HttpResponseRedirect(_attempt_page(attempt))


@require_POST
def exercise_from_finding(
    request: HttpRequest, owner: str, name: str, number: int, finding_id: int
) -> HttpResponse:
    user = signed_in(request)
    pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
    finding = (
        Finding.objects.filter(
            pk=finding_id,
            revision__pull_request=pull_request,
            revision__in=revisions_for(user),
        )
        .select_related("revision__pull_request__repository")
        .first()
    )
    if finding is None:
        raise Http404("No such finding.")
    form = ExerciseFromFindingForm(request.POST)
    url = reverse(
        "reviews:pull_request_detail", kwargs={"owner": owner, "name": name, "number": number}
    )
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return HttpResponseRedirect(f"{url}#finding-{finding.pk}")
    try:
        exercise = services.exercise_from_finding(
            finding=finding, user=user, title=form.cleaned_data["title"]
        )
    except services.CalibrationError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(f"{url}#finding-{finding.pk}")
    messages.success(request, f"Exercise {exercise.title!r} added to the calibration library.")
    return HttpResponseRedirect(reverse("insights:calibration") + f"#exercise-{exercise.slug}")
