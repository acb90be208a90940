"""Evidence API: the sealed JSON document for one pull request or a period, as on the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewbench.apitools import NOT_FOUND, REJECTED, rejected, reviewer
from reviewbench.evidence.selectors import (
    EvidenceError,
    evidence_document,
    evidence_pull_request,
    pull_requests_in_period,
)
from reviewbench.evidence.views import parse_period


class PullRequestEvidenceApi(APIView):
    @extend_schema(
        operation_id="pull_requests_evidence",
        summary="Evidence of a pull request's review: provenance, findings, answers, approvals, "
        "policy version and the audit trail, sealed with a SHA-256 chain",
        responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND},
    )
    def get(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = reviewer(request)
        pull_request = evidence_pull_request(user=user, owner=owner, name=name, number=number)
        scope = {"kind": "pull_request", "repository": f"{owner}/{name}", "number": number}
        return Response(evidence_document([pull_request], scope=scope, user=user))


class PeriodEvidenceApi(APIView):
    @extend_schema(
        operation_id="evidence_period",
        summary="Evidence of every pull request you can see analysed in a period",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, required=True),
            OpenApiParameter("until", OpenApiTypes.DATE, required=True),
            OpenApiParameter("repository", OpenApiTypes.STR, description="owner/name"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: REJECTED},
    )
    def get(self, request: Request) -> Response:
        user = reviewer(request)
        repository = request.query_params.get("repository", "")[:300]
        try:
            since, until = parse_period(
                request.query_params.get("since", ""), request.query_params.get("until", "")
            )
            rows = pull_requests_in_period(
                user=user, since=since, until=until, repository=repository
            )
        except EvidenceError as error:
            return rejected(str(error))
        scope = {
            "kind": "period",
            "since": since.isoformat(),
            "until": until.isoformat(),
            "repository": repository,
        }
        return Response(evidence_document(rows, scope=scope, user=user))
