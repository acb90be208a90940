"""Review pages: thin views over selectors (reads) and services (writes).

Without JavaScript every form is POST-redirect-GET. An htmx request (`request.htmx`, from
django-htmx's middleware) gets the updated checklist item back as a partial, plus out-of-band
updates of the progress bar and the approve box, so answering never reloads the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from findings.models import ChangedFile, Finding, PullRequest, Revision
from findings.services import TriageError
from reviewbench.access.selectors import pull_request_for_user, signed_in
from reviewbench.approvals.selectors import boundary_exceptions_for_user
from reviewbench.approvals.services import ApprovalDenied
from reviewbench.approvals.services import revision_approve as approve
from reviewbench.calibration.models import Exercise
from reviewbench.calibration.selectors import attempt_box, attempt_for_revision, findings_hidden
from reviewbench.calibration.services import CalibrationError
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.selectors import checklist_sections, revision_checklist
from reviewbench.checklist.services import AnswerRejected, TriageDenied
from reviewbench.reviews import selectors, services
from reviewbench.reviews.diffview import (
    MAX_CHARS_PER_FILE,
    MAX_LINE_CHARS,
    MAX_LINES_PER_FILE,
    file_diff_text,
    file_view,
)
from reviewbench.reviews.forms import AnswerForm, TriageForm
from reviewbench.text import form_errors

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (`request.htmx`)."""

    htmx: HtmxDetails


IN_PROGRESS = (Revision.Status.QUEUED, Revision.Status.ANALYZING)


def _detail_url(owner: str, name: str, number: int, anchor: str = "") -> str:
    url = reverse(
        "reviews:pull_request_detail", kwargs={"owner": owner, "name": name, "number": number}
    )
    return f"{url}#{anchor}" if anchor else url


@require_GET
def pull_request_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.pull_requests_visible_to(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/pull_request_list.html",
        {"page": page, "pull_requests": page.object_list},
    )


@require_GET
def pull_request_detail(request: HttpRequest, owner: str, name: str, number: int) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    revision = selectors.latest_revision(pull_request)
    context: dict[str, object] = {
        "pull_request": pull_request,
        "owner": owner,
        "name": name,
        "revision": revision,
    }
    if revision is not None:
        files = selectors.revision_files(revision)
        checklist = revision_checklist(revision)
        attempt = attempt_for_revision(pull_request, revision)
        # A calibration attempt runs on this page with the findings hidden until it is submitted.
        hide_findings = findings_hidden(attempt)
        if hide_findings:
            checklist = [item for item in checklist if item.kind != ChecklistItem.Kind.TRIAGE]
        explain_by_file = {
            item.changed_file_id: item
            for item in checklist
            if item.changed_file_id is not None and item.kind == ChecklistItem.Kind.EXPLAIN
        }
        file_views = []
        for changed in files:
            hunks, outside, omitted = file_view(
                list(changed.hunks.all()), [] if hide_findings else list(changed.findings.all())
            )
            file_views.append(
                {
                    "file": changed,
                    "hunks": hunks,
                    "outside": outside,
                    "omitted": omitted,
                    "item": explain_by_file.get(changed.pk),
                }
            )
        state = selectors.review_state(revision, request.user)
        context.update(
            {
                "files": file_views,
                "not_analysed": [
                    changed
                    for changed in files
                    if changed.analysis == ChangedFile.Analysis.NOT_ANALYSED
                ],
                "scanner_times": sorted(
                    (revision.scanner_seconds or {}).items(),
                    key=lambda item: -float(item[1].get("seconds", 0)),
                ),
                "loose_findings": []
                if hide_findings
                else list(
                    Finding.objects.filter(revision=revision, changed_file__isnull=True).order_by(
                        "path", "line", "id"
                    )
                ),
                "attempt": attempt,
                "calibration": attempt_box(attempt, request.user) if attempt else None,
                "can_add_exercise": request.user.has_perm("calibration.add_exercise"),
                "checklist": checklist,
                "sections": checklist_sections(checklist),
                "state": state,
                "boundary_exceptions": boundary_exceptions_for_user(
                    revision=revision, user=request.user, needed=list(state.exceptions)
                ),
                "answer_form": AnswerForm(),
                "triage_form": TriageForm(),
                "in_progress": revision.status in IN_PROGRESS,
                "line_chars": MAX_LINE_CHARS,
                "max_lines": MAX_LINES_PER_FILE,
                "max_chars": MAX_CHARS_PER_FILE,
            }
        )
    return render(request, "reviews/pull_request_detail.html", context)


@require_GET
def file_diff(
    request: HttpRequest, owner: str, name: str, number: int, file_id: int
) -> HttpResponse:
    """The whole stored diff of one changed file as plain text, for what the page cut."""
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    changed = ChangedFile.objects.filter(pk=file_id, revision__pull_request=pull_request).first()
    if changed is None:
        raise Http404("No such file.")
    response = HttpResponse(
        file_diff_text(list(changed.hunks.order_by("index"))),
        content_type="text/plain; charset=utf-8",
    )
    # A download, never a page: the diff is attacker-controlled text. The name is ours, not the
    # file's path, so no header can be forged through it.
    response["Content-Disposition"] = f'attachment; filename="file-{changed.pk}.diff"'
    return response


@require_GET
def revision_status(request: HtmxHttpRequest, owner: str, name: str, number: int) -> HttpResponse:
    """The analysis status line, polled by htmx while the latest revision is being analysed."""
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    revision = selectors.latest_revision(pull_request)
    response = render(
        request,
        "reviews/_analysis_status.html",
        {"pull_request": pull_request, "owner": owner, "name": name, "revision": revision},
    )
    if revision is not None and revision.status not in IN_PROGRESS and request.htmx:
        # Ready or failed: the whole page changes shape, so let htmx reload it.
        response["HX-Refresh"] = "true"
    return response


