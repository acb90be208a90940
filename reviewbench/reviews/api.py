"""Review API: thin views over selectors (reads) and services (writes).

Tenancy holds as on the pages: every object is looked up among the user's visible pull
requests, and anything outside them answers the same 404 as an object that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from findings.engine.sarif.reading import MAX_SARIF_BYTES
from findings.models import ChangedFile, Finding, Hunk, PullRequest, Revision
from findings.services import TriageError
from reviewbench.access.selectors import pull_request_for_user, pull_requests_for
from reviewbench.apitools import NOT_FOUND, REJECTED, ErrorSerializer
from reviewbench.apitools import rejected as _rejected
from reviewbench.apitools import reviewer as _reviewer
from reviewbench.approvals.models import Approval
from reviewbench.approvals.services import ApprovalDenied, revision_approve
from reviewbench.calibration.api import AttemptSerializer
from reviewbench.calibration.models import Exercise
from reviewbench.calibration.selectors import (
    attempt_for_revision,
    findings_hidden,
    open_attempt_revisions,
)
from reviewbench.calibration.services import CalibrationError
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.selectors import ANSWERED_ITEM, revision_checklist
from reviewbench.checklist.services import AnswerRejected, TriageDenied
from reviewbench.reviews import selectors, services
from reviewbench.reviews.serializers import (
    AnswerInputSerializer,
    ApprovalSerializer,
    ChecklistItemSerializer,
    FindingDetailSerializer,
    FindingSerializer,
    HunkFilterSerializer,
    HunkRowSerializer,
    PullRequestDetailSerializer,
    PullRequestListSerializer,
    RevisionFullSerializer,
    RevisionSummarySerializer,
    TriageInputSerializer,
)
from reviewbench.reviews.services import SarifImportRejected, review_sarif_import

logger = logging.getLogger(__name__)


# --- reads built on the selectors ----------------------------------------------------------------


@dataclass(frozen=True)
class RevisionDetail:
    revision: Revision
    files: list[ChangedFile]
    findings: list[Finding]
    checklist: list[ChecklistItem]
    state: selectors.ReviewState


@dataclass(frozen=True)
class PullRequestDetail:
    pull_request: PullRequest
    latest_revision: RevisionDetail | None


def _visible_pull_request_ids(user: User) -> QuerySet[PullRequest, Any]:
    # Only the ids: the list annotations and ordering have no place in a membership subquery.
    return pull_requests_for(user).order_by().values("pk")


def revision_file_rows(revision: Revision) -> list[ChangedFile]:
    """The revision's changed files without hunks: the API lists files, it does not render diffs."""
    # selectors.revision_files prefetches every hunk's content for the diff page; unused here.
    return list(
        ChangedFile.objects.filter(revision=revision)
        .only("id", "revision_id", "path", "status", "analysis", "analysis_note", "position")
        .order_by("position", "path")
    )


def pull_request_detail_for_user(
    *, user: User, owner: str, name: str, number: int
) -> PullRequestDetail:
    """The pull request with its latest revision's review data; Http404 when not visible."""
    pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
    revision = selectors.latest_revision(pull_request)
    if revision is None:
        return PullRequestDetail(pull_request=pull_request, latest_revision=None)
    checklist = revision_checklist(revision)
    findings = selectors.revision_findings(revision)
    if findings_hidden(attempt_for_revision(pull_request, revision)):
        # A calibration attempt in progress: its findings are the answers.
        findings = []
        checklist = [item for item in checklist if item.kind != ChecklistItem.Kind.TRIAGE]
    return PullRequestDetail(
        pull_request=pull_request,
        latest_revision=RevisionDetail(
            revision=revision,
            files=revision_file_rows(revision),
            findings=findings,
            checklist=checklist,
            state=selectors.review_state(revision, user),
        ),
    )


def checklist_item_for_user(*, user: User, item_id: int) -> ChecklistItem:
    """The checklist item if it belongs to a pull request the user may see; NotFound otherwise."""
    item = (
        ChecklistItem.objects.filter(
            pk=item_id, revision__pull_request__in=_visible_pull_request_ids(user)
        )
        .exclude(kind=ChecklistItem.Kind.TRIAGE, revision_id__in=open_attempt_revisions())
        .select_related("revision")
        .first()
    )
    if item is None:
        raise NotFound("No such checklist item.")
    return item


def finding_for_user(*, user: User, finding_id: int) -> Finding:
    """The finding if it belongs to a pull request the user may see; NotFound otherwise."""
    finding = (
        Finding.objects.filter(
            pk=finding_id, revision__pull_request__in=_visible_pull_request_ids(user)
        )
        .exclude(revision_id__in=open_attempt_revisions())
        .select_related("revision")
        .first()
    )
    if finding is None:
        raise NotFound("No such finding.")
    return finding


# --- revisions, hunks and findings (reads kept here, not in selectors, for this API only) -------