def _item_fragment(
    request: HttpRequest,
    *,
    pull_request: PullRequest,
    owner: str,
    name: str,
    item: ChecklistItem,
    error: str = "",
    draft: dict[str, str] | None = None,
) -> HttpResponse:
    """The item's partial, then the progress bar and approve box swapped out of band."""
    revision = item.revision
    checklist = revision_checklist(revision)
    fresh = next((candidate for candidate in checklist if candidate.pk == item.pk), item)
    context = {
        "pull_request": pull_request,
        "owner": owner,
        "name": name,
        "revision": revision,
        "item": fresh,
        "error": error,
        "draft": draft or {},
        "saved": not error,
        "sections": checklist_sections(checklist),
        "state": selectors.review_state(revision, request.user),
        "oob": True,
    }
    parts = [render_to_string("reviews/_checklist_item.html", context, request=request)]
    if findings_hidden(attempt_for_revision(pull_request, revision)):
        # An open calibration attempt has neither box, and its counts would tell the findings.
        return HttpResponse("".join(parts))
    parts += [
        render_to_string("reviews/_progress.html", context, request=request),
        render_to_string("reviews/_approve.html", context, request=request),
    ]
    if fresh.finding is not None:
        parts.append(
            render_to_string(
                "reviews/_finding.html", {"finding": fresh.finding, "oob": True}, request=request
            )
        )
    return HttpResponse("".join(parts))


@require_POST
def checklist_item_answer(
    request: HtmxHttpRequest, owner: str, name: str, number: int, item_id: int
) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    item = ChecklistItem.objects.filter(pk=item_id, revision__pull_request=pull_request).first()
    if item is None:
        raise Http404("No such checklist item.")
    form = AnswerForm(request.POST)
    error = ""
    if not form.is_valid():
        error = form_errors(form)
    else:
        try:
            services.review_item_answer(
                item=item,
                user=signed_in(request),
                answer=form.cleaned_data["answer"],
                outcome=form.cleaned_data["outcome"],
            )
        except AnswerRejected as rejected:
            error = rejected.message
    if request.htmx:
        draft = {
            "answer": request.POST.get("answer", "")[:10_000],
            "outcome": request.POST.get("outcome", "")[:32],
        }
        return _item_fragment(
            request,
            pull_request=pull_request,
            owner=owner,
            name=name,
            item=item,
            error=error,
            draft=draft if error else None,
        )
    if error:
        messages.error(request, f"Answer not saved: {error}")
    else:
        messages.success(request, _SAVED.get(item.kind, "Answer saved."))
    return HttpResponseRedirect(_detail_url(owner, name, number, f"item-{item.pk}"))


_SAVED: dict[str, str] = {
    ChecklistItem.Kind.EXPLAIN: "Explanation saved.",
    ChecklistItem.Kind.COMPREHENSION: "Explanation saved.",
    ChecklistItem.Kind.ASSUMPTION: "Assumption answer saved.",
    ChecklistItem.Kind.SIGNOFF: "Sign-off saved.",
}


@require_POST
def finding_triage(
    request: HtmxHttpRequest, owner: str, name: str, number: int, finding_id: int
) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    finding = Finding.objects.filter(pk=finding_id, revision__pull_request=pull_request).first()
    if finding is None:
        raise Http404("No such finding.")
    form = TriageForm(request.POST)
    error = ""
    if not form.is_valid():
        error = form_errors(form)
    else:
        try:
            services.review_finding_triage(
                finding=finding,
                user=signed_in(request),
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except TriageDenied as denied:
            error = denied.message
        except TriageError as rejected:
            error = str(rejected)
    item = (
        ChecklistItem.objects.filter(
            finding=finding, kind=ChecklistItem.Kind.TRIAGE, revision_id=finding.revision_id
        )
        .select_related("revision")
        .first()
    )
    if request.htmx and item is not None:
        draft = {
            "decision": request.POST.get("decision", "")[:32],
            "reason": request.POST.get("reason", "")[:5000],
            "expires_at": request.POST.get("expires_at", "")[:10],
        }
        return _item_fragment(
            request,
            pull_request=pull_request,
            owner=owner,
            name=name,
            item=item,
            error=error,
            draft=draft if error else None,
        )
    if error:
        messages.error(request, f"Triage not saved: {error}")
    else:
        messages.success(request, "Triage saved.")
    return HttpResponseRedirect(_detail_url(owner, name, number, f"finding-{finding.pk}"))


@require_POST
def revision_approve(
    request: HttpRequest, owner: str, name: str, number: int, revision_id: int
) -> HttpResponse:
    pull_request = pull_request_for_user(user=request.user, owner=owner, name=name, number=number)
    revision = Revision.objects.filter(pk=revision_id, pull_request=pull_request).first()
    if revision is None:
        raise Http404("No such revision.")
    try:
        approve(revision=revision, user=signed_in(request))
    except ApprovalDenied as denied:
        messages.error(request, f"Not approved: {denied.reason}")
    else:
        messages.success(request, "Approved.")
    return HttpResponseRedirect(_detail_url(owner, name, number, "approvals"))


@require_POST
def exercise_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a calibration attempt at an exercise and open its pull request."""
    user = signed_in(request)
    exercise = Exercise.objects.filter(slug=slug, active=True).first()
    if exercise is None:
        raise Http404("No such exercise.")
    try:
        attempt = services.calibration_attempt_start(user=user, exercise=exercise)
    except CalibrationError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("insights:calibration"))
    pull_request = attempt.revision.pull_request
    owner, name = pull_request.repository.full_name.split("/", 1)
    return HttpResponseRedirect(_detail_url(owner, name, pull_request.number, "calibration"))