def _count_of(queryset: QuerySet[Any]) -> Coalesce:
    # A correlated COUNT per row keeps a page of revisions at one query, whatever its size.
    counted = (
        queryset.order_by().values("revision_id").annotate(total=Count("pk")).values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def revisions_with_counts() -> QuerySet[Revision]:
    """Revisions with their new-finding and checklist counts annotated, newest first."""
    items = ChecklistItem.objects.filter(revision_id=OuterRef("pk"))
    return (
        Revision.objects.select_related("pull_request__repository")
        .annotate(
            findings_total=_count_of(
                Finding.objects.filter(revision_id=OuterRef("pk"), pre_existing=False)
            ),
            checklist_total=_count_of(items),
            checklist_answered=_count_of(items.filter(ANSWERED_ITEM)),
        )
        .order_by("-created_at", "-id")
    )


def pull_request_revisions_for_user(
    *, user: User, owner: str, name: str, number: int
) -> QuerySet[Revision]:
    """Every revision of a visible pull request, newest first; Http404 when not visible."""
    pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
    # A calibration attempt in progress is left out: its finding count would give answers away.
    return (
        revisions_with_counts()
        .filter(pull_request=pull_request)
        .exclude(pk__in=open_attempt_revisions())
    )


def _visible_revisions(user: User) -> QuerySet[Revision]:
    return Revision.objects.filter(pull_request__in=_visible_pull_request_ids(user))


def revision_detail_for_user(*, user: User, revision_id: int) -> Revision:
    """One visible revision with files, hunks, findings, checklist and approvals prefetched."""
    revision = (
        revisions_with_counts()
        .filter(pk=revision_id, pull_request__in=_visible_pull_request_ids(user))
        .exclude(pk__in=open_attempt_revisions())
        .prefetch_related(
            Prefetch(
                "files",
                queryset=ChangedFile.objects.order_by("position", "path").prefetch_related(
                    Prefetch("hunks", queryset=Hunk.objects.order_by("index", "id"))
                ),
            ),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("triaged_by").order_by(
                    "path", "line", "rule_id", "id"
                ),
            ),
            Prefetch(
                "checklist_items",
                queryset=ChecklistItem.objects.select_related("finding").order_by("position", "id"),
            ),
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related("user").order_by("created_at", "id"),
            ),
        )
        .first()
    )
    if revision is None:
        raise NotFound("No such revision.")
    return revision


def revision_hunks_for_user(
    *, user: User, revision_id: int, authorship: str = "", path: str = ""
) -> QuerySet[Hunk]:
    """The hunks of a visible revision in diff order, optionally one authorship or one file."""
    if not _visible_revisions(user).filter(pk=revision_id).exists():
        raise NotFound("No such revision.")
    hunks = Hunk.objects.filter(changed_file__revision_id=revision_id)
    if authorship:
        hunks = hunks.filter(authorship=authorship)
    if path:
        hunks = hunks.filter(changed_file__path=path)
    return hunks.select_related("changed_file").order_by(
        "changed_file__position", "changed_file__path", "index", "id"
    )


def finding_detail_for_user(*, user: User, finding_id: int) -> Finding:
    """One finding of a visible pull request with its triager; NotFound otherwise."""
    finding = (
        Finding.objects.filter(
            pk=finding_id, revision__pull_request__in=_visible_pull_request_ids(user)
        )
        .exclude(revision_id__in=open_attempt_revisions())
        .select_related("triaged_by")
        .first()
    )
    if finding is None:
        raise NotFound("No such finding.")
    return finding


# --- views ---------------------------------------------------------------------------------------


class PullRequestListApi(generics.ListAPIView):
    serializer_class = PullRequestListSerializer

    @extend_schema(operation_id="pull_requests_list", summary="Pull requests you may review")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[PullRequest]:
        return selectors.pull_requests_visible_to(_reviewer(self.request))


class PullRequestDetailApi(APIView):
    @extend_schema(
        operation_id="pull_requests_retrieve",
        summary="A pull request with its latest revision and your review state",
        responses={200: PullRequestDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, owner: str, name: str, number: int) -> Response:
        detail = pull_request_detail_for_user(
            user=_reviewer(request), owner=owner, name=name, number=number
        )
        return Response(PullRequestDetailSerializer(detail).data)


class ChecklistItemAnswerApi(APIView):
    @extend_schema(
        operation_id="checklist_items_answer",
        summary="Explain a changed file in your own words",
        request=AnswerInputSerializer,
        responses={200: ChecklistItemSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, item_id: int) -> Response:
        user = _reviewer(request)
        item = checklist_item_for_user(user=user, item_id=item_id)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.review_item_answer(
                item=item,
                user=user,
                answer=data.validated_data["answer"],
                outcome=data.validated_data["outcome"],
            )
        except AnswerRejected as rejected:
            logger.info(
                "reviews.api.answer_rejected",
                extra={"item_id": item.pk, "user_id": user.pk},
            )
            return _rejected(rejected.message)
        return Response(ChecklistItemSerializer(item).data)


class FindingTriageApi(APIView):
    @extend_schema(
        operation_id="findings_triage",
        summary="Triage a finding: confirmed, false positive or accepted risk",
        request=TriageInputSerializer,
        responses={200: FindingSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, finding_id: int) -> Response:
        user = _reviewer(request)
        finding = finding_for_user(user=user, finding_id=finding_id)
        data = TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            finding = services.review_finding_triage(
                finding=finding,
                user=user,
                decision=data.validated_data["decision"],
                reason=data.validated_data["reason"],
                expires_at=data.validated_data["expires_at"],
            )
        except TriageDenied as denied:
            message = denied.message
        except TriageError as error:
            message = str(error)
        else:
            return Response(FindingSerializer(finding).data)
        logger.info(
            "reviews.api.triage_rejected",
            extra={"finding_id": finding.pk, "user_id": user.pk},
        )
        return _rejected(message)


class RevisionApproveApi(APIView):
    @extend_schema(
        operation_id="pull_requests_approve",
        summary="Approve the pull request's latest revision",
        request=None,
        responses={201: ApprovalSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = _reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        revision = selectors.latest_revision(pull_request)
        if revision is None:
            return _rejected("This pull request has not been analysed yet.")
        try:
            approval = revision_approve(revision=revision, user=user)
        except ApprovalDenied as denied:
            return _rejected(denied.reason)
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


class RevisionListApi(generics.ListAPIView):
    serializer_class = RevisionSummarySerializer

    @extend_schema(
        operation_id="pull_requests_revisions_list",
        summary="Every analysed revision of a pull request, newest first",
        responses={200: RevisionSummarySerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Revision]:
        return pull_request_revisions_for_user(
            user=_reviewer(self.request),
            owner=self.kwargs["owner"],
            name=self.kwargs["name"],
            number=self.kwargs["number"],
        )


class RevisionDetailApi(APIView):
    @extend_schema(
        operation_id="revisions_retrieve",
        summary="A revision in full: files with hunks and provenance, findings, checklist",
        responses={200: RevisionFullSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, revision_id: int) -> Response:
        revision = revision_detail_for_user(user=_reviewer(request), revision_id=revision_id)
        return Response(RevisionFullSerializer(revision).data)


class RevisionHunkListApi(generics.ListAPIView):
    serializer_class = HunkRowSerializer

    @extend_schema(
        operation_id="revisions_hunks_list",
        summary="The hunks of a revision, by authorship or file",
        parameters=[HunkFilterSerializer],
        responses={200: HunkRowSerializer(many=True), 400: ErrorSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Hunk]:
        filters = HunkFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return revision_hunks_for_user(
            user=_reviewer(self.request),
            revision_id=self.kwargs["revision_id"],
            authorship=filters.validated_data.get("authorship", ""),
            path=filters.validated_data.get("path", ""),
        )


class FindingDetailApi(APIView):
    @extend_schema(
        operation_id="findings_retrieve",
        summary="One finding with its triage",
        responses={200: FindingDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, finding_id: int) -> Response:
        finding = finding_detail_for_user(user=_reviewer(request), finding_id=finding_id)
        return Response(FindingDetailSerializer(finding).data)


class SarifImportResultSerializer(serializers.Serializer):
    tools = serializers.ListField(child=serializers.CharField())
    new = serializers.IntegerField(help_text="findings on added lines, now to triage")
    outside_diff = serializers.IntegerField(help_text="kept, but not new: not on an added line")
    duplicates = serializers.IntegerField(help_text="same CWE and line as a finding already there")


class SarifImportApi(APIView):
    parser_classes: list = []  # the body is read raw, bounded, and parsed by the importer

    @extend_schema(
        operation_id="pull_requests_sarif_import",
        summary="Import another scanner's SARIF 2.1.0 log onto the PR's analysed head",
        request={
            "application/sarif+json": OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={201: SarifImportResultSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = _reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        raw = request._request.read(MAX_SARIF_BYTES + 1)
        try:
            summary = review_sarif_import(pull_request=pull_request, raw=raw, user=user)
        except SarifImportRejected as error:
            return Response(
                {"detail": f"Nothing was imported: {error.message}", "path": error.path},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            SarifImportResultSerializer(summary.as_dict()).data, status=status.HTTP_201_CREATED
        )


class CalibrationAttemptStartApi(APIView):
    @extend_schema(
        operation_id="calibration_exercises_attempts_create",
        summary="Start a calibration attempt: the exercise becomes a pull request of your own "
        "calibration repository, analysed like any other, its findings hidden until you submit",
        request=None,
        responses={201: AttemptSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        user = _reviewer(request)
        exercise = Exercise.objects.filter(slug=slug, active=True).first()
        if exercise is None:
            return Response({"detail": "No such exercise."}, status=status.HTTP_404_NOT_FOUND)
        try:
            attempt = services.calibration_attempt_start(user=user, exercise=exercise)
        except CalibrationError as error:
            return _rejected(str(error))
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)
